/**
 * SQL for appendActivity: "what happened in the hour before `at`", so hourly runs have real deltas.
 *
 * Every new or changed row is stamped in (at - 1 hour, at) and sets updated_at explicitly (the
 * source tables' trigger keeps an explicit value). Decisions hash (seed, at, row id), so the same
 * database state, seed and `at` always produce the same changes.
 */

/** $1 seed, $2 at, $3 tenant ids (uuid[]; all active tenants when empty). */
export const CREATE_APPEND_CONTEXT = `
CREATE TEMP TABLE append_ctx ON COMMIT DROP AS
SELECT $1::bigint AS seed,
       $2::timestamptz AS at,
       ($2::timestamptz)::date AS at_date,
       extract(epoch FROM $2::timestamptz)::bigint::text AS at_key,
       CASE WHEN cardinality($3::uuid[]) > 0 THEN $3::uuid[]
            ELSE ARRAY(SELECT id FROM public.tenants WHERE active ORDER BY id) END AS tenants`;

/**
 * Payments: each active loan's oldest unpaid installment may be paid — likely when due or
 * overdue, sometimes early, rarely once seriously delinquent (a cure). Never before the loan's
 * latest payment, so installments stay paid in order.
 */
export const CREATE_APPEND_PAYMENTS = `
CREATE TEMP TABLE append_pay ON COMMIT DROP AS
SELECT s.tenant_id, s.loan_id, s.installment_no, s.principal_due, s.interest_due, s.escrow_due,
       round(l.principal * 0.00035, 2) AS ins_share,
       x.ts
FROM append_ctx c
JOIN public.loan_candidates l ON l.tenant_id = ANY (c.tenants) AND l.state = 'Active'
CROSS JOIN LATERAL (
  SELECT * FROM public.svc_schedule s
  WHERE s.loan_id = l.id AND s.paid_at IS NULL
  ORDER BY s.installment_no
  LIMIT 1
) s
CROSS JOIN LATERAL (SELECT pg_temp.h(c.seed, 'append|' || c.at_key || '|pay|' || l.id) AS h) hh
CROSS JOIN LATERAL (SELECT c.at - (60 + pg_temp.u(hh.h, 1) * 3000) * interval '1 second' AS ts) x
WHERE s.due_date <= c.at_date + 5
  AND pg_temp.u(hh.h, 0) < CASE WHEN c.at_date - s.due_date > 60 THEN 0.02
                                WHEN c.at_date - s.due_date >= 0 THEN 0.35
                                ELSE 0.10 END
  AND NOT EXISTS (SELECT 1 FROM public.svc_schedule p WHERE p.loan_id = l.id AND p.paid_at >= x.ts)`;

export const INSERT_APPEND_PAYMENT_TXNS = `
INSERT INTO public.svc_txns (id, tenant_id, loan_id, ts, type, amount, alloc_principal, alloc_interest, alloc_escrow,
                             alloc_fees, ref, created_at, updated_at)
SELECT pg_temp.did(c.seed, 'append|' || p.loan_id || ':pay:' || p.installment_no), p.tenant_id, p.loan_id, p.ts, 'PAYMENT',
       p.principal_due + p.interest_due + p.escrow_due, p.principal_due, p.interest_due, p.escrow_due, 0,
       jsonb_build_object('installment_no', p.installment_no, 'method', 'online'),
       p.ts + interval '30 seconds', p.ts + interval '30 seconds'
FROM append_pay p CROSS JOIN append_ctx c
ON CONFLICT (id) DO NOTHING`;

export const UPDATE_APPEND_SCHEDULE = `
UPDATE public.svc_schedule s
SET paid_at = p.ts, updated_at = p.ts + interval '30 seconds'
FROM append_pay p
WHERE s.loan_id = p.loan_id AND s.installment_no = p.installment_no`;

/** Escrow collected goes to the sub-accounts: hazard insurance gets its fixed monthly share, tax the rest. */
export const UPDATE_APPEND_ESCROW = `
UPDATE public.svc_escrow_sub e
SET balance = e.balance + CASE WHEN e.kind = 'hazard_insurance' THEN p.ins_share ELSE p.escrow_due - p.ins_share END,
    updated_at = p.ts + interval '30 seconds'
FROM append_pay p
WHERE e.loan_id = p.loan_id AND e.kind IN ('tax', 'hazard_insurance')`;

