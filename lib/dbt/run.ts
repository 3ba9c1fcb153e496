/**
 * Runs the dbt project in analytics/ with the pinned dbt from a project-local venv.
 *
 * dbt-core and dbt-postgres come from PyPI, pinned in analytics/requirements.txt, installed into
 * `.tools/dbt-venv` (git-ignored) on first use and again only when that file changes. `DBT_CLI`
 * points at an existing dbt executable instead (it must have the postgres adapter).
 *
 * The project and profiles directories are passed as DBT_PROJECT_DIR / DBT_PROFILES_DIR rather than
 * as `--project-dir` / `--profiles-dir` flags: dbt accepts those flags only after some subcommands
 * (`dbt --version`, `dbt docs serve` differ), while the variables work for every one, and a flag the
 * caller passes still wins over them.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Config } from '../config';
import { dbtConnectionEnv } from './env';
import { ensureVenv } from './venv';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
export const DBT_PROJECT_DIR = path.join(PROJECT_ROOT, 'analytics');
export const DBT_REQUIREMENTS = path.join(DBT_PROJECT_DIR, 'requirements.txt');
const TOOLS_DIR = process.env.LAKEHOUSE_TOOLS_DIR ?? path.join(PROJECT_ROOT, '.tools');
export const DBT_VENV = path.join(TOOLS_DIR, 'dbt-venv');

/** The dbt executable, installing the pinned venv first if needed. Idempotent and quick when current. */
export async function ensureDbt(log: (line: string) => void = () => undefined): Promise<string> {
  if (process.env.DBT_CLI) return process.env.DBT_CLI;
  const dir = await ensureVenv({ dir: DBT_VENV, requirements: DBT_REQUIREMENTS, label: 'dbt', minPython: [3, 10], log });
  return path.join(dir, 'bin', 'dbt');
}

export interface DbtRunOptions {
  config: Pick<Config, 'dbUrl' | 'dbtTarget'>;
  /**
   * Where dbt writes its artifacts (manifest, run_results, catalog) and logs; default
   * analytics/target and analytics/logs. Concurrent runs against different databases (parallel
   * test files) need their own, or they overwrite each other's manifest mid-run.
   */
  targetPath?: string;
  logPath?: string;
  /** `inherit` streams dbt's output to this process's (the CLI); `capture` returns it (tests). */
  stdio?: 'inherit' | 'capture';
  /** Extra variables, e.g. DBT_SCHEMA; applied last. */
  env?: Record<string, string>;
  log?: (line: string) => void;
}

export interface DbtRunResult {
  /** dbt's exit code: 0 success, 1 a model or test failed, 2 dbt could not run (bad flags, profile, connection). */
  code: number;
  stdout: string;
  stderr: string;
}

export function dbtProcessEnv(opts: Pick<DbtRunOptions, 'config' | 'targetPath' | 'logPath' | 'env'>, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...base,
    // The configuration is the source of truth: a stray DBT_PG_HOST in the shell must not point dbt
    // at a different database than the loaders.
    ...dbtConnectionEnv(opts.config),
    DBT_PROJECT_DIR,
    DBT_PROFILES_DIR: DBT_PROJECT_DIR,
    // No phoning home: the machines this runs on may reach package registries only.
    DBT_SEND_ANONYMOUS_USAGE_STATS: 'false',
    ...(opts.targetPath ? { DBT_TARGET_PATH: opts.targetPath } : {}),
    ...(opts.logPath ? { DBT_LOG_PATH: opts.logPath } : {}),
    ...opts.env,
  };
}

/** Runs `dbt <args>` and resolves with its exit code (never rejects for a failing model or test). */
export async function runDbt(args: string[], opts: DbtRunOptions): Promise<DbtRunResult> {
  const env = dbtProcessEnv(opts);
  const dbt = await ensureDbt(opts.log);
  const capture = opts.stdio === 'capture';
  return new Promise((resolve, reject) => {
    const child = spawn(dbt, args, { cwd: PROJECT_ROOT, env, stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    // Ctrl-C reaches dbt through the terminal's process group; a SIGTERM sent to us alone is passed on
    // so dbt cancels its open queries instead of leaving them running.
    const forward = () => child.kill('SIGTERM');
    if (!capture) process.once('SIGTERM', forward);
    child.once('error', (err) => {
      process.removeListener('SIGTERM', forward);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      process.removeListener('SIGTERM', forward);
      resolve({ code: code ?? (signal === 'SIGINT' ? 130 : 1), stdout, stderr });
    });
  });
}
