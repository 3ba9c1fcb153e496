/**
 * Dimensions hold the current state of each loan and investor (they are not append-only): a load
 * upserts the rows whose source changed in the window. Same parameters as the facts ($1 tenant,
 * $2/$3 the [from, to) window on `updated_at`).
 *
 * - dim_loan comes from reporting.v_dim_loan_source, a pivot of loan_datapoints; a loan changed
 *   when its loan_candidates row or any of its datapoints did. The changed ids are computed first
 *   (ARRAY(...) is an init-plan) so the filter is pushed into the view's GROUP BY on loan id and
 *   an hourly load pivots only the changed loans, not the tenant's whole book.
 * - The upsert rewrites a row only when a column actually changed (IS DISTINCT FROM), so rows
 *   written counts real changes and `updated_at` says when the dimension row last changed.
 * - ON CONFLICT on the global id is guarded by tenant: a row belonging to another tenant is never
 *   overwritten.
 * - A datapoint deleted from the source does not bump anything: the dimensions' full refresh
 *   (`full: true`, nightly) re-derives every row of the tenant.
 */
import type { DimStream } from '../../lib/constants';
import type { StreamSql } from './facts';

const CHANGED_LOANS = `
  SELECT lc.id FROM public.loan_candidates lc
  WHERE lc.tenant_id = $1 AND lc.updated_at >= $2::timestamptz AND lc.updated_at < $3::timestamptz
  UNION
  SELECT dp.loan_id FROM public.loan_datapoints dp
  WHERE dp.tenant_id = $1 AND dp.updated_at >= $2::timestamptz AND dp.updated_at < $3::timestamptz`;

const LOAN_COLUMNS = ['loan_number', 'borrower_name', 'property_city', 'property_state', 'program_code', 'investor_id', 'borrower_email', 'borrower_phone'];

export const DIM_SQL: Record<DimStream, StreamSql> = {
  dim_investor: {
    stats: `
      SELECT count(*) AS rows_read, NULL::text AS first_d, NULL::text AS last_d
      FROM public.inv_investors i
      WHERE i.tenant_id = $1 AND i.updated_at >= $2::timestamptz AND i.updated_at < $3::timestamptz`,
    load: `
      INSERT INTO reporting.dim_investor AS d (investor_id, investor_name, delivery_type, active, tenant_id, updated_at)
      SELECT i.id, i.name, i.delivery_type, i.active, i.tenant_id, now()
      FROM public.inv_investors i
      WHERE i.tenant_id = $1 AND i.updated_at >= $2::timestamptz AND i.updated_at < $3::timestamptz
      ON CONFLICT (investor_id) DO UPDATE
        SET investor_name = EXCLUDED.investor_name,
            delivery_type = EXCLUDED.delivery_type,
            active = EXCLUDED.active,
            updated_at = EXCLUDED.updated_at
        WHERE d.tenant_id = EXCLUDED.tenant_id
          AND (d.investor_name, d.delivery_type, d.active)
              IS DISTINCT FROM (EXCLUDED.investor_name, EXCLUDED.delivery_type, EXCLUDED.active)`,
  },

  dim_loan: {
    stats: `
      SELECT count(*) AS rows_read, NULL::text AS first_d, NULL::text AS last_d
      FROM (${CHANGED_LOANS}) c`,
    load: `
      INSERT INTO reporting.dim_loan AS d (loan_id, ${LOAN_COLUMNS.join(', ')}, tenant_id, updated_at)
      SELECT s.loan_id, ${LOAN_COLUMNS.map((c) => `s.${c}`).join(', ')}, s.tenant_id, now()
      FROM reporting.v_dim_loan_source s
      WHERE s.tenant_id = $1
        AND s.loan_id = ANY (ARRAY(${CHANGED_LOANS}))
      ON CONFLICT (loan_id) DO UPDATE
        SET ${LOAN_COLUMNS.map((c) => `${c} = EXCLUDED.${c}`).join(', ')},
            updated_at = EXCLUDED.updated_at
        WHERE d.tenant_id = EXCLUDED.tenant_id
          AND (${LOAN_COLUMNS.map((c) => `d.${c}`).join(', ')})
              IS DISTINCT FROM (${LOAN_COLUMNS.map((c) => `EXCLUDED.${c}`).join(', ')})`,
  },
};