export const INSERT_APPEND_RECEIPTS = `
INSERT INTO public.notifications (id, tenant_id, loan_id, template_code, channel, recipient, status, status_at, created_at, updated_at)
SELECT pg_temp.did(c.seed, 'append|' || p.loan_id || ':notify:paid:' || p.installment_no), p.tenant_id, p.loan_id,
       'PAYMENT_RECEIVED', 'email', d.normalized_value, 'queued',
       p.ts + interval '45 seconds', p.ts + interval '45 seconds', p.ts + interval '45 seconds'
FROM append_pay p
CROSS JOIN append_ctx c
JOIN public.loan_datapoints d ON d.loan_id = p.loan_id AND d.key = 'BorrowerEmail' AND d.normalized_value IS NOT NULL
ON CONFLICT (id) DO NOTHING`;

/** Pending notices (older than five minutes) are delivered, fail, or are suppressed. */
export const UPDATE_APPEND_NOTIFICATIONS = `
UPDATE public.notifications n
SET status = x.status, status_at = x.status_at, updated_at = x.status_at
FROM (
  SELECT p.id,
         CASE WHEN pg_temp.u(hh.h, 0) < 0.94 THEN 'sent' WHEN pg_temp.u(hh.h, 0) < 0.97 THEN 'failed' ELSE 'suppressed' END AS status,
         greatest(p.status_at + interval '1 second', c.at - (1 + pg_temp.u(hh.h, 1) * 240) * interval '1 second') AS status_at
  FROM append_ctx c
  JOIN public.notifications p ON p.tenant_id = ANY (c.tenants) AND p.status IN ('queued', 'rendered')
                              AND p.status_at < c.at - interval '5 minutes'
  CROSS JOIN LATERAL (SELECT pg_temp.h(c.seed, 'append|' || c.at_key || '|notify|' || p.id) AS h) hh
) x
WHERE n.id = x.id`;

/** Exports move on: queued ones start (most finish within the hour), running ones finish. */
export const UPDATE_APPEND_EXPORTS = `
UPDATE public.exports e
SET status = x.status, status_at = x.status_at, updated_at = x.status_at
FROM (
  SELECT p.id,
         CASE WHEN p.status = 'queued' AND pg_temp.u(hh.h, 0) < 0.3 THEN 'running'
              WHEN pg_temp.u(hh.h, 0) < 0.92 THEN 'succeeded' ELSE 'failed' END AS status,
         greatest(p.status_at + interval '1 second', c.at - (1 + pg_temp.u(hh.h, 1) * 240) * interval '1 second') AS status_at
  FROM append_ctx c
  JOIN public.exports p ON p.tenant_id = ANY (c.tenants) AND p.status IN ('queued', 'running')
                        AND p.status_at < c.at - interval '5 minutes'
  CROSS JOIN LATERAL (SELECT pg_temp.h(c.seed, 'append|' || c.at_key || '|export|' || p.id) AS h) hh
) x
WHERE e.id = x.id`;

/** Sold loans without a delivery export yet (boarded since), and failed exports, are queued (again). */
export const INSERT_APPEND_EXPORTS = `
INSERT INTO public.exports (id, tenant_id, loan_id, template, status, status_at, created_at, updated_at)
SELECT pg_temp.did(c.seed, 'append|' || c.at_key || '|export|' || l.id), l.tenant_id, l.id,
       CASE i.delivery_type WHEN 'fannie' THEN 'fannie' WHEN 'freddie' THEN 'freddie' ELSE 'custom' END,
       'queued', x.ts, x.ts, x.ts
FROM append_ctx c
JOIN public.loan_candidates l ON l.tenant_id = ANY (c.tenants) AND l.state IN ('boarded', 'Active')
JOIN public.loan_datapoints d ON d.loan_id = l.id AND d.key = 'InvestorId'
JOIN public.inv_investors i ON i.tenant_id = l.tenant_id AND i.id::text = d.normalized_value
CROSS JOIN LATERAL (SELECT c.at - (60 + pg_temp.u(pg_temp.h(c.seed, 'append|' || c.at_key || '|newexport|' || l.id), 0) * 3000)
                             * interval '1 second' AS ts) x
WHERE d.updated_at < x.ts
  AND NOT EXISTS (SELECT 1 FROM public.exports e
                  WHERE e.loan_id = l.id AND e.status IN ('queued', 'running', 'succeeded'))
ON CONFLICT (id) DO NOTHING`;

