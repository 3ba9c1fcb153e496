/**
 * Runs the real `lakehouse` binary (bin/lakehouse.js, as an operator would) as a subprocess against
 * the test stack, with an environment built from scratch: nothing from the developer's shell (a
 * DB_URL or TEMPORAL_ADDRESS of their own) can leak into a test.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { inject } from 'vitest';

export const BIN = path.resolve(__dirname, '..', '..', '..', 'bin', 'lakehouse.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment a deployment would set, pointed at this file's database and task queue. */
export function cliEnv(dbUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DB_URL: dbUrl,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_UI_URL: inject('temporalUiUrl'),
    TEMPORAL_NAMESPACE: 'default',
    LAKEHOUSE_TASK_QUEUE: `cli-${randomBytes(4).toString('hex')}`,
    METRICS_PORT: '0',
    ETL_SAFETY_LAG_SECONDS: '0',
    ...extra,
  };
}

export function lakehouse(args: string[], env: Record<string, string>, opts: { timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', TMPDIR: process.env.TMPDIR ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`lakehouse ${args.join(' ')} did not finish within ${opts.timeoutMs ?? 120_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Parses stdout as the one JSON document --json promises (fails the test with the output if not). */
export function json<T = Record<string, unknown>>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${r.code})\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
}

export function describeResult(r: CliResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}
