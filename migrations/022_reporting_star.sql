-- Reporting star schema (the seed's 022, with what correctness needs; ARCHITECTURE §2–3).
--
-- What changed from the seed, and why:
--   * dims carry tenant_id and updated_at; dim_loan gains borrower_email/phone (PII, protected by RLS
--     here and tokenised in the lake).
--   * every fact carries the key of its source row and a UNIQUE index on it, so re-running any load
--     window inserts nothing new (exactly once); loaded_at records when a row arrived.
--   * qc/export/notify facts are status-change rows keyed by (source id, status, status_at): a
--     defect that is resolved after it was first loaded gets a second row, nothing is rewritten.
--   * dim_date is extended on demand by reporting.ensure_dim_date(), instead of a range fixed at
--     migration time that facts could outgrow (breaking the FK).
--   * row-level security on every table with tenant_id, for every role except the owner.
--   * bookkeeping for loader watermarks, the run log, the lake checkpoint and reconciliation.

CREATE SCHEMA IF NOT EXISTS reporting;

-- Roles are cluster-wide while migrations run per database (tests clone a template and migrate
-- many databases in one cluster), so creation must tolerate the role already existing — including
-- another database's migration creating it concurrently (unique_violation on pg_authid).
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'reporting_reader') THEN
    BEGIN
      CREATE ROLE reporting_reader NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- dim_date and the US Federal Reserve holiday calendar
-- ---------------------------------------------------------------------------------------------

-- The named US federal holiday falling on calendar date p_d itself (no weekend shifting), or NULL.
-- Juneteenth is a federal holiday from 2021.
CREATE OR REPLACE FUNCTION reporting.us_holiday_on(p_d date) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  y int := extract(year FROM p_d);
  m int := extract(month FROM p_d);
  dd int := extract(day FROM p_d);
  dow int := extract(isodow FROM p_d);   -- 1 = Monday … 7 = Sunday
  nth int := (dd - 1) / 7 + 1;           -- which occurrence of this weekday in the month
  is_last boolean := extract(month FROM p_d + 7) <> m;
BEGIN
  RETURN CASE
    WHEN m = 1 AND dd = 1 THEN 'New Year''s Day'
    WHEN m = 1 AND dow = 1 AND nth = 3 THEN 'Birthday of Martin Luther King, Jr.'
    WHEN m = 2 AND dow = 1 AND nth = 3 THEN 'Washington''s Birthday'
    WHEN m = 5 AND dow = 1 AND is_last THEN 'Memorial Day'
    WHEN m = 6 AND dd = 19 AND y >= 2021 THEN 'Juneteenth National Independence Day'
    WHEN m = 7 AND dd = 4 THEN 'Independence Day'
    WHEN m = 9 AND dow = 1 AND nth = 1 THEN 'Labor Day'
    WHEN m = 10 AND dow = 1 AND nth = 2 THEN 'Columbus Day'
    WHEN m = 11 AND dd = 11 THEN 'Veterans Day'
    WHEN m = 11 AND dow = 4 AND nth = 4 THEN 'Thanksgiving Day'
    WHEN m = 12 AND dd = 25 THEN 'Christmas Day'
  END;
END;
$$;