/** Open QC defects older than a day get resolved or waived, a few at a time. */
export const UPDATE_APPEND_DEFECTS = `
UPDATE public.qc_defects q
SET status = x.status, status_at = x.status_at, updated_at = x.status_at
FROM (
  SELECT p.id,
         CASE WHEN pg_temp.u(hh.h, 0) < 0.10 THEN 'resolved' ELSE 'waived' END AS status,
         greatest(p.status_at + interval '1 second', c.at - (1 + pg_temp.u(hh.h, 1) * 3000) * interval '1 second') AS status_at
  FROM append_ctx c
  JOIN public.qc_defects p ON p.tenant_id = ANY (c.tenants) AND p.status = 'open' AND p.status_at < c.at - interval '1 day'
  CROSS JOIN LATERAL (SELECT pg_temp.h(c.seed, 'append|' || c.at_key || '|defect|' || p.id) AS h) hh
  WHERE pg_temp.u(hh.h, 0) < 0.13
) x
WHERE q.id = x.id`;

/** A post-closing QC review finds a new defect on about one active loan in five hundred. */
export const INSERT_APPEND_DEFECTS = `
INSERT INTO public.qc_defects (id, tenant_id, loan_id, rule_id, status, status_at, created_at, updated_at)
WITH picked AS (
  SELECT l.id AS loan_id, l.tenant_id, c.seed, c.at_key, c.at, hh.h
  FROM append_ctx c
  JOIN public.loan_candidates l ON l.tenant_id = ANY (c.tenants) AND l.state = 'Active'
  CROSS JOIN LATERAL (SELECT pg_temp.h(c.seed, 'append|' || c.at_key || '|newdefect|' || l.id) AS h) hh
  WHERE pg_temp.u(hh.h, 0) < 0.002
)
SELECT pg_temp.did(p.seed, 'append|' || p.at_key || '|defect|' || p.loan_id), p.tenant_id, p.loan_id, r.id, 'open', x.ts, x.ts, x.ts
FROM picked p
CROSS JOIN LATERAL (
  SELECT rr.id
  FROM (SELECT r.id, row_number() OVER (ORDER BY r.code) AS rn, count(*) OVER () AS cnt
        FROM public.qc_rules r WHERE r.tenant_id = p.tenant_id AND r.active) rr
  WHERE rr.rn = 1 + floor(pg_temp.u(p.h, 1) * rr.cnt)::int
) r
CROSS JOIN LATERAL (SELECT p.at - (60 + pg_temp.u(p.h, 2) * 3000) * interval '1 second' AS ts) x
ON CONFLICT (id) DO NOTHING`;

export const APPEND_STEPS: { name: string; sql: string; counts?: string }[] = [
  { name: 'payments', sql: CREATE_APPEND_PAYMENTS },
  { name: 'payment_txns', sql: INSERT_APPEND_PAYMENT_TXNS, counts: 'payments' },
  { name: 'schedule', sql: UPDATE_APPEND_SCHEDULE },
  { name: 'escrow', sql: UPDATE_APPEND_ESCROW },
  { name: 'notifications_moved', sql: UPDATE_APPEND_NOTIFICATIONS, counts: 'notificationsMoved' },
  { name: 'receipts', sql: INSERT_APPEND_RECEIPTS, counts: 'notificationsQueued' },
  { name: 'exports_moved', sql: UPDATE_APPEND_EXPORTS, counts: 'exportsMoved' },
  { name: 'exports_queued', sql: INSERT_APPEND_EXPORTS, counts: 'exportsQueued' },
  { name: 'defects_closed', sql: UPDATE_APPEND_DEFECTS, counts: 'defectsClosed' },
  { name: 'defects_opened', sql: INSERT_APPEND_DEFECTS, counts: 'defectsOpened' },
];
