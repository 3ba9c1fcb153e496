/**
 * `appendActivity`: new payments and status changes stamped in the hour before `at`, so an
 * hourly run after it has real deltas to load (and status facts get their second rows).
 */
import type { Pool } from 'pg';
import { BadInputError } from '../errors';
import { UUID_RE } from '../db';
import { APPEND_STEPS, CREATE_APPEND_CONTEXT } from './append-sql';
import { withSeedTransaction } from './session';

export interface AppendOptions {
  seed: number;
  /** The moment the activity leads up to: every new stamp is in (at - 1 hour, at). */
  at: Date;
  /** Tenant ids; all active tenants when omitted or empty. */
  tenants?: string[];
}

export interface AppendSummary {
  at: string;
  payments: number;
  notificationsMoved: number;
  notificationsQueued: number;
  exportsMoved: number;
  exportsQueued: number;
  defectsClosed: number;
  defectsOpened: number;
}

export async function appendActivity(pool: Pool, opts: AppendOptions): Promise<AppendSummary> {
  if (!Number.isInteger(opts.seed) || opts.seed < 0) throw new BadInputError(`seed must be a whole number >= 0 (got ${opts.seed})`);
  if (!(opts.at instanceof Date) || Number.isNaN(opts.at.getTime())) throw new BadInputError('at must be a valid date');
  const tenants = opts.tenants ?? [];
  const bad = tenants.filter((t) => !UUID_RE.test(t));
  if (bad.length > 0) throw new BadInputError(`not a tenant id: ${bad.join(', ')}`);

  const summary: AppendSummary = {
    at: opts.at.toISOString(),
    payments: 0,
    notificationsMoved: 0,
    notificationsQueued: 0,
    exportsMoved: 0,
    exportsQueued: 0,
    defectsClosed: 0,
    defectsOpened: 0,
  };
  await withSeedTransaction(pool, async (c) => {
    await c.query(CREATE_APPEND_CONTEXT, [opts.seed, opts.at.toISOString(), tenants]);
    for (const step of APPEND_STEPS) {
      const r = await c.query(step.sql);
      if (step.counts) summary[step.counts as keyof Omit<AppendSummary, 'at'>] += r.rowCount ?? 0;
    }
  });
  return summary;
}
