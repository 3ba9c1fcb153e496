/**
 * What every CLI command shares: configuration (validated once), exit codes, and the rule that
 * bad input gets one line naming the problem and exit 2 (ARCHITECTURE §7).
 */
import { ConfigError, loadConfig, type Config } from '../lib/config';
import { BadInputError } from '../lib/errors';
import { TemporalUnreachableError } from '../lib/temporal/connection';

export const EXIT = { ok: 0, runFailed: 1, badInput: 2 } as const;

export function cliConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return loadConfig(env);
}

/** Prints one line for an expected failure and sets the exit code; unexpected errors keep their stack. */
export function reportError(err: unknown): number {
  if (err instanceof ConfigError || err instanceof BadInputError || err instanceof TemporalUnreachableError) {
    process.stderr.write(`lakehouse: ${err.message}\n`);
    return EXIT.badInput;
  }
  const e = err as { code?: string; message?: string; address?: string; port?: number };
  if (e && (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || e.code === 'EHOSTUNREACH')) {
    process.stderr.write(`lakehouse: cannot reach the database (${e.code}${e.address ? ` ${e.address}:${e.port}` : ''}); check DB_URL and that Postgres is running (lakehouse dev starts one)\n`);
    return EXIT.badInput;
  }
  process.stderr.write(`lakehouse: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return EXIT.runFailed;
}

/** Wraps a command action: its resolved number is the exit code. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    let code: number;
    try {
      code = (await fn(...args)) ?? EXIT.ok;
    } catch (err) {
      code = reportError(err);
    }
    process.exitCode = code;
  };
}

export function parsePositiveInt(name: string, max = 1_000_000) {
  return (raw: string): number => {
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) throw new BadInputError(`${name} must be a whole number from 1 to ${max} (got "${raw}")`);
    return Number(raw);
  };
}
