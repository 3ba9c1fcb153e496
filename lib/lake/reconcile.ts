/**
 * Reconciliation (ARCHITECTURE §3 rule 8): per table and tenant, the lake read back with DuckDB —
 * row count, every money column's sum, distinct surrogate keys, the largest key — equals
 * `reporting.*` up to the lake checkpoint. The result is stored in `reporting.lake_reconciliation`
 * whatever it is; a mismatch then fails loudly (non-retryable: retrying will not change the data).
 */
import type { Pool } from 'pg';
import { ERROR_TYPES } from '../constants';
import type { LakeReconcileResult, LakeTable } from '../etl-types';
import { localCopies, withDuckDb } from './duckdb';
import { sqlString } from './ddl';
import { LakeError } from './errors';
import { lakeLockKey, validateLakeInput } from './export';
import { tenantPrefix } from './layout';
import type { LakeStore } from './store';

export interface LakeReconcileDeps {
  pool: Pool;
  store: LakeStore;
  prefix: string;
}

export interface LakeReconcileDetail extends LakeReconcileResult {
  checkpoint: string;
  /** Every money column: Postgres vs lake sum. */
  sums: Record<string, { pg: string; lake: string }>;
  problems: string[];
}

/** Exact decimal text → scaled integer (cents for scale 2), so "5.1" and "5.10" compare equal. */
export function decimalToScaled(text: string | null, scale = 2): bigint {
  if (text === null || text === '') return 0n;
  const m = /^(-)?(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m) throw new Error(`not a decimal: ${text}`);
  const frac = (m[3] ?? '').padEnd(scale, '0');
  if (frac.length > scale && /[1-9]/.test(frac.slice(scale))) throw new Error(`more than ${scale} decimal places: ${text}`);
  const v = BigInt((m[2] || '0') + frac.slice(0, scale));
  return m[1] ? -v : v;
}

export function formatScaled(v: bigint, scale = 2): string {
  const neg = v < 0n;
  const s = (neg ? -v : v).toString().padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${s.slice(0, -scale)}.${s.slice(-scale)}`;
}

export async function reconcileTableInStore(
  deps: LakeReconcileDeps,
  input: { tenantId: string; table: LakeTable; workflowId?: string },
  options: { signal?: AbortSignal } = {},
): Promise<LakeReconcileDetail> {
  const { tenantId, spec } = validateLakeInput(input);
  const client = await deps.pool.connect();
  // A pooled client's socket error between queries must not crash the worker; removed again on release.
  const ignore = () => undefined;
  client.on('error', ignore);
  let discard: Error | undefined;
  try {
    // The same lock as the export: the checkpoint and the lake are read as one consistent state.
    await client.query('SELECT pg_advisory_lock($1::bigint)', [lakeLockKey(tenantId, spec.table)]);
    const t = await client.query('SELECT 1 FROM public.tenants WHERE id = $1', [tenantId]);
    if (t.rowCount === 0) throw new LakeError(ERROR_TYPES.unknownTenant, `unknown tenant: ${tenantId}`);
    const cp = await client.query<{ last_sk: string }>('SELECT last_sk::text FROM reporting.lake_checkpoint WHERE tenant_id = $1 AND table_name = $2', [tenantId, spec.table]);
    const checkpoint = cp.rows[0]?.last_sk ?? '0';

    const sk = spec.skColumn;
    const sums = spec.moneyColumns.map((c, i) => `sum(${c})::text AS m${i}`);
    const pg = (
      await client.query<Record<string, string | null>>(
        `SELECT count(*)::text AS n${sums.map((s) => `, ${s}`).join('')} FROM reporting.${spec.table} WHERE tenant_id = $1 AND ${sk} <= $2::bigint`,
        [tenantId, checkpoint],
      )
    ).rows[0];

    const keys = (await deps.store.list(tenantPrefix(deps.prefix, spec.table, tenantId))).map((o) => o.key).filter((k) => k.endsWith('.parquet'));
    const lake: Record<string, string | null> = { n: '0', distinct_sk: '0', max_sk: null };
    if (keys.length > 0) {
      const copies = await localCopies(deps.store, keys, options.signal);
      try {
        await withDuckDb(async (conn) => {
          const files = `[${copies.files.map(sqlString).join(', ')}]`;
          const r = await conn.runAndReadAll(
            `SELECT count(*)::VARCHAR AS n, count(DISTINCT ${sk})::VARCHAR AS distinct_sk, max(${sk})::VARCHAR AS max_sk${sums.map((s) => `, ${s.replace('::text', '::VARCHAR')}`).join('')}
               FROM read_parquet(${files})`,
          );
          Object.assign(lake, r.getRowObjectsJS()[0]);
        });
      } finally {
        await copies.dispose();
      }
    }

    const problems: string[] = [];
    const pgRows = Number(pg.n);
    const lakeRows = Number(lake.n);
    if (pgRows !== lakeRows) problems.push(`rows: Postgres ${pgRows}, lake ${lakeRows}`);
    if (Number(lake.distinct_sk) !== lakeRows) problems.push(`duplicate rows in the lake: ${lakeRows - Number(lake.distinct_sk)}`);
    if (lake.max_sk !== null && BigInt(lake.max_sk) > BigInt(checkpoint)) problems.push(`lake holds rows beyond the checkpoint (${lake.max_sk} > ${checkpoint})`);
    const sumDetail: Record<string, { pg: string; lake: string }> = {};
    spec.moneyColumns.forEach((c, i) => {
      const p = formatScaled(decimalToScaled(pg[`m${i}`] ?? null));
      const l = formatScaled(decimalToScaled((lake[`m${i}`] as string | null) ?? null));
      sumDetail[c] = { pg: p, lake: l };
      if (p !== l) problems.push(`sum(${c}): Postgres ${p}, lake ${l}`);
    });
    const primary = spec.moneyColumns[0];
    const result: LakeReconcileDetail = {
      tenantId,
      table: spec.table,
      ok: problems.length === 0,
      pgRows,
      lakeRows,
      pgAmount: primary ? sumDetail[primary].pg : null,
      lakeAmount: primary ? sumDetail[primary].lake : null,
      checkpoint,
      sums: sumDetail,
      problems,
    };

    await client.query(
      `INSERT INTO reporting.lake_reconciliation (workflow_id, table_name, tenant_id, pg_rows, lake_rows, pg_amount, lake_amount, ok)
       VALUES ($1, $2, $3, $4, $5, $6::numeric, $7::numeric, $8)`,
      [input.workflowId ?? null, spec.table, tenantId, pgRows, lakeRows, result.pgAmount, result.lakeAmount, result.ok],
    );
    await client.query('SELECT pg_advisory_unlock($1::bigint)', [lakeLockKey(tenantId, spec.table)]);
    return result;
  } catch (err) {
    discard = err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    client.off('error', ignore);
    client.release(discard ?? false);
  }
}

/** Throws the non-retryable failure the workflow reports when the lake does not match Postgres. */
export function assertReconciled(r: LakeReconcileDetail): void {
  if (!r.ok) {
    throw new LakeError(ERROR_TYPES.reconciliationFailed, `lake ${r.table} for tenant ${r.tenantId} does not match Postgres up to sk ${r.checkpoint}: ${r.problems.join('; ')}`);
  }
}