-- The holiday observed on p_d, or NULL. Fixed-date holidays that fall on a Saturday are observed
-- the Friday before, on a Sunday the Monday after (so 2026-07-03 is Independence Day observed, and
-- 2021-12-31 is New Year's Day 2022 observed). The floating holidays are always weekdays.
CREATE OR REPLACE FUNCTION reporting.us_holiday_name(p_d date) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  dow int := extract(isodow FROM p_d);
BEGIN
  IF dow >= 6 THEN
    RETURN NULL;   -- weekends are closed anyway; the holiday is observed on a weekday
  END IF;
  RETURN COALESCE(
    reporting.us_holiday_on(p_d),
    CASE WHEN dow = 5 AND extract(isodow FROM p_d + 1) = 6 THEN reporting.us_holiday_on(p_d + 1) || ' (observed)' END,
    CASE WHEN dow = 1 AND extract(isodow FROM p_d - 1) = 7 THEN reporting.us_holiday_on(p_d - 1) || ' (observed)' END
  );
END;
$$;

CREATE TABLE IF NOT EXISTS reporting.dim_date (
  d date PRIMARY KEY,
  y smallint NOT NULL,
  q smallint NOT NULL,
  m smallint NOT NULL,
  d_in_m smallint NOT NULL,
  dow smallint NOT NULL,                 -- 0 = Sunday … 6 = Saturday, as in the seed
  is_busday boolean NOT NULL,            -- false on weekends and observed US Federal Reserve holidays
  holiday_name text
);

-- Idempotently makes dim_date cover [p_from, p_to]; returns the number of days added. Loaders call
-- it before inserting facts so a fact date never breaks the FK. The common case (range already
-- covered) is one index count and no writes; concurrent callers are safe (ON CONFLICT DO NOTHING).
CREATE OR REPLACE FUNCTION reporting.ensure_dim_date(p_from date, p_to date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  added integer;
BEGIN
  IF p_from IS NULL OR p_to IS NULL OR p_from > p_to THEN
    RAISE EXCEPTION 'ensure_dim_date: invalid range % .. %', p_from, p_to USING ERRCODE = '22023';
  END IF;
  -- A guard against a corrupt timestamp turning into a century of rows.
  IF p_to - p_from > 366 * 200 THEN
    RAISE EXCEPTION 'ensure_dim_date: range % .. % is longer than 200 years', p_from, p_to USING ERRCODE = '22023';
  END IF;
  IF (SELECT count(*) FROM reporting.dim_date WHERE d BETWEEN p_from AND p_to) = p_to - p_from + 1 THEN
    RETURN 0;
  END IF;
  INSERT INTO reporting.dim_date (d, y, q, m, d_in_m, dow, is_busday, holiday_name)
  SELECT s.d,
         extract(year FROM s.d)::smallint,
         extract(quarter FROM s.d)::smallint,
         extract(month FROM s.d)::smallint,
         extract(day FROM s.d)::smallint,
         extract(dow FROM s.d)::smallint,
         extract(isodow FROM s.d) < 6 AND reporting.us_holiday_name(s.d) IS NULL,
         reporting.us_holiday_name(s.d)
  FROM generate_series(p_from, p_to, interval '1 day') AS g(ts)
  CROSS JOIN LATERAL (SELECT g.ts::date AS d) s
  ON CONFLICT (d) DO NOTHING;
  GET DIAGNOSTICS added = ROW_COUNT;
  RETURN added;
END;
$$;

-- A fixed initial range (not relative to the day the migration ran, so every database migrated
-- from these files holds the same calendar); loaders extend it as needed.
SELECT reporting.ensure_dim_date(DATE '2000-01-01', DATE '2040-12-31');

-- ---------------------------------------------------------------------------------------------
-- Dimensions
-- ---------------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS reporting.dim_loan (
  loan_sk bigserial PRIMARY KEY,
  loan_id uuid UNIQUE NOT NULL,
  loan_number text,
  borrower_name text,
  property_city text,
  property_state text,
  program_code text,
  investor_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  tenant_id uuid NOT NULL,
  borrower_email text,
  borrower_phone text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS dim_loan_tenant_idx ON reporting.dim_loan (tenant_id, loan_sk);
CREATE INDEX IF NOT EXISTS dim_loan_tenant_investor_idx ON reporting.dim_loan (tenant_id, investor_id);

CREATE TABLE IF NOT EXISTS reporting.dim_investor (
  investor_sk bigserial PRIMARY KEY,
  investor_id uuid UNIQUE NOT NULL,
  investor_name text,
  delivery_type text,
  active boolean,
  created_at timestamptz NOT NULL DEFAULT now(),
  tenant_id uuid NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS dim_investor_tenant_idx ON reporting.dim_investor (tenant_id, investor_sk);

-- ---------------------------------------------------------------------------------------------
-- Facts (append-only; the unique indexes make re-inserting a window a no-op with ON CONFLICT DO NOTHING)
-- Each fact also has (tenant_id, <sk>) for the lake export's per-tenant checkpoint scan and
-- (tenant_id, d) for BI date filters.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS reporting.fact_txn (
  txn_sk bigserial PRIMARY KEY,
  tenant_id uuid NOT NULL,
  loan_id uuid NOT NULL,
  d date NOT NULL REFERENCES reporting.dim_date(d),   -- UTC date of svc_txns.ts
  type text NOT NULL,                                  -- PAYMENT|DISBURSEMENT|ADJUSTMENT|FEE|BOARDING
  amount numeric(18,2) NOT NULL,
  alloc_principal numeric(18,2) NOT NULL DEFAULT 0,
  alloc_interest numeric(18,2) NOT NULL DEFAULT 0,
  alloc_escrow numeric(18,2) NOT NULL DEFAULT 0,
  alloc_fees numeric(18,2) NOT NULL DEFAULT 0,
  ref jsonb NOT NULL DEFAULT '{}'::jsonb,
  txn_id uuid NOT NULL,                                -- svc_txns.id
  loaded_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS fact_txn_source_key ON reporting.fact_txn (tenant_id, txn_id);
CREATE INDEX IF NOT EXISTS fact_txn_tenant_sk_idx ON reporting.fact_txn (tenant_id, txn_sk);
CREATE INDEX IF NOT EXISTS fact_txn_tenant_d_idx ON reporting.fact_txn (tenant_id, d);
CREATE INDEX IF NOT EXISTS fact_txn_tenant_loan_idx ON reporting.fact_txn (tenant_id, loan_id);

CREATE TABLE IF NOT EXISTS reporting.fact_qc (
  qc_sk bigserial PRIMARY KEY,
  tenant_id uuid NOT NULL,
  loan_id uuid NOT NULL,
  rule_code text NOT NULL,
  severity text NOT NULL,
  status text NOT NULL,                                -- open|resolved|waived
  d date NOT NULL REFERENCES reporting.dim_date(d),   -- UTC date of status_at
  defect_id uuid NOT NULL,                             -- qc_defects.id
  status_at timestamptz NOT NULL,
  loaded_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS fact_qc_source_key ON reporting.fact_qc (tenant_id, defect_id, status, status_at);
CREATE INDEX IF NOT EXISTS fact_qc_latest_idx ON reporting.fact_qc (tenant_id, defect_id, status_at DESC, qc_sk DESC);
CREATE INDEX IF NOT EXISTS fact_qc_tenant_sk_idx ON reporting.fact_qc (tenant_id, qc_sk);
CREATE INDEX IF NOT EXISTS fact_qc_tenant_d_idx ON reporting.fact_qc (tenant_id, d);

CREATE TABLE IF NOT EXISTS reporting.fact_export (
  export_sk bigserial PRIMARY KEY,
  tenant_id uuid NOT NULL,
  loan_id uuid NOT NULL,
  template text NOT NULL,                              -- fannie|freddie|custom
  status text NOT NULL,                                -- queued|running|succeeded|failed
  d date NOT NULL REFERENCES reporting.dim_date(d),   -- UTC date of status_at
  export_id uuid NOT NULL,                             -- exports.id
  status_at timestamptz NOT NULL,
  loaded_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS fact_export_source_key ON reporting.fact_export (tenant_id, export_id, status, status_at);
CREATE INDEX IF NOT EXISTS fact_export_latest_idx ON reporting.fact_export (tenant_id, export_id, status_at DESC, export_sk DESC);
CREATE INDEX IF NOT EXISTS fact_export_tenant_sk_idx ON reporting.fact_export (tenant_id, export_sk);
CREATE INDEX IF NOT EXISTS fact_export_tenant_d_idx ON reporting.fact_export (tenant_id, d);

CREATE TABLE IF NOT EXISTS reporting.fact_notify (
  notify_sk bigserial PRIMARY KEY,
  tenant_id uuid NOT NULL,
  loan_id uuid NULL,
  template_code text NOT NULL,
  channel text NOT NULL,
  status text NOT NULL,                                -- queued|rendered|sent|failed|suppressed
  d date NOT NULL REFERENCES reporting.dim_date(d),   -- UTC date of status_at
  notification_id uuid NOT NULL,                       -- notifications.id
  recipient text,                                      -- PII: tokenised in the lake
  status_at timestamptz NOT NULL,
  loaded_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS fact_notify_source_key ON reporting.fact_notify (tenant_id, notification_id, status, status_at);
CREATE INDEX IF NOT EXISTS fact_notify_latest_idx ON reporting.fact_notify (tenant_id, notification_id, status_at DESC, notify_sk DESC);
CREATE INDEX IF NOT EXISTS fact_notify_tenant_sk_idx ON reporting.fact_notify (tenant_id, notify_sk);
CREATE INDEX IF NOT EXISTS fact_notify_tenant_d_idx ON reporting.fact_notify (tenant_id, d);

-- One snapshot row per loan per day, computed as of d (so a backfilled past date equals what the
-- nightly run would have written); a same-day rerun is a no-op.
CREATE TABLE IF NOT EXISTS reporting.fact_servicing (
  svc_sk bigserial PRIMARY KEY,
  tenant_id uuid NOT NULL,
  loan_id uuid NOT NULL,
  d date NOT NULL REFERENCES reporting.dim_date(d),
  upb numeric(18,2) NOT NULL,
  escrow_balance numeric(18,2) NOT NULL DEFAULT 0,
  delinquency_dpd integer NOT NULL DEFAULT 0,
  delinquency_bucket text NOT NULL DEFAULT '0+',       -- 0+|30+|60+|90+|120+
  loaded_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS fact_servicing_source_key ON reporting.fact_servicing (tenant_id, loan_id, d);
CREATE INDEX IF NOT EXISTS fact_servicing_tenant_sk_idx ON reporting.fact_servicing (tenant_id, svc_sk);
CREATE INDEX IF NOT EXISTS fact_servicing_tenant_d_idx ON reporting.fact_servicing (tenant_id, d);

CREATE TABLE IF NOT EXISTS reporting.fact_remit (
  remit_sk bigserial PRIMARY KEY,
  tenant_id uuid NOT NULL,
  investor_id uuid NOT NULL,
  loan_id uuid NOT NULL,
  d date NOT NULL REFERENCES reporting.dim_date(d),   -- inv_remit_runs.period_end
  principal numeric(18,2) NOT NULL DEFAULT 0,
  interest numeric(18,2) NOT NULL DEFAULT 0,
  escrow numeric(18,2) NOT NULL DEFAULT 0,
  svc_fee numeric(18,2) NOT NULL DEFAULT 0,
  strip_io numeric(18,2) NOT NULL DEFAULT 0,
  net numeric(18,2) NOT NULL DEFAULT 0,
  remit_item_id uuid NOT NULL,                         -- inv_remit_items.id
  remit_run_id uuid NOT NULL,                          -- inv_remit_runs.id
  loaded_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS fact_remit_source_key ON reporting.fact_remit (tenant_id, remit_item_id);
CREATE INDEX IF NOT EXISTS fact_remit_tenant_sk_idx ON reporting.fact_remit (tenant_id, remit_sk);
CREATE INDEX IF NOT EXISTS fact_remit_tenant_d_idx ON reporting.fact_remit (tenant_id, d);

-- ---------------------------------------------------------------------------------------------
-- Bookkeeping
-- ---------------------------------------------------------------------------------------------

-- A loader's cursor per tenant and stream; advanced in the same transaction as the rows it covers.
CREATE TABLE IF NOT EXISTS reporting.etl_watermark (
  tenant_id uuid NOT NULL,
  stream text NOT NULL,
  watermark timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, stream)
);

CREATE TABLE IF NOT EXISTS reporting.etl_run_log (
  id bigserial PRIMARY KEY,
  workflow_id text,
  tenant_id uuid,
  stream text,
  window_from timestamptz,
  window_to timestamptz,
  rows_read bigint,
  rows_inserted bigint,
  old_watermark timestamptz,
  new_watermark timestamptz,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX IF NOT EXISTS etl_run_log_tenant_stream_idx ON reporting.etl_run_log (tenant_id, stream, started_at DESC);
CREATE INDEX IF NOT EXISTS etl_run_log_workflow_idx ON reporting.etl_run_log (workflow_id);

-- The lake export's position per tenant and table: facts export rows with *_sk > last_sk.
CREATE TABLE IF NOT EXISTS reporting.lake_checkpoint (
  tenant_id uuid NOT NULL,
  table_name text NOT NULL,
  last_sk bigint NOT NULL DEFAULT 0,
  last_exported_at timestamptz,
  PRIMARY KEY (tenant_id, table_name)
);

CREATE TABLE IF NOT EXISTS reporting.lake_reconciliation (
  id bigserial PRIMARY KEY,
  workflow_id text,
  table_name text NOT NULL,
  tenant_id uuid,
  pg_rows bigint,
  lake_rows bigint,
  pg_amount numeric,
  lake_amount numeric,
  ok boolean NOT NULL,
  checked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS lake_reconciliation_tenant_idx ON reporting.lake_reconciliation (tenant_id, table_name, checked_at DESC);

-- ---------------------------------------------------------------------------------------------
-- Row-level security: ENABLE (not FORCE), so the owner the loaders run as bypasses it and every
-- other role sees only the rows of app.tenant_id — none when it is unset or empty.
-- ---------------------------------------------------------------------------------------------

DO $$
DECLARE
  t text;
BEGIN
  -- A fixed list of this migration's own tables: identifiers are never taken from input.
  FOREACH t IN ARRAY ARRAY[
    'dim_loan', 'dim_investor',
    'fact_txn', 'fact_qc', 'fact_export', 'fact_notify', 'fact_servicing', 'fact_remit',
    'etl_watermark', 'etl_run_log', 'lake_checkpoint', 'lake_reconciliation'
  ] LOOP
    EXECUTE format('ALTER TABLE reporting.%I ENABLE ROW LEVEL SECURITY', t);
    IF NOT EXISTS (SELECT FROM pg_policies WHERE schemaname = 'reporting' AND tablename = t AND policyname = 'tenant_isolation') THEN
      EXECUTE format(
        $f$CREATE POLICY tenant_isolation ON reporting.%I
             USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)$f$, t);
    END IF;
  END LOOP;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Helper view (conformed interface for dim_loan), as in the seed plus tenant, contact and investor.
-- security_invoker so the caller's RLS applies to the source tables it reads.
-- ---------------------------------------------------------------------------------------------

CREATE OR REPLACE VIEW reporting.v_dim_loan_source WITH (security_invoker = true) AS
SELECT lc.id AS loan_id,
       MAX(CASE WHEN ldp.key = 'LoanNumber' THEN ldp.normalized_value END) AS loan_number,
       MAX(CASE WHEN ldp.key = 'BorrowerFullName' THEN ldp.normalized_value END) AS borrower_name,
       MAX(CASE WHEN ldp.key = 'PropertyCity' THEN ldp.normalized_value END) AS property_city,
       MAX(CASE WHEN ldp.key = 'PropertyState' THEN ldp.normalized_value END) AS property_state,
       MAX(CASE WHEN ldp.key = 'ProgramCode' THEN ldp.normalized_value END) AS program_code,
       lc.tenant_id,
       MAX(CASE WHEN ldp.key = 'BorrowerEmail' THEN ldp.normalized_value END) AS borrower_email,
       MAX(CASE WHEN ldp.key = 'BorrowerPhone' THEN ldp.normalized_value END) AS borrower_phone,
       -- A malformed InvestorId must not fail the whole dimension load: it becomes NULL.
       MAX(CASE WHEN ldp.key = 'InvestorId'
                 AND ldp.normalized_value ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                THEN ldp.normalized_value END)::uuid AS investor_id,
       -- The newest change to the loan or any of its attributes: the dim_loan stream's cursor.
       GREATEST(lc.updated_at, MAX(ldp.updated_at)) AS source_updated_at
FROM public.loan_candidates lc
LEFT JOIN public.loan_datapoints ldp ON ldp.loan_id = lc.id AND ldp.tenant_id = lc.tenant_id
GROUP BY lc.id, lc.tenant_id, lc.updated_at;

-- RLS on the source tables the views read, with the same policy, so reporting_reader cannot reach
-- another tenant through a view. The owner (the platform, the loaders) is unaffected. The extra
-- RESTRICTIVE policy for reporting_reader keeps that guarantee even where the platform already has
-- its own, wider permissive policies on these tables (permissive policies are OR-ed together).
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['loan_candidates', 'loan_datapoints'] LOOP
    EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);
    IF NOT EXISTS (SELECT FROM pg_policies WHERE schemaname = 'public' AND tablename = t AND policyname = 'tenant_isolation') THEN
      EXECUTE format(
        $f$CREATE POLICY tenant_isolation ON public.%I
             USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)$f$, t);
    END IF;
    IF NOT EXISTS (SELECT FROM pg_policies WHERE schemaname = 'public' AND tablename = t AND policyname = 'reporting_reader_tenant_only') THEN
      EXECUTE format(
        $f$CREATE POLICY reporting_reader_tenant_only ON public.%I AS RESTRICTIVE FOR SELECT TO reporting_reader
             USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)$f$, t);
    END IF;
  END LOOP;
END
$$;

-- reporting_reader (NOLOGIN): the API does SET LOCAL ROLE reporting_reader inside its transaction.
-- Grants are explicit per table (no default privileges), so a table added later is invisible to
-- the reader until a migration grants it — together with its RLS policy.
GRANT USAGE ON SCHEMA reporting TO reporting_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO reporting_reader;
GRANT SELECT ON public.loan_candidates, public.loan_datapoints TO reporting_reader;
