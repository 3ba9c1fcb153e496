/**
 * Whole-set comparisons of the reporting facts (EXCEPT both ways, as PeerDB's e2e tests do), and
 * snapshots of every fact table for "identical before and after" checks.
 */
import type { Pool } from 'pg';
import { FACT_STREAMS } from '../../lib/constants';

const FACT_TABLES = [...FACT_STREAMS, 'fact_servicing'] as const;

/** Every fact row, all columns (sk and loaded_at included): unchanged means nothing was written. */
export async function snapshotFacts(pool: Pool): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of FACT_TABLES) {
    // Table names come from the constant list above.
    const { rows } = await pool.query<{ r: string }>(`SELECT to_jsonb(t)::text AS r FROM reporting.${table} t ORDER BY 1`);
    out[table] = rows.map((x) => x.r);
  }
  return out;
}

/** Fact rows without load bookkeeping (sk, loaded_at): comparable between two databases or runs. */
export async function factContent(pool: Pool): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of FACT_TABLES) {
    const { rows } = await pool.query<{ r: string }>(
      `SELECT (to_jsonb(t) - ARRAY['txn_sk','qc_sk','export_sk','notify_sk','remit_sk','svc_sk','loaded_at'])::text AS r FROM reporting.${table} t ORDER BY 1`,
    );
    out[table] = rows.map((x) => x.r);
  }
  return out;
}

/** Rows of fact_txn missing from the source, and source rows missing from fact_txn: both must be 0. */
export async function txnDifference(pool: Pool): Promise<{ missing: number; extra: number; duplicates: number }> {
  const { rows } = await pool.query<{ missing: number; extra: number; duplicates: number }>(`
    SELECT
      (SELECT count(*)::int FROM (SELECT tenant_id, id, amount FROM svc_txns EXCEPT SELECT tenant_id, txn_id, amount FROM reporting.fact_txn) m) AS missing,
      (SELECT count(*)::int FROM (SELECT tenant_id, txn_id, amount FROM reporting.fact_txn EXCEPT SELECT tenant_id, id, amount FROM svc_txns) e) AS extra,
      (SELECT count(*)::int - count(DISTINCT (tenant_id, txn_id))::int FROM reporting.fact_txn) AS duplicates`);
  return rows[0];
}
