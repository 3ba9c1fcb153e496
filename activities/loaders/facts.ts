/**
 * The append-only facts: one INSERT … SELECT … ON CONFLICT DO NOTHING per stream, keyed by the
 * source row (and, for status facts, by the status change), so any window can be loaded any number
 * of times and inserts each source row — or each status change — once.
 *
 * Every statement takes the same parameters: $1 tenant, $2 window start (inclusive), $3 window end
 * (exclusive), both timestamptz on the source table's `updated_at`, the cursor of every stream
 * (NOT NULL in the source contract, indexed with tenant_id, so a window is an index range scan).
 * Every statement has an explicit tenant predicate even though RLS would also apply to a non-owner.
 *
 * Dates: fact dates are UTC calendar dates ((ts AT TIME ZONE 'UTC')::date), whatever the session's
 * TimeZone. The `stats` statement returns the window's row count and its first and last fact date,
 * so the loader can extend dim_date before inserting (the facts' FK to dim_date).
 *
 * Notes per stream:
 * - fact_txn: a transaction is immutable once posted (corrections are ADJUSTMENT rows), so a later
 *   update to a svc_txns row re-reads it and inserts nothing.
 * - fact_qc / fact_export / fact_notify: the source holds the *current* status and `status_at`;
 *   each change bumps updated_at, so the next load reads the row again and inserts a new fact row
 *   (its key includes status and status_at). Nothing is updated or deleted: the views pick the
 *   latest row per source id. A status that came and went between two loads is never seen — the
 *   source keeps no history.
 * - fact_qc joins the defect's rule (code, severity), fact_remit the item's run (investor, period
 *   end): a row whose parent does not exist is counted in rows_read but not inserted. The platform
 *   writes a rule before its defects and a run with its items, so this does not happen there.
 */
import type { FactStream } from '../../lib/constants';

export interface StreamSql {
  /** One row: rows_read (bigint), first_d / last_d (date text, null when no fact dates apply). */
  stats: string;
  /** Its rowCount is the rows inserted (facts) or written (dimensions). */
  load: string;
}

const WINDOW = (alias: string) => `${alias}.tenant_id = $1 AND ${alias}.updated_at >= $2::timestamptz AND ${alias}.updated_at < $3::timestamptz`;

export const FACT_SQL: Record<FactStream, StreamSql> = {
  fact_txn: {
    stats: `
      SELECT count(*) AS rows_read,
             ((min(t.ts) AT TIME ZONE 'UTC')::date)::text AS first_d,
             ((max(t.ts) AT TIME ZONE 'UTC')::date)::text AS last_d
      FROM public.svc_txns t
      WHERE ${WINDOW('t')}`,
    load: `
      INSERT INTO reporting.fact_txn
        (tenant_id, loan_id, d, type, amount, alloc_principal, alloc_interest, alloc_escrow, alloc_fees, ref, txn_id)
      SELECT t.tenant_id, t.loan_id, (t.ts AT TIME ZONE 'UTC')::date, t.type, t.amount,
             t.alloc_principal, t.alloc_interest, t.alloc_escrow, t.alloc_fees, t.ref, t.id
      FROM public.svc_txns t
      WHERE ${WINDOW('t')}
      ON CONFLICT (tenant_id, txn_id) DO NOTHING`,
  },

  fact_qc: {
    stats: `
      SELECT count(*) AS rows_read,
             ((min(q.status_at) AT TIME ZONE 'UTC')::date)::text AS first_d,
             ((max(q.status_at) AT TIME ZONE 'UTC')::date)::text AS last_d
      FROM public.qc_defects q
      WHERE ${WINDOW('q')}`,
    load: `
      INSERT INTO reporting.fact_qc (tenant_id, loan_id, rule_code, severity, status, d, defect_id, status_at)
      SELECT q.tenant_id, q.loan_id, r.code, r.severity, q.status, (q.status_at AT TIME ZONE 'UTC')::date, q.id, q.status_at
      FROM public.qc_defects q
      JOIN public.qc_rules r ON r.id = q.rule_id AND r.tenant_id = q.tenant_id
      WHERE ${WINDOW('q')}
      ON CONFLICT (tenant_id, defect_id, status, status_at) DO NOTHING`,
  },

  fact_export: {
    stats: `
      SELECT count(*) AS rows_read,
             ((min(e.status_at) AT TIME ZONE 'UTC')::date)::text AS first_d,
             ((max(e.status_at) AT TIME ZONE 'UTC')::date)::text AS last_d
      FROM public.exports e
      WHERE ${WINDOW('e')}`,
    load: `
      INSERT INTO reporting.fact_export (tenant_id, loan_id, template, status, d, export_id, status_at)
      SELECT e.tenant_id, e.loan_id, e.template, e.status, (e.status_at AT TIME ZONE 'UTC')::date, e.id, e.status_at
      FROM public.exports e
      WHERE ${WINDOW('e')}
      ON CONFLICT (tenant_id, export_id, status, status_at) DO NOTHING`,
  },

  fact_notify: {
    stats: `
      SELECT count(*) AS rows_read,
             ((min(n.status_at) AT TIME ZONE 'UTC')::date)::text AS first_d,
             ((max(n.status_at) AT TIME ZONE 'UTC')::date)::text AS last_d
      FROM public.notifications n
      WHERE ${WINDOW('n')}`,
    load: `
      INSERT INTO reporting.fact_notify
        (tenant_id, loan_id, template_code, channel, status, d, notification_id, recipient, status_at)
      SELECT n.tenant_id, n.loan_id, n.template_code, n.channel, n.status, (n.status_at AT TIME ZONE 'UTC')::date,
             n.id, n.recipient, n.status_at
      FROM public.notifications n
      WHERE ${WINDOW('n')}
      ON CONFLICT (tenant_id, notification_id, status, status_at) DO NOTHING`,
  },

  fact_remit: {
    stats: `
      SELECT count(*) AS rows_read,
             min(r.period_end)::text AS first_d,
             max(r.period_end)::text AS last_d
      FROM public.inv_remit_items i
      LEFT JOIN public.inv_remit_runs r ON r.id = i.run_id AND r.tenant_id = i.tenant_id
      WHERE ${WINDOW('i')}`,
    load: `
      INSERT INTO reporting.fact_remit
        (tenant_id, investor_id, loan_id, d, principal, interest, escrow, svc_fee, strip_io, net, remit_item_id, remit_run_id)
      SELECT i.tenant_id, r.investor_id, i.loan_id, r.period_end, i.principal_collected, i.interest_collected,
             i.escrow_collected, i.svc_fee, i.strip_io, i.net_remit, i.id, r.id
      FROM public.inv_remit_items i
      JOIN public.inv_remit_runs r ON r.id = i.run_id AND r.tenant_id = i.tenant_id
      WHERE ${WINDOW('i')}
      ON CONFLICT (tenant_id, remit_item_id) DO NOTHING`,
  },
};
