-- Source contract: the operational tables the reporting loaders read (ARCHITECTURE §4).
--
-- In production these tables belong to the servicing platform's earlier steps and already exist;
-- this file creates them for standalone use, the synthetic data generator and tests. Everything is
-- IF NOT EXISTS so applying it to a database that already has the platform's tables changes nothing.
--
-- The loaders' cursor for every stream is `updated_at`: each table carries `tenant_id` and
-- `updated_at timestamptz NOT NULL DEFAULT now()`, kept current by a BEFORE UPDATE trigger, and an
-- index on (tenant_id, updated_at) so a per-tenant window scan is an index range scan.
--
-- No foreign keys between source tables: the platform owns that integrity, and per-row FK checks
-- would double the time the generator needs to bulk-load tens of millions of schedule rows.
-- Money is numeric(18,2); timestamps are timestamptz (UTC).

-- Sets updated_at = now() on UPDATE unless the statement itself assigned a new updated_at.
-- Ordinary application writes never touch the column and get now(); the generator and tests
-- stamp rows explicitly (a row that "committed late" with an older timestamp, activity "at" a
-- chosen time), which a trigger that always overwrote would make impossible.
CREATE OR REPLACE FUNCTION public.lakehouse_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
    NEW.updated_at := now();
  END IF;
  RETURN NEW;
END;
$$;

