/**
 * Case 2 — an hourly incremental load's cost against the size of the history behind it.
 *
 * The same procedure on two databases whose fact_txn is fully loaded: the main data set (millions of
 * rows) and a small one (~50k rows). Per repetition, every measured tenant gets `delta` new svc_txns
 * rows stamped within the last hour (copies of its own rows with new ids, marked in `ref`), its
 * fact_txn watermark is set to one hour ago, and `loadFactTxn({ tenantId })` runs the real
 * incremental path: window [watermark − overlap, now() − lag), count, insert, watermark, run log.
 * The previous repetition's delta rows are deleted from the source first, so every load reads the
 * same amount (the overlap re-scan would otherwise re-read them). A sample is one tenant's load,
 * timed by the loader itself (durationMs).
 */
import type { Pool } from 'pg';
import { createLoaderActivities } from '../../activities/loaders';
import type { Config } from '../../lib/config';
import type { TenantRow } from '../dataset';

const DELTA_MARK = 'bench-delta';

async function prepareDelta(pool: Pool, tenantIds: string[], delta: number, rep: number): Promise<void> {
  // Only rows this case stamped within the last hours: an index range, not a scan of millions.
  await pool.query(
    `DELETE FROM public.svc_txns WHERE tenant_id = ANY($1::uuid[]) AND updated_at >= now() - interval '6 hours' AND ref ? '${DELTA_MARK}'`,
    [tenantIds],
  );
  // New rows inside the last hour (and older than the loader's safety lag), spread over it: copies of
  // the tenant's latest rows, each copied as often as needed when the tenant has fewer than `delta`.
  await pool.query(
    `INSERT INTO public.svc_txns (id, tenant_id, loan_id, ts, type, amount, alloc_principal, alloc_interest,
                                  alloc_escrow, alloc_fees, ref, created_at, updated_at)
     SELECT md5(s.id::text || ':${DELTA_MARK}:' || $3::int || ':' || s.k)::uuid, s.tenant_id, s.loan_id, x.at, s.type, s.amount,
            s.alloc_principal, s.alloc_interest, s.alloc_escrow, s.alloc_fees,
            jsonb_build_object('${DELTA_MARK}', $3::int), x.at, x.at
       FROM unnest($1::uuid[]) AS w(tenant_id)
      CROSS JOIN LATERAL (
        SELECT l.*, k FROM (
          SELECT * FROM public.svc_txns t WHERE t.tenant_id = w.tenant_id ORDER BY t.updated_at DESC LIMIT $2
        ) l CROSS JOIN generate_series(1, $2) AS k
        ORDER BY k, l.updated_at DESC LIMIT $2
      ) s
      CROSS JOIN LATERAL (SELECT now() - interval '3 minutes' - random() * interval '55 minutes' AS at) x`,
    [tenantIds, delta, rep],
  );
  await pool.query(
    `INSERT INTO reporting.etl_watermark (tenant_id, stream, watermark, updated_at)
     SELECT w.tenant_id, 'fact_txn', now() - interval '1 hour', now() FROM unnest($1::uuid[]) AS w(tenant_id)
     ON CONFLICT (tenant_id, stream) DO UPDATE SET watermark = EXCLUDED.watermark, updated_at = now()`,
    [tenantIds],
  );
}

export interface IncrementalTarget {
  label: string;
  pool: Pool;
  config: Config;
  tenants: TenantRow[];
}

export interface IncrementalSamples {
  label: string;
  /** ms per tenant load (the loader's durationMs) */
  loadMs: number[];
  rowsRead: number[];
  historyRows: number;
}

/**
 * Runs the procedure on each target in turn within every repetition (large, small, large, small…),
 * so a burst of other load on the machine hits both sides rather than one.
 */
export async function measureIncremental(opts: {
  targets: IncrementalTarget[];
  delta: number;
  reps: number;
  log: (l: string) => void;
}): Promise<IncrementalSamples[]> {
  const state = await Promise.all(
    opts.targets.map(async (t) => ({
      target: t,
      acts: createLoaderActivities({ pool: t.pool, config: t.config }),
      ids: t.tenants.map((x) => x.id),
      out: {
        label: t.label,
        loadMs: [] as number[],
        rowsRead: [] as number[],
        historyRows: Number((await t.pool.query<{ n: string }>('SELECT count(*) AS n FROM reporting.fact_txn')).rows[0].n),
      },
    })),
  );
  // Repetition 0 is an unmeasured pass: it warms the caches (index upper levels, catalog, the pool's connections).
  for (let rep = 0; rep <= opts.reps; rep++) {
    for (const s of state) {
      await prepareDelta(s.target.pool, s.ids, opts.delta, rep);
      for (const id of s.ids) {
        const r = await s.acts.loadFactTxn({ tenantId: id });
        if (r.rowsInserted !== opts.delta) throw new Error(`${s.target.label}: incremental load inserted ${r.rowsInserted} rows, expected ${opts.delta}`);
        if (rep > 0) {
          s.out.loadMs.push(r.durationMs);
          s.out.rowsRead.push(r.rowsRead);
        }
      }
    }
  }
  for (const s of state) {
    opts.log(`  ${s.out.label}: ${s.out.historyRows.toLocaleString('en-US')} rows of history, per-tenant load ${s.out.loadMs.map((m) => m.toFixed(0)).join(' ')} ms`);
  }
  return state.map((s) => s.out);
}
