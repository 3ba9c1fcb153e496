/**
 * A project-local Python virtual environment installed from a pinned requirements file, on first
 * use and again only when that file changes: the same stamp-file pattern lib/stack/tools.ts uses
 * for the Temporal CLI, as one generic function (dbt is its first user; tools.ts could adopt it).
 *
 * Safe to call from several processes at once (parallel test files, a CLI run beside a test run):
 * the install runs under a lock directory, and whoever waited re-checks the stamp instead of
 * installing a second time into a half-built venv. A failed install writes no stamp, so the next
 * call retries it.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface VenvSpec {
  /** Where the venv lives, e.g. `.tools/dbt-venv`. */
  dir: string;
  /** A pip requirements file with exact pins; its hash is the stamp. */
  requirements: string;
  /** Names the tool in progress lines and errors. */
  label: string;
  /** Oldest Python that the pinned packages support, as [major, minor]. */
  minPython?: [number, number];
  log?: (line: string) => void;
  /** How long to wait for another process's install before giving up. */
  lockTimeoutMs?: number;
}

const STAMP_NAME = '.requirements.sha256';

export function requirementsHash(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** True when `dir` holds a venv installed from exactly this requirements file. */
export function venvIsCurrent(dir: string, requirements: string): boolean {
  const stamp = path.join(dir, STAMP_NAME);
  return existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === requirementsHash(requirements);
}

async function findPython(label: string, min: [number, number]): Promise<string> {
  const tried: string[] = [];
  for (const candidate of [process.env.PYTHON, 'python3', 'python']) {
    if (!candidate) continue;
    try {
      const { stdout } = await execFileAsync(candidate, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']);
      const [major, minor] = stdout.trim().split('.').map(Number);
      if (major > min[0] || (major === min[0] && minor >= min[1])) return candidate;
      tried.push(`${candidate} is ${stdout.trim()}`);
    } catch {
      tried.push(`${candidate} not found`);
    }
  }
  throw new Error(`${label} needs Python ${min.join('.')}+ to install from PyPI (${tried.join(', ')}); install it or set PYTHON`);
}

function run(command: string, args: string[], label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // Output is kept, not streamed: pip -q says little, and on failure its last lines are the error.
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`${label}: ${path.basename(command)} ${args.slice(0, 2).join(' ')} failed (${signal ?? `exit ${code}`})\n${output.trim()}`)),
    );
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates the lock directory; false if it exists already. mkdir is atomic, so one process wins. */
function tryCreate(lockDir: string): boolean {
  try {
    mkdirSync(lockDir);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Runs `fn` holding the lock directory; a lock whose holder died is taken over. */
async function withLock<T>(lockDir: string, timeoutMs: number, label: string, fn: () => Promise<T>): Promise<T> {
  const owner = path.join(lockDir, 'pid');
  const deadline = Date.now() + timeoutMs;
  while (!tryCreate(lockDir)) {
    let holder = NaN;
    try {
      holder = Number(readFileSync(owner, 'utf8'));
    } catch {
      /* the holder has not written its pid yet */
    }
    if (Number.isInteger(holder) && holder > 0 && !pidAlive(holder)) {
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${label}: timed out waiting for another install (lock ${lockDir}); remove it if no install is running`);
    await new Promise((r) => setTimeout(r, 500));
  }
  writeFileSync(owner, String(process.pid));
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/** Installs (or refreshes, when the requirements changed) the venv and returns its directory. Quick when current. */
export async function ensureVenv(spec: VenvSpec): Promise<string> {
  const { dir, requirements, label } = spec;
  const log = spec.log ?? (() => undefined);
  if (venvIsCurrent(dir, requirements)) return dir;
  mkdirSync(path.dirname(dir), { recursive: true });
  return withLock(`${dir}.lock`, spec.lockTimeoutMs ?? 15 * 60_000, label, async () => {
    if (venvIsCurrent(dir, requirements)) return dir; // another process finished it while we waited
    const wanted = requirementsHash(requirements);
    const pip = path.join(dir, 'bin', 'pip');
    log(`installing ${label} from ${path.basename(path.dirname(requirements))}/${path.basename(requirements)} into ${dir} (first run only, a minute or two)…`);
    if (!existsSync(pip)) await run(await findPython(label, spec.minPython ?? [3, 9]), ['-m', 'venv', dir], label);
    await run(pip, ['install', '--disable-pip-version-check', '-q', '-r', requirements], label);
    writeFileSync(path.join(dir, STAMP_NAME), wanted);
    log(`${label} installed`);
    return dir;
  });
}