CREATE TABLE IF NOT EXISTS public.tenants (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS public.loan_candidates (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  state text NOT NULL,                         -- intake | finalized | boarded | Active | …
  principal numeric(18,2),                     -- original principal
  note_rate numeric(7,4),                      -- annual rate in percent, e.g. 6.3750
  term_months integer,
  first_due_date date,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS public.loan_datapoints (
  loan_id uuid NOT NULL,
  tenant_id uuid NOT NULL,
  key text NOT NULL,                           -- LoanNumber, BorrowerFullName, BorrowerEmail, BorrowerPhone,
                                               -- PropertyCity, PropertyState, ProgramCode, InvestorId
  normalized_value text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (loan_id, key)
);

CREATE TABLE IF NOT EXISTS public.inv_investors (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  name text NOT NULL,
  delivery_type text NOT NULL,                 -- fannie | freddie | custom
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Sign conventions (the generator keeps them, so balances can be recomputed as of any date):
--   PAYMENT      amount = cash received = sum of the four allocations
--   FEE          a fee assessed (not cash): amount = alloc_fees
--   ADJUSTMENT   a signed correction to collected cash (usually interest)
--   DISBURSEMENT escrow paid out: amount > 0, alloc_escrow = -amount
--   BOARDING     loan boarded: amount = UPB at boarding, alloc_escrow = opening escrow balance
CREATE TABLE IF NOT EXISTS public.svc_txns (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  loan_id uuid NOT NULL,
  ts timestamptz NOT NULL,
  type text NOT NULL CHECK (type IN ('PAYMENT', 'DISBURSEMENT', 'ADJUSTMENT', 'FEE', 'BOARDING')),
  amount numeric(18,2) NOT NULL,
  alloc_principal numeric(18,2) NOT NULL DEFAULT 0,
  alloc_interest numeric(18,2) NOT NULL DEFAULT 0,
  alloc_escrow numeric(18,2) NOT NULL DEFAULT 0,
  alloc_fees numeric(18,2) NOT NULL DEFAULT 0,
  ref jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS svc_txns_loan_ts_idx ON public.svc_txns (loan_id, ts);

CREATE TABLE IF NOT EXISTS public.qc_rules (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  code text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('critical', 'major', 'minor')),
  description text,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, code)
);

CREATE TABLE IF NOT EXISTS public.qc_defects (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  loan_id uuid NOT NULL,
  rule_id uuid NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'resolved', 'waived')),
  status_at timestamptz NOT NULL DEFAULT now(),  -- when status last changed
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS public.exports (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  loan_id uuid NOT NULL,
  template text NOT NULL,                        -- fannie | freddie | custom
  status text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  status_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS public.notifications (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  loan_id uuid,
  template_code text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('email', 'sms', 'letter')),
  recipient text NOT NULL,                       -- PII: an email address, phone number or addressee
  status text NOT NULL CHECK (status IN ('queued', 'rendered', 'sent', 'failed', 'suppressed')),
  status_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS public.svc_schedule (
  loan_id uuid NOT NULL,
  tenant_id uuid NOT NULL,
  installment_no integer NOT NULL,
  due_date date NOT NULL,
  principal_due numeric(18,2) NOT NULL,
  interest_due numeric(18,2) NOT NULL,
  escrow_due numeric(18,2) NOT NULL DEFAULT 0,
  principal_balance_after numeric(18,2) NOT NULL,
  paid_at timestamptz,                           -- NULL while unpaid
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (loan_id, installment_no)
);

CREATE TABLE IF NOT EXISTS public.svc_escrow_sub (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  loan_id uuid NOT NULL,
  kind text NOT NULL,                            -- tax | hazard_insurance | …
  balance numeric(18,2) NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (loan_id, kind)
);

CREATE TABLE IF NOT EXISTS public.inv_remit_runs (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  investor_id uuid NOT NULL,
  period_end date NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, investor_id, period_end)
);

CREATE TABLE IF NOT EXISTS public.inv_remit_items (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  run_id uuid NOT NULL,
  loan_id uuid NOT NULL,
  principal_collected numeric(18,2) NOT NULL DEFAULT 0,
  interest_collected numeric(18,2) NOT NULL DEFAULT 0,
  escrow_collected numeric(18,2) NOT NULL DEFAULT 0,
  svc_fee numeric(18,2) NOT NULL DEFAULT 0,
  strip_io numeric(18,2) NOT NULL DEFAULT 0,
  net_remit numeric(18,2) NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (run_id, loan_id)
);

-- The loaders' window scans: WHERE tenant_id = $1 AND updated_at >= $from AND updated_at < $to.
CREATE INDEX IF NOT EXISTS tenants_updated_at_idx ON public.tenants (updated_at);
CREATE INDEX IF NOT EXISTS loan_candidates_tenant_updated_idx ON public.loan_candidates (tenant_id, updated_at);
CREATE INDEX IF NOT EXISTS loan_datapoints_tenant_updated_idx ON public.loan_datapoints (tenant_id, updated_at);
CREATE INDEX IF NOT EXISTS inv_investors_tenant_updated_idx ON public.inv_investors (tenant_id, updated_at);
CREATE INDEX IF NOT EXISTS svc_txns_tenant_updated_idx ON public.svc_txns (tenant_id, updated_at);
CREATE INDEX IF NOT EXISTS qc_rules_tenant_updated_idx ON public.qc_rules (tenant_id, updated_at);
CREATE INDEX IF NOT EXISTS qc_defects_tenant_updated_idx ON public.qc_defects (tenant_id, updated_at);
CREATE INDEX IF NOT EXISTS exports_tenant_updated_idx ON public.exports (tenant_id, updated_at);
CREATE INDEX IF NOT EXISTS notifications_tenant_updated_idx ON public.notifications (tenant_id, updated_at);
CREATE INDEX IF NOT EXISTS svc_schedule_tenant_updated_idx ON public.svc_schedule (tenant_id, updated_at);
CREATE INDEX IF NOT EXISTS svc_escrow_sub_tenant_updated_idx ON public.svc_escrow_sub (tenant_id, updated_at);
CREATE INDEX IF NOT EXISTS inv_remit_runs_tenant_updated_idx ON public.inv_remit_runs (tenant_id, updated_at);
CREATE INDEX IF NOT EXISTS inv_remit_items_tenant_updated_idx ON public.inv_remit_items (tenant_id, updated_at);
-- The servicing snapshot reads each tenant's loans' schedules.
CREATE INDEX IF NOT EXISTS svc_schedule_tenant_loan_idx ON public.svc_schedule (tenant_id, loan_id, installment_no);
CREATE INDEX IF NOT EXISTS svc_escrow_sub_tenant_loan_idx ON public.svc_escrow_sub (tenant_id, loan_id);
CREATE INDEX IF NOT EXISTS inv_remit_items_run_idx ON public.inv_remit_items (run_id);

CREATE OR REPLACE TRIGGER tenants_touch_updated_at BEFORE UPDATE ON public.tenants
  FOR EACH ROW EXECUTE FUNCTION public.lakehouse_touch_updated_at();
CREATE OR REPLACE TRIGGER loan_candidates_touch_updated_at BEFORE UPDATE ON public.loan_candidates
  FOR EACH ROW EXECUTE FUNCTION public.lakehouse_touch_updated_at();
CREATE OR REPLACE TRIGGER loan_datapoints_touch_updated_at BEFORE UPDATE ON public.loan_datapoints
  FOR EACH ROW EXECUTE FUNCTION public.lakehouse_touch_updated_at();
CREATE OR REPLACE TRIGGER inv_investors_touch_updated_at BEFORE UPDATE ON public.inv_investors
  FOR EACH ROW EXECUTE FUNCTION public.lakehouse_touch_updated_at();
CREATE OR REPLACE TRIGGER svc_txns_touch_updated_at BEFORE UPDATE ON public.svc_txns
  FOR EACH ROW EXECUTE FUNCTION public.lakehouse_touch_updated_at();
CREATE OR REPLACE TRIGGER qc_rules_touch_updated_at BEFORE UPDATE ON public.qc_rules
  FOR EACH ROW EXECUTE FUNCTION public.lakehouse_touch_updated_at();
CREATE OR REPLACE TRIGGER qc_defects_touch_updated_at BEFORE UPDATE ON public.qc_defects
  FOR EACH ROW EXECUTE FUNCTION public.lakehouse_touch_updated_at();
CREATE OR REPLACE TRIGGER exports_touch_updated_at BEFORE UPDATE ON public.exports
  FOR EACH ROW EXECUTE FUNCTION public.lakehouse_touch_updated_at();
CREATE OR REPLACE TRIGGER notifications_touch_updated_at BEFORE UPDATE ON public.notifications
  FOR EACH ROW EXECUTE FUNCTION public.lakehouse_touch_updated_at();
CREATE OR REPLACE TRIGGER svc_schedule_touch_updated_at BEFORE UPDATE ON public.svc_schedule
  FOR EACH ROW EXECUTE FUNCTION public.lakehouse_touch_updated_at();
CREATE OR REPLACE TRIGGER svc_escrow_sub_touch_updated_at BEFORE UPDATE ON public.svc_escrow_sub
  FOR EACH ROW EXECUTE FUNCTION public.lakehouse_touch_updated_at();
CREATE OR REPLACE TRIGGER inv_remit_runs_touch_updated_at BEFORE UPDATE ON public.inv_remit_runs
  FOR EACH ROW EXECUTE FUNCTION public.lakehouse_touch_updated_at();
CREATE OR REPLACE TRIGGER inv_remit_items_touch_updated_at BEFORE UPDATE ON public.inv_remit_items
  FOR EACH ROW EXECUTE FUNCTION public.lakehouse_touch_updated_at();
