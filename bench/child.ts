/**
 * Runs a measurement in a child Node process, so its peak memory is its own and not the benchmark
 * driver's (which holds pools, a Temporal client, earlier cases' garbage…).
 *
 * The child is a TypeScript file under bench/children run by Node with `-r tsx/cjs`, exactly as
 * bin/lakehouse.js runs the worker and the API (not through the `tsx` CLI, which would put a wrapper
 * process between us and the one we measure, nor with `--import tsx`, whose loader thread adds
 * ~40 MB that production processes do not have). Peak RSS is
 * read two ways: the kernel's high-water mark (VmHWM in /proc/<pid>/status, polled) and the child's
 * own `process.resourceUsage().maxRSS`, reported over IPC when it finishes; the larger is used.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const TSX_CJS = require.resolve('tsx/cjs');

/** Messages a child sends: progress/info objects, and `{ done: … }` or `{ error: … }` at the end. */
export interface ChildMessage {
  type: string;
  [key: string]: unknown;
}

/** VmHWM (peak resident set) of a live process, MB; undefined when it has exited. */
export function vmHwmMb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export function vmRssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface BenchChild {
  process: ChildProcess;
  pid: number;
  /** Resolves with the next message of this type. */
  next(type: string, timeoutMs?: number): Promise<ChildMessage>;
  send(msg: ChildMessage): void;
  /** Highest VmHWM seen by the poller (MB). */
  peakHwmMb(): number;
  /** VmRSS samples taken every 100 ms: [ms since start, MB]. */
  rssSamples(): Array<[number, number]>;
  /** Waits for exit (SIGTERM after `timeoutMs`). */
  exit(timeoutMs?: number): Promise<number | null>;
  kill(): void;
}

export function startChild(script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): BenchChild {
  const child = fork(path.join(__dirname, 'children', script), args, {
    execArgv: ['-r', TSX_CJS],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${script}`);
  const pid = child.pid;
  const inbox: ChildMessage[] = [];
  const waiters: Array<{ type: string; resolve: (m: ChildMessage) => void; reject: (e: Error) => void }> = [];
  let exited: { code: number | null } | undefined;
  let peak = 0;
  const startedAt = Date.now();
  const samples: Array<[number, number]> = [];
  const poll = setInterval(() => {
    peak = Math.max(peak, vmHwmMb(pid) ?? 0);
    const rss = vmRssMb(pid);
    if (rss !== undefined) samples.push([Date.now() - startedAt, rss]);
  }, 100);
  poll.unref();

  const deliver = () => {
    for (let i = 0; i < waiters.length; i++) {
      const w = waiters[i];
      const idx = inbox.findIndex((m) => m.type === w.type || m.type === 'error');
      if (idx >= 0) {
        const [m] = inbox.splice(idx, 1);
        waiters.splice(i--, 1);
        if (m.type === 'error') w.reject(new Error(`${script}: ${String(m.message)}`));
        else w.resolve(m);
      }
    }
  };
  child.on('message', (m: ChildMessage) => {
    // The last thing before a reply: catch the final high-water mark while the process is alive.
    peak = Math.max(peak, vmHwmMb(pid) ?? 0);
    inbox.push(m);
    deliver();
  });
  const exitPromise = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      exited = { code };
      clearInterval(poll);
      for (const w of waiters.splice(0)) w.reject(new Error(`${script} exited (code ${code}) before sending "${w.type}"`));
      resolve(code);
    });
  });

  return {
    process: child,
    pid,
    next(type, timeoutMs = 600_000) {
      return new Promise<ChildMessage>((resolve, reject) => {
        if (exited) return reject(new Error(`${script} has exited (code ${exited.code})`));
        const timer = setTimeout(() => reject(new Error(`${script}: no "${type}" within ${timeoutMs / 1000} s`)), timeoutMs);
        waiters.push({
          type,
          resolve: (m) => (clearTimeout(timer), resolve(m)),
          reject: (e) => (clearTimeout(timer), reject(e)),
        });
        deliver();
      });
    },
    send(msg) {
      child.send(msg);
    },
    peakHwmMb: () => peak,
    rssSamples: () => samples,
    async exit(timeoutMs = 30_000) {
      if (exited) return exited.code;
      const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
      const code = await exitPromise;
      clearTimeout(timer);
      return code;
    },
    kill() {
      if (!exited) child.kill('SIGKILL');
    },
  };
}

/** Inside a child: reply to the parent; resolves once the message is handed to the IPC channel. */
export function reply(msg: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(msg, undefined, {}, () => resolve());
  });
}

/** Inside a child: the process's own peak RSS in MB (Linux reports maxRSS in kB). */
export function ownMaxRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/**
 * Inside a child: run `main`, report an uncaught error to the parent, then exit — explicitly, since
 * a library's worker thread or timer must not keep a finished measurement alive.
 */
export function childMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    async (err: unknown) => {
      await reply({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      process.exit(1);
    },
  );
}
