/**
 * dim_date coverage for the facts' FK (reporting.dim_date(d)).
 *
 * The extension runs in its own short transaction, before the load's transaction, never inside it:
 * a load that inserted a new date into dim_date would hold that key's lock until its own COMMIT,
 * and every other tenant's load needing the same new date (the first run after midnight) would
 * queue behind it — or deadlock, two loads each holding one new date the other needs. Calendar rows
 * are harmless to add early and are never removed, so committing them separately is safe.
 */
import type { Pool, PoolClient } from 'pg';

/** Thrown inside the load's transaction (rolling it back) when its dates are not all in dim_date yet. */
export class MissingDates extends Error {
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    super(`dim_date does not cover ${from} .. ${to}`);
    this.name = 'MissingDates';
  }
}

export async function datesCovered(client: PoolClient, from: string, to: string): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>(
    `SELECT count(*) = ($2::date - $1::date + 1) AS ok FROM reporting.dim_date WHERE d BETWEEN $1::date AND $2::date`,
    [from, to],
  );
  return rows[0].ok;
}

/** Autocommit: extends dim_date and commits at once. */
export async function ensureDimDates(pool: Pool, from: string, to: string): Promise<void> {
  await pool.query('SELECT reporting.ensure_dim_date($1::date, $2::date)', [from, to]);
}

/**
 * A fact insert failed its dim_date FK: a row with a date outside the checked range committed into
 * the window between the load's count and its insert (READ COMMITTED reads a new snapshot per
 * statement). The load extends dim_date and runs again.
 */
export function isDimDateFkViolation(err: unknown): boolean {
  const e = err as { code?: unknown; detail?: unknown; constraint?: unknown } | null;
  return e?.code === '23503' && typeof e.detail === 'string' && e.detail.includes('"dim_date"');
}
