-- BI views (the seed's 023 plus servicing KPIs).
--
-- Every view is security_invoker, so row-level security applies to the caller: reporting_reader
-- with app.tenant_id set sees its tenant only; the owner sees all tenants. The seed's views keep
-- their column lists (BI depends on them); the new KPI views carry tenant_id.
--
-- "Today" is the UTC date ((now() AT TIME ZONE 'UTC')::date), matching fact dates, which are UTC
-- dates; CURRENT_DATE would follow each session's TimeZone.
--
-- Status facts (qc, export, notify) are append-only, one row per status change; the views read
-- each source row's latest status: greatest status_at, ties broken by load order (*_sk).

CREATE OR REPLACE VIEW reporting.v_kpi_pipeline WITH (security_invoker = true) AS
SELECT
  (now() AT TIME ZONE 'UTC')::date AS as_of,
  COUNT(*) FILTER (WHERE state = 'intake') AS loans_intake,
  COUNT(*) FILTER (WHERE state = 'finalized') AS loans_finalized,
  COUNT(*) FILTER (WHERE state = 'boarded' OR state = 'Active') AS loans_boarded
FROM public.loan_candidates;

-- Cash collected per day over the last 30 UTC days (today and the 29 before). Collections are
-- PAYMENT rows and ADJUSTMENT rows (signed corrections to collected cash). The seed summed every
-- type, so boarding a loan looked like collecting its whole principal and escrow disbursements
-- counted as income; cash_by_month_type shows every type for those who want them.
CREATE OR REPLACE VIEW reporting.v_cash_last_30 WITH (security_invoker = true) AS
SELECT d,
       SUM(amount) AS cash,
       SUM(alloc_interest) AS interest,
       SUM(alloc_principal) AS principal
FROM reporting.fact_txn
WHERE type IN ('PAYMENT', 'ADJUSTMENT')
  AND d BETWEEN (now() AT TIME ZONE 'UTC')::date - 29 AND (now() AT TIME ZONE 'UTC')::date
GROUP BY d
ORDER BY d;

CREATE OR REPLACE VIEW reporting.v_qc_open_by_severity WITH (security_invoker = true) AS
WITH latest AS (
  SELECT DISTINCT ON (tenant_id, defect_id) severity, status
  FROM reporting.fact_qc
  ORDER BY tenant_id, defect_id, status_at DESC, qc_sk DESC
)
SELECT severity, COUNT(*) AS open_count
FROM latest
WHERE status = 'open'
GROUP BY severity;

-- Loans, UPB and share of UPB per delinquency bucket on each tenant's latest snapshot date.
-- All five buckets appear, with zeros, so a chart keeps its axis.
CREATE OR REPLACE VIEW reporting.v_delinquency_by_bucket WITH (security_invoker = true) AS
WITH latest AS (
  SELECT tenant_id, MAX(d) AS as_of FROM reporting.fact_servicing GROUP BY tenant_id
),
buckets(bucket_order, delinquency_bucket) AS (
  VALUES (1, '0+'), (2, '30+'), (3, '60+'), (4, '90+'), (5, '120+')
),
snap AS (
  SELECT s.tenant_id, s.delinquency_bucket, COUNT(*) AS loan_count, SUM(s.upb) AS upb
  FROM reporting.fact_servicing s
  JOIN latest l ON l.tenant_id = s.tenant_id AND l.as_of = s.d
  GROUP BY s.tenant_id, s.delinquency_bucket
)
SELECT l.tenant_id,
       l.as_of,
       b.delinquency_bucket,
       b.bucket_order,
       COALESCE(snap.loan_count, 0) AS loan_count,
       COALESCE(snap.upb, 0)::numeric(18,2) AS upb,
       ROUND(COALESCE(snap.upb, 0) / NULLIF(SUM(COALESCE(snap.upb, 0)) OVER (PARTITION BY l.tenant_id), 0), 4) AS upb_share
FROM latest l
CROSS JOIN buckets b
LEFT JOIN snap ON snap.tenant_id = l.tenant_id AND snap.delinquency_bucket = b.delinquency_bucket;

-- Every transaction type per calendar month (first day of the month), with its allocations.
CREATE OR REPLACE VIEW reporting.v_cash_by_month_type WITH (security_invoker = true) AS
SELECT tenant_id,
       date_trunc('month', d)::date AS month,
       type,
       COUNT(*) AS txn_count,
       SUM(amount) AS amount,
       SUM(alloc_principal) AS principal,
       SUM(alloc_interest) AS interest,
       SUM(alloc_escrow) AS escrow,
       SUM(alloc_fees) AS fees
FROM reporting.fact_txn
GROUP BY tenant_id, date_trunc('month', d), type;

-- Remittance per investor and month of the run's period end.
CREATE OR REPLACE VIEW reporting.v_remit_by_investor_month WITH (security_invoker = true) AS
SELECT r.tenant_id,
       r.investor_id,
       i.investor_name,
       date_trunc('month', r.d)::date AS month,
       COUNT(DISTINCT r.loan_id) AS loan_count,
       SUM(r.principal) AS principal,
       SUM(r.interest) AS interest,
       SUM(r.escrow) AS escrow,
       SUM(r.svc_fee) AS svc_fee,
       SUM(r.strip_io) AS strip_io,
       SUM(r.net) AS net
FROM reporting.fact_remit r
LEFT JOIN reporting.dim_investor i ON i.investor_id = r.investor_id AND i.tenant_id = r.tenant_id
GROUP BY r.tenant_id, r.investor_id, i.investor_name, date_trunc('month', r.d);

-- Exports by template on their latest status. success_rate = succeeded / finished (succeeded +
-- failed); exports still queued or running are counted in in_flight and left out of the rate.
CREATE OR REPLACE VIEW reporting.v_export_success_rate WITH (security_invoker = true) AS
WITH latest AS (
  SELECT DISTINCT ON (tenant_id, export_id) tenant_id, template, status
  FROM reporting.fact_export
  ORDER BY tenant_id, export_id, status_at DESC, export_sk DESC
)
SELECT tenant_id,
       template,
       COUNT(*) AS exports,
       COUNT(*) FILTER (WHERE status = 'succeeded') AS succeeded,
       COUNT(*) FILTER (WHERE status = 'failed') AS failed,
       COUNT(*) FILTER (WHERE status IN ('queued', 'running')) AS in_flight,
       ROUND(COUNT(*) FILTER (WHERE status = 'succeeded')::numeric
             / NULLIF(COUNT(*) FILTER (WHERE status IN ('succeeded', 'failed')), 0), 4) AS success_rate
FROM latest
GROUP BY tenant_id, template;

-- Notifications by channel on their latest status. delivery_rate = sent / attempted (sent +
-- failed); suppressed notices were deliberately not sent and pending ones (queued, rendered) are
-- not finished, so neither counts against delivery.
CREATE OR REPLACE VIEW reporting.v_notify_delivery_rate WITH (security_invoker = true) AS
WITH latest AS (
  SELECT DISTINCT ON (tenant_id, notification_id) tenant_id, channel, status
  FROM reporting.fact_notify
  ORDER BY tenant_id, notification_id, status_at DESC, notify_sk DESC
)
SELECT tenant_id,
       channel,
       COUNT(*) AS notifications,
       COUNT(*) FILTER (WHERE status = 'sent') AS sent,
       COUNT(*) FILTER (WHERE status = 'failed') AS failed,
       COUNT(*) FILTER (WHERE status = 'suppressed') AS suppressed,
       COUNT(*) FILTER (WHERE status IN ('queued', 'rendered')) AS pending,
       ROUND(COUNT(*) FILTER (WHERE status = 'sent')::numeric
             / NULLIF(COUNT(*) FILTER (WHERE status IN ('sent', 'failed')), 0), 4) AS delivery_rate
FROM latest
GROUP BY tenant_id, channel;

COMMENT ON VIEW reporting.v_cash_last_30 IS 'Cash collected (PAYMENT + ADJUSTMENT) per UTC day, last 30 days including today.';
COMMENT ON VIEW reporting.v_qc_open_by_severity IS 'Defects whose latest status is open, by severity.';
COMMENT ON VIEW reporting.v_delinquency_by_bucket IS 'Loans and UPB per delinquency bucket on each tenant''s latest fact_servicing date.';
COMMENT ON VIEW reporting.v_cash_by_month_type IS 'Transactions per tenant, month and type, with allocations.';
COMMENT ON VIEW reporting.v_remit_by_investor_month IS 'Investor remittance per tenant, investor and month of period end.';
COMMENT ON VIEW reporting.v_export_success_rate IS 'Exports on their latest status; success_rate = succeeded / (succeeded + failed).';
COMMENT ON VIEW reporting.v_notify_delivery_rate IS 'Notifications on their latest status; delivery_rate = sent / (sent + failed).';

GRANT SELECT ON
  reporting.v_kpi_pipeline, reporting.v_cash_last_30, reporting.v_qc_open_by_severity,
  reporting.v_delinquency_by_bucket, reporting.v_cash_by_month_type, reporting.v_remit_by_investor_month,
  reporting.v_export_success_rate, reporting.v_notify_delivery_rate
TO reporting_reader;
