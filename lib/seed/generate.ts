/**
 * `seedDatabase`: a deterministic synthetic servicing book, generated inside Postgres.
 *
 * One transaction per tenant: a tenant's data appears whole or not at all, memory stays bounded by
 * one tenant's temp tables, and progress can be reported between tenants.
 */
import type { Pool } from 'pg';
import { BadInputError } from '../errors';
import { CREATE_CONTEXT, TENANT_STEPS } from './generate-sql';
import { startOfUtcDay, withSeedTransaction } from './session';
import { AREA_CODES, CITIES, EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES, TENANT_NAMES } from './vocabulary';

export interface SeedOptions {
  tenants: number;
  loans: number;
  /** Days of history before asOf. */
  days: number;
  seed: number;
  /** Defaults to today 00:00 UTC. Every generated timestamp is before it. */
  asOf?: Date;
  /** Called after each tenant is committed. */
  log?: (line: string) => void;
  /** Called after each SQL step, with its row count and time (for the benchmark). */
  trace?: (line: string) => void;
}

export interface SeedSummary {
  seed: number;
  asOf: string;
  days: number;
  tenants: { id: string; name: string }[];
  /** Rows inserted per source table, over all tenants. */
  rows: Record<string, number>;
  elapsedMs: number;
}

export const SEED_LIMITS = { tenants: 100, loans: 1_000_000, days: 3650 } as const;

export function validateSeedOptions(opts: SeedOptions): void {
  const problems: string[] = [];
  const whole = (name: string, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) problems.push(`${name} must be a whole number from ${min} to ${max} (got ${v})`);
  };
  whole('tenants', opts.tenants, 1, SEED_LIMITS.tenants);
  whole('loans', opts.loans, 1, SEED_LIMITS.loans);
  whole('days', opts.days, 1, SEED_LIMITS.days);
  whole('seed', opts.seed, 0, Number.MAX_SAFE_INTEGER);
  if (opts.asOf !== undefined && Number.isNaN(opts.asOf.getTime())) problems.push('asOf is not a valid date');
  if (problems.length > 0) throw new BadInputError(`invalid seed options: ${problems.join('; ')}`);
}

function tenantName(n: number): string {
  const base = TENANT_NAMES[(n - 1) % TENANT_NAMES.length];
  return n > TENANT_NAMES.length ? `${base} ${Math.ceil(n / TENANT_NAMES.length)}` : base;
}

export async function seedDatabase(pool: Pool, opts: SeedOptions): Promise<SeedSummary> {
  validateSeedOptions(opts);
  const started = Date.now();
  const asOf = opts.asOf ?? startOfUtcDay(new Date());
  const rows: Record<string, number> = {};
  const tenants: { id: string; name: string }[] = [];
  const count = (table: string, n: number | null) => {
    rows[table] = (rows[table] ?? 0) + (n ?? 0);
  };

  for (let t = 1; t <= opts.tenants; t++) {
    const name = tenantName(t);
    const tenantStarted = Date.now();
    const id = await withSeedTransaction(pool, async (c) => {
      await c.query(CREATE_CONTEXT, [
        opts.seed, t, asOf.toISOString(), opts.days, opts.loans,
        FIRST_NAMES, LAST_NAMES, CITIES, AREA_CODES, EMAIL_DOMAINS, name,
      ]);
      for (const step of TENANT_STEPS) {
        const stepStarted = Date.now();
        const r = await c.query(step.sql);
        if (step.table) count(step.table, r.rowCount);
        opts.trace?.(`tenant ${t} ${step.name}: ${r.rowCount ?? 0} rows in ${Date.now() - stepStarted} ms`);
      }
      const r = await c.query<{ tenant_id: string }>('SELECT tenant_id::text FROM seed_ctx');
      return r.rows[0].tenant_id;
    });
    tenants.push({ id, name });
    opts.log?.(`tenant ${t}/${opts.tenants} ${name} (${id}) seeded in ${((Date.now() - tenantStarted) / 1000).toFixed(1)} s`);
  }

  return { seed: opts.seed, asOf: asOf.toISOString(), days: opts.days, tenants, rows, elapsedMs: Date.now() - started };
}
