/**
 * `datasetChecksum`: one hash over every source row, for the determinism test.
 *
 * Per table, the row count and the sum of a 60-bit hash of each row's text: order-independent, so
 * it needs no sort, and bounded in memory (an md5 of one ordered string_agg would exceed
 * Postgres's 1 GB value limit at benchmark scale). Row text is rendered with UTC and ISO dates so
 * the session's settings cannot change it.
 */
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { withTransaction } from '../db';

export const SOURCE_TABLES = [
  'tenants', 'loan_candidates', 'loan_datapoints', 'inv_investors', 'svc_txns', 'qc_rules', 'qc_defects',
  'exports', 'notifications', 'svc_schedule', 'svc_escrow_sub', 'inv_remit_runs', 'inv_remit_items',
] as const;

// Fixed statements per table (identifiers from the constant list above, never from input).
const TABLE_HASH_SQL = SOURCE_TABLES.map(
  (t) => [t, `SELECT count(*)::text AS n, COALESCE(sum(('x' || left(md5(t::text), 15))::bit(60)::bigint::numeric), 0)::text AS h FROM public.${t} t`] as const,
);

export async function datasetChecksum(pool: Pool): Promise<string> {
  const lines = await withTransaction(pool, async (c) => {
    await c.query(`SET LOCAL TimeZone = 'UTC'`);
    await c.query(`SET LOCAL DateStyle = 'ISO, MDY'`);
    await c.query(`SET LOCAL IntervalStyle = 'postgres'`);
    const out: string[] = [];
    for (const [table, sql] of TABLE_HASH_SQL) {
      const r = await c.query<{ n: string; h: string }>(sql);
      out.push(`${table}:${r.rows[0].n}:${r.rows[0].h}`);
    }
    return out;
  });
  return createHash('md5').update(lines.join('\n')).digest('hex');
}
