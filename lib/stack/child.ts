/**
 * A long-running helper process (Postgres, Temporal dev server, S3 server) with its output in a log
 * file, stopped with its shutdown signal and, if it lingers, SIGKILL — so `demo` and the test run leave nothing behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number | undefined;
  readonly logFile: string;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** Run as this user (Postgres refuses to run as root). */
  uid?: number;
  gid?: number;
  /** The signal that asks the program to shut down cleanly (Postgres: SIGINT, a fast shutdown). */
  stopSignal?: NodeJS.Signals;
}

export function startProcess(name: string, command: string, args: string[], logFile: string, opts: StartOptions = {}): ManagedProcess {
  mkdirSync(path.dirname(logFile), { recursive: true });
  const out = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env, uid: opts.uid, gid: opts.gid });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  live.add(child);
  child.once('exit', () => live.delete(child));
  return {
    name,
    pid: child.pid,
    logFile,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill(opts.stopSignal ?? 'SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      live.delete(child);
    },
  };
}
