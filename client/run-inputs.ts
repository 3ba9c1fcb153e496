/**
 * Everything the run-starting commands check before they touch Temporal (ARCHITECTURE §3 rule 10:
 * bad input gets one line naming the problem and changes nothing): option parsing, tenant IDs
 * resolved against `public.tenants`, streams, and the workflow IDs a request maps to.
 */
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { redactUrl, type Config } from '../lib/config';
import { ALL_STREAMS } from '../lib/constants';
import { createPool, UUID_RE } from '../lib/db';
import { BadInputError } from '../lib/errors';

export interface TenantRef {
  id: string;
  name: string;
  active: boolean;
}

/** Commander collector for a repeatable option; also splits "a,b" so both spellings work. */
export function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim())];
}

/** Tenant IDs as given: each must look like a UUID (checked before any database round trip). */
export function parseTenantIds(raw: string[] | undefined): string[] {
  const ids = raw ?? [];
  const empty = ids.some((id) => id === '');
  if (empty) throw new BadInputError('--tenant needs a tenant ID (uuid), got an empty value');
  const bad = ids.filter((id) => !UUID_RE.test(id));
  if (bad.length > 0) throw new BadInputError(`--tenant must be a tenant ID (uuid): not a uuid: ${bad.join(', ')}`);
  return [...new Set(ids.map((id) => id.toLowerCase()))];
}

/** `--streams a,b`: names are checked by planBackfill; here only the shape of the list. */
export function parseStreams(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const streams = raw.split(',').map((s) => s.trim());
  if (streams.length === 0 || streams.some((s) => s === '')) {
    throw new BadInputError(`--streams must be a comma-separated list of streams, e.g. fact_txn,fact_qc (got "${raw}"; streams: ${ALL_STREAMS.join(', ')})`);
  }
  return [...new Set(streams)];
}

/**
 * Opens a pool for one command and turns "cannot connect" into one line naming the address and
 * what to check, instead of a stack trace. The pool is always closed: an open pool would keep the
 * process alive after the command finished.
 */
export async function withDatabase<T>(config: Config, fn: (pool: Pool) => Promise<T>): Promise<T> {
  const pool = createPool(config.dbUrl, { max: 2, connectionTimeoutMillis: 5_000 });
  try {
    return await fn(pool);
  } catch (err) {
    throw databaseError(config, err);
  } finally {
    await pool.end().catch(() => undefined);
  }
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN']);

function databaseError(config: Config, err: unknown): unknown {
  if (err instanceof BadInputError) return err;
  const e = err as { code?: string; message?: string; errors?: Array<{ code?: string }> };
  const code = e?.code ?? e?.errors?.[0]?.code;
  const where = redactUrl(config.dbUrl);
  if (code && CONNECT_CODES.has(code)) {
    return new BadInputError(`cannot reach the database at ${where} (${code}); check DB_URL and that Postgres is running (lakehouse dev starts one)`);
  }
  if (/timeout exceeded when trying to connect|Connection terminated/i.test(e?.message ?? '')) {
    return new BadInputError(`cannot reach the database at ${where} (connection timed out); check DB_URL and that Postgres is running`);
  }
  // Authentication, missing database, and a schema that was never migrated are set-up problems, not bugs.
  if (code === '28P01' || code === '28000' || code === '3D000') {
    return new BadInputError(`cannot use the database at ${where}: ${e.message}; check DB_URL`);
  }
  if (code === '42P01' || code === '3F000') {
    return new BadInputError(`the database at ${where} is missing lakehouse tables (${e.message}); run \`lakehouse migrate\``);
  }
  return err;
}

/**
 * Resolves explicit tenant IDs against public.tenants; an unknown ID is bad input (nothing starts).
 * With no IDs, the active tenants — what a run without --tenant covers.
 */
export async function resolveTenants(pool: Pool, ids: string[]): Promise<TenantRef[]> {
  if (ids.length === 0) {
    const { rows } = await pool.query<TenantRef>('SELECT id::text AS id, name, active FROM public.tenants WHERE active ORDER BY name, id');
    return rows;
  }
  const { rows } = await pool.query<TenantRef>('SELECT id::text AS id, name, active FROM public.tenants WHERE id = ANY($1::uuid[]) ORDER BY name, id', [ids]);
  const found = new Set(rows.map((r) => r.id));
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length > 0) throw new BadInputError(`unknown tenant: ${missing.join(', ')} (not in public.tenants; \`lakehouse watermarks\` lists tenants)`);
  return rows;
}

/** `2026-11-27T10:15:03Z`: second precision, as in Temporal's scheduled IDs (etl-hourly-2026-11-27T10:15:00Z). */
export function utcStamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A manual run's ID reads like a scheduled one, with `manual` so the two never collide. */
export function manualRunId(kind: 'hourly' | 'nightly', now: Date): string {
  return `etl-${kind}-manual-${utcStamp(now)}`;
}

/**
 * The same backfill request always maps to the same ID, so starting it twice attaches to the running
 * one instead of loading the range twice in parallel. The hash covers what changes the work done
 * (tenants, streams, export), not how it is sliced (window size).
 */
export function backfillWorkflowId(req: { from: string; to: string; tenants: string[]; streams: readonly string[]; export: boolean }): string {
  const tenants = req.tenants.length > 0 ? [...req.tenants].map((t) => t.toLowerCase()).sort().join(',') : '*';
  const streams = [...req.streams].sort().join(',');
  const hash = createHash('sha256').update(`tenants=${tenants}|streams=${streams}|export=${req.export}`).digest('hex').slice(0, 8);
  return `backfill-${req.from}-${req.to}-${hash}`;
}
