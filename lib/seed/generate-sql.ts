/**
 * The generator's SQL, one statement per step, run in order inside one transaction per tenant.
 *
 * Everything is set-based: generate_series produces the rows, pg_temp.h/u (lib/seed/session.ts)
 * decide their attributes from md5(seed | row key), and temp tables (dropped at commit) hold the
 * intermediate loan and installment sets that several source tables are derived from. All
 * timestamps are computed from asOf, never from now(), so a seed and asOf always produce the same
 * rows; every generated timestamp is before asOf, so loaders find everything.
 *
 * The model, briefly:
 * - ~8% of loans are still in the pipeline (intake/finalized); the rest were boarded on a day in
 *   the window [asOf - days, asOf). 45% of boarded loans are servicing transfers (originated up to
 *   five years earlier, earlier installments paid to the prior servicer); the others are new
 *   originations with a first payment due on the 1st of the second month after boarding.
 * - Installments follow a level-payment amortisation schedule plus monthly escrow (tax + hazard
 *   insurance). Borrowers are current (80%: paid -5..+10 days around the due date, with the odd
 *   late payment), chronically late (8%: 8..28 days) or delinquent (12%: stopped paying so that
 *   the oldest unpaid installment is about 30-59, 60-89, 90-119 or 120+ days past due at asOf).
 * - A late charge (5% of principal and interest) is assessed 16 days after an unpaid due date;
 *   escrow pays property tax in April and October and insurance yearly.
 *
 * Identities the loaders and tests can rely on (per loan, for any date d up to asOf):
 *   UPB(d)    = principal_balance_after of the highest installment with paid_at::date <= d
 *               (the original principal when none is paid)
 *   escrow(d) = sum(svc_txns.alloc_escrow) over rows with ts::date <= d   (BOARDING carries the
 *               opening balance; DISBURSEMENT carries -amount); at asOf it equals the sum of the
 *               loan's svc_escrow_sub balances
 *   dpd(d)    = d - due_date of the oldest installment with due_date <= d and not paid by d
 */

/** $1 seed, $2 tenant number (1-based), $3 asOf, $4 days, $5 loans, $6 first names, $7 last names,
 *  $8 "City|ST", $9 area codes, $10 e-mail domains, $11 tenant name. */
export const CREATE_CONTEXT = `
CREATE TEMP TABLE seed_ctx ON COMMIT DROP AS
SELECT $1::bigint AS seed,
       $2::int AS tenant_no,
       $3::timestamptz AS as_of,
       ($3::timestamptz)::date AS as_of_date,
       $4::int AS days,
       ($3::timestamptz)::date - $4::int AS window_start,
       $5::int AS loans,
       pg_temp.did($1::bigint, 'tenant:' || $2::int) AS tenant_id,
       $6::text[] AS first_names,
       $7::text[] AS last_names,
       $8::text[] AS cities,
       $9::text[] AS area_codes,
       $10::text[] AS email_domains,
       $11::text AS tenant_name`;

/** Re-seeding replaces the tenant's source rows (tenant ids derive from the seed), so running the
 *  same seed twice leaves one copy. Reporting tables are not touched: facts are append-only. */
export const DELETE_TENANT: string[] = [
  'svc_txns', 'svc_schedule', 'svc_escrow_sub', 'loan_datapoints', 'loan_candidates', 'qc_defects',
  'qc_rules', 'exports', 'notifications', 'inv_remit_items', 'inv_remit_runs', 'inv_investors',
].map((t) => `DELETE FROM public.${t} WHERE tenant_id = (SELECT tenant_id FROM seed_ctx)`)
  .concat([`DELETE FROM public.tenants WHERE id = (SELECT tenant_id FROM seed_ctx)`]);

export const INSERT_TENANT = `
INSERT INTO public.tenants (id, name, active, created_at, updated_at)
SELECT c.tenant_id, c.tenant_name, true, c.window_start - 400 + time '07:00', c.window_start - 400 + time '07:00'
FROM seed_ctx c`;

export const INSERT_INVESTORS = `
INSERT INTO public.inv_investors (id, tenant_id, name, delivery_type, active, created_at, updated_at)
SELECT pg_temp.did(c.seed, c.tenant_no || ':investor:' || v.n), c.tenant_id, v.name, v.delivery_type, v.active,
       c.window_start - 390 + v.n + time '09:00',
       -- the inactive investor stopped buying halfway through the window: a dimension change to load
       CASE WHEN v.active THEN c.window_start - 390 + v.n + time '09:00'
            ELSE c.window_start + c.days / 2 + time '15:30' END
FROM seed_ctx c
CROSS JOIN (VALUES (1, 'Fannie Mae', 'fannie', true),
                   (2, 'Freddie Mac', 'freddie', true),
                   (3, 'Harborview Capital Trust', 'custom', true),
                   (4, 'Summit Private Credit', 'custom', false)) AS v(n, name, delivery_type, active)`;

export const INSERT_QC_RULES = `
INSERT INTO public.qc_rules (id, tenant_id, code, severity, description, active, created_at, updated_at)
SELECT pg_temp.did(c.seed, c.tenant_no || ':rule:' || v.n), c.tenant_id, v.code, v.severity, v.description, true,
       c.window_start - 395 + time '10:00', c.window_start - 395 + time '10:00'
FROM seed_ctx c
CROSS JOIN (VALUES (1, 'DTI_OVER_LIMIT', 'critical', 'Debt-to-income ratio above program limit'),
                   (2, 'LTV_OVER_LIMIT', 'critical', 'Loan-to-value ratio above program limit'),
                   (3, 'APPRAISAL_STALE', 'major', 'Appraisal older than 120 days at closing'),
                   (4, 'FLOOD_CERT_MISSING', 'major', 'Flood certificate not in file'),
                   (5, 'TITLE_POLICY_MISSING', 'major', 'Final title policy not received'),
                   (6, 'INCOME_DOCS_INCOMPLETE', 'major', 'Income documentation incomplete'),
                   (7, 'HOI_DEC_PAGE_MISSING', 'minor', 'Hazard insurance declarations page missing'),
                   (8, 'NOTE_ENDORSEMENT', 'minor', 'Note endorsement chain incomplete')) AS v(n, code, severity, description)`;

/** One row per loan with every attribute the later steps need. */
export const CREATE_LOANS = `
CREATE TEMP TABLE seed_loan ON COMMIT DROP AS
WITH base AS MATERIALIZED (
  SELECT c.seed, c.tenant_no, c.tenant_id, c.as_of, c.as_of_date, c.window_start, c.days, g.i,
         pg_temp.did(c.seed, c.tenant_no || ':loan:' || g.i) AS id,
         pg_temp.h(c.seed, c.tenant_no || ':loan:' || g.i || ':a') AS ha,
         pg_temp.h(c.seed, c.tenant_no || ':loan:' || g.i || ':b') AS hb,
         pg_temp.h(c.seed, c.tenant_no || ':loan:' || g.i || ':c') AS hc,
         pg_temp.h(c.seed, c.tenant_no || ':loan:' || g.i || ':d') AS hd,
         pg_temp.h(c.seed, c.tenant_no || ':loan:' || g.i || ':e') AS he,
         pg_temp.h(c.seed, c.tenant_no || ':loan:' || g.i || ':f') AS hf,
         c.first_names, c.last_names, c.cities, c.area_codes, c.email_domains
  FROM seed_ctx c CROSS JOIN generate_series(1, c.loans) AS g(i)
), u AS (
  SELECT b.*,
         pg_temp.u(ha, 0) AS u_kind, pg_temp.u(ha, 1) AS u_board, pg_temp.u(ha, 2) AS u_tod, pg_temp.u(ha, 3) AS u_transfer,
         pg_temp.u(hb, 0) AS u_age, pg_temp.u(hb, 1) AS u_age2, pg_temp.u(hb, 2) AS u_term, pg_temp.u(hb, 3) AS u_principal,
         pg_temp.u(hc, 0) AS u_rate, pg_temp.u(hc, 1) AS u_behav, pg_temp.u(hc, 2) AS u_dpd, pg_temp.u(hc, 3) AS u_dpd2,
         pg_temp.u(hd, 0) AS u_investor, pg_temp.u(hd, 1) AS u_tax, pg_temp.u(hd, 2) AS u_first, pg_temp.u(hd, 3) AS u_last,
         pg_temp.u(he, 0) AS u_city, pg_temp.u(he, 1) AS u_area, pg_temp.u(he, 2) AS u_phone, pg_temp.u(he, 3) AS u_pref,
         pg_temp.u(hf, 0) AS u_prog, pg_temp.u(hf, 1) AS u_change, pg_temp.u(hf, 2) AS u_change_at, pg_temp.u(hf, 3) AS u_qc
  FROM base b
), shaped AS (
  SELECT u.*,
         u_kind < 0.08 AS pipeline,
         CASE WHEN u_kind < 0.04 THEN 'intake' WHEN u_kind < 0.08 THEN 'finalized' END AS pipeline_state,
         window_start + floor(u_board * days)::int AS board_date,
         u_transfer < 0.45 AS transfer,
         CASE WHEN u_term < 0.70 THEN 360 WHEN u_term < 0.90 THEN 180 ELSE 240 END AS term,
         (round(exp(ln(90000) + u_principal * ln(850000.0 / 90000)) / 100) * 100)::numeric(18,2) AS principal,
         (3.0 + floor(u_rate * 37) * 0.125)::numeric(7,4) AS note_rate,
         CASE WHEN u_behav < 0.80 THEN 'current' WHEN u_behav < 0.88 THEN 'late' ELSE 'delinquent' END AS behaviour,
         CASE WHEN u_dpd < 0.35 THEN 30 + floor(u_dpd2 * 30)
              WHEN u_dpd < 0.60 THEN 60 + floor(u_dpd2 * 30)
              WHEN u_dpd < 0.80 THEN 90 + floor(u_dpd2 * 30)
              ELSE 120 + floor(u_dpd2 * 280) END::int AS dpd_target,
         first_names[1 + floor(u_first * array_length(first_names, 1))::int] AS first_name,
         last_names[1 + floor(u_last * array_length(last_names, 1))::int] AS last_name,
         cities[1 + floor(u_city * array_length(cities, 1))::int] AS city_state,
         CASE WHEN u_pref < 0.60 THEN 'email' WHEN u_pref < 0.80 THEN 'sms' ELSE 'letter' END AS pref_channel
  FROM u
)
SELECT s.seed, s.tenant_no, s.tenant_id, s.as_of, s.as_of_date, s.window_start, s.i, s.id,
       s.pipeline, s.pipeline_state, s.transfer, s.term, s.principal, s.note_rate, s.behaviour, s.dpd_target, s.pref_channel, s.u_qc,
       CASE WHEN s.pipeline THEN NULL ELSE s.board_date END AS board_date,
       CASE WHEN s.pipeline THEN NULL ELSE (s.board_date + time '08:00' + s.u_tod * interval '10 hours')::timestamptz END AS board_ts,
       CASE WHEN s.pipeline
            THEN (s.as_of_date - 1 - floor(s.u_board * least(s.days, 30))::int + time '09:00' + s.u_tod * interval '8 hours')::timestamptz
            ELSE (s.board_date - 10 - floor(s.u_age2 * 30)::int + time '09:00' + s.u_tod * interval '8 hours')::timestamptz
       END AS created_at,
       CASE WHEN s.pipeline THEN NULL
            WHEN s.transfer THEN (date_trunc('month', s.board_date) - (1 + floor(s.u_age * 60)::int) * interval '1 month')::date
            ELSE (date_trunc('month', s.board_date) + interval '2 months')::date END AS first_due_date,
       CASE WHEN s.pipeline OR s.u_investor >= 0.97 THEN NULL
            WHEN s.u_investor < 0.45 THEN 1 WHEN s.u_investor < 0.78 THEN 2 WHEN s.u_investor < 0.93 THEN 3 ELSE 4 END AS investor_no,
       -- monthly rate as a plain column: passing an expression to pg_temp.bal would stop the
       -- planner inlining it (an "expensive" argument used more than once), costing ~25 µs a call
       (s.note_rate / 1200)::double precision AS r,
       round(s.principal * (0.008 + s.u_tax * 0.012)::numeric / 12, 2) AS tax_m,
       round(s.principal * 0.00035, 2) AS ins_m,
       'LN' || to_char(s.tenant_no, 'FM00') || '-' || to_char(s.i, 'FM0000000') AS loan_number,
       s.first_name || ' ' || s.last_name AS full_name,
       regexp_replace(lower(s.first_name || '.' || s.last_name), '[^a-z.]', '', 'g') || (s.i % 97)
         || '@' || s.email_domains[1 + s.i % array_length(s.email_domains, 1)] AS email,
       '+1-' || s.area_codes[1 + floor(s.u_area * array_length(s.area_codes, 1))::int] || '-555-'
         || lpad(floor(s.u_phone * 10000)::int::text, 4, '0') AS phone,
       split_part(s.city_state, '|', 1) AS city,
       split_part(s.city_state, '|', 2) AS state_code,
       CASE WHEN s.term = 180 THEN 'CONV15' WHEN s.term = 240 THEN 'CONV20'
            WHEN s.principal > 766550 THEN 'JUMBO30'
            WHEN s.u_prog < 0.70 THEN 'CONV30' WHEN s.u_prog < 0.88 THEN 'FHA30' ELSE 'VA30' END AS program_code,
       -- 5% of borrowers changed their phone number after boarding: dim_loan has updates to load
       (NOT s.pipeline AND s.u_change < 0.05 AND s.board_date < s.as_of_date - 2) AS phone_changed,
       s.u_change_at
FROM shaped s`;

export const INDEX_LOANS = `CREATE INDEX ON seed_loan (id)`;

export const INSERT_LOAN_CANDIDATES = `
INSERT INTO public.loan_candidates (id, tenant_id, state, principal, note_rate, term_months, first_due_date, created_at, updated_at)
SELECT l.id, l.tenant_id,
       CASE WHEN l.pipeline THEN l.pipeline_state
            WHEN l.first_due_date > l.as_of_date THEN 'boarded'
            ELSE 'Active' END,
       l.principal, l.note_rate, l.term, l.first_due_date, l.created_at,
       COALESCE(l.board_ts, l.created_at)
FROM seed_loan l`;

export const INSERT_DATAPOINTS = `
INSERT INTO public.loan_datapoints (loan_id, tenant_id, key, normalized_value, created_at, updated_at)
SELECT l.id, l.tenant_id, v.key, v.value, l.created_at, v.updated_at
FROM seed_loan l
CROSS JOIN LATERAL (VALUES
  ('LoanNumber', l.loan_number, l.created_at),
  ('BorrowerFullName', l.full_name, l.created_at),
  ('BorrowerEmail', l.email, l.created_at),
  ('BorrowerPhone', l.phone,
     CASE WHEN l.phone_changed
          THEN l.board_ts + floor(l.u_change_at * (l.as_of_date - l.board_date - 1)) * interval '1 day'
          ELSE l.created_at END),
  ('PropertyCity', l.city, l.created_at),
  ('PropertyState', l.state_code, l.created_at),
  ('ProgramCode', l.program_code, l.created_at),
  ('InvestorId', pg_temp.did(l.seed, l.tenant_no || ':investor:' || l.investor_no)::text, l.board_ts)
) AS v(key, value, updated_at)
WHERE v.value IS NOT NULL`;

/**
 * Installments billed by asOf (due before asOf + 16 days: their statement has gone out), with the
 * payment model. Later installments are never paid, so they need no randomness.
 */
export const CREATE_BILLED = `
CREATE TEMP TABLE seed_billed ON COMMIT DROP AS
WITH inst AS MATERIALIZED (
  SELECT l.tenant_id, l.id AS loan_id, l.seed, l.tenant_no, l.i AS loan_no, l.board_ts, l.board_date, l.as_of, l.as_of_date,
         l.behaviour, l.dpd_target, l.principal, l.note_rate, l.r, l.term, l.tax_m, l.ins_m, l.pref_channel,
         l.email, l.phone, l.full_name,
         g.k,
         (l.first_due_date + (g.k - 1) * interval '1 month')::date AS due_date,
         pg_temp.h(l.seed, l.tenant_no || ':loan:' || l.i || ':inst:' || g.k) AS hk,
         pg_temp.h(l.seed, l.tenant_no || ':loan:' || l.i || ':inst:' || g.k || ':n') AS hn
  FROM seed_loan l
  -- only up to the installment due in asOf + 16's month, not the whole term
  CROSS JOIN LATERAL generate_series(1, least(l.term,
    ((extract(year FROM l.as_of_date + 16) - extract(year FROM l.first_due_date)) * 12
     + extract(month FROM l.as_of_date + 16) - extract(month FROM l.first_due_date))::int + 1)) AS g(k)
  WHERE NOT l.pipeline
    AND (l.first_due_date + (g.k - 1) * interval '1 month')::date < l.as_of_date + 16
), modeled AS (
  SELECT i.*,
         pg_temp.u(hk, 0) AS u1, pg_temp.u(hk, 1) AS u2, pg_temp.u(hk, 2) AS u3, pg_temp.u(hk, 3) AS u4,
         pg_temp.bal(i.principal, i.r, i.term, i.k - 1) AS bal_before,
         pg_temp.bal(i.principal, i.r, i.term, i.k) AS bal_after
  FROM inst i
), timed AS (
  SELECT m.*,
         CASE WHEN m.behaviour = 'late' THEN 8 + floor(m.u1 * 21)
              WHEN m.u2 < 0.05 THEN 16 + floor(m.u1 * 12)
              ELSE -5 + floor(m.u1 * 16) END::int AS delay_days
  FROM modeled m
), candidate AS (
  SELECT t.*,
         (t.due_date + t.delay_days < t.as_of_date
          AND NOT (t.behaviour = 'delinquent' AND t.due_date >= t.as_of_date - t.dpd_target)) AS payable,
         (t.due_date + t.delay_days + time '08:00' + t.u3 * interval '12 hours')::timestamptz AS pay_ts
  FROM timed t
), ordered AS (
  -- Payments apply oldest installment first: an installment is paid only if every earlier one
  -- is, and never before an earlier one.
  SELECT c.*,
         bool_and(c.payable) OVER w AS paid,
         max(c.pay_ts) OVER w AS paid_ts
  FROM candidate c
  WINDOW w AS (PARTITION BY c.loan_id ORDER BY c.k)
)
SELECT o.tenant_id, o.loan_id, o.seed, o.tenant_no, o.loan_no, o.k, o.due_date, o.board_ts, o.board_date, o.as_of, o.as_of_date,
       o.pref_channel, o.email, o.phone, o.full_name, o.note_rate, o.hn, o.u4,
       o.bal_before - o.bal_after AS principal_due,
       round(o.bal_before * o.note_rate / 1200, 2) AS interest_due,
       o.tax_m, o.ins_m, o.tax_m + o.ins_m AS escrow_due,
       o.bal_after,
       CASE WHEN o.paid THEN o.paid_ts END AS paid_at,
       -- a late charge we assessed: 16 days after the due date, while the loan was ours, before asOf
       (((o.paid AND o.paid_ts::date - o.due_date > 15) OR (NOT o.paid AND o.due_date + 16 < o.as_of_date))
         AND o.due_date + 16 >= o.board_date AND o.due_date + 16 < o.as_of_date) AS late_fee_assessed,
       round(0.05 * ((o.bal_before - o.bal_after) + round(o.bal_before * o.note_rate / 1200, 2)), 2) AS late_fee
FROM ordered o`;

export const INDEX_BILLED = `CREATE INDEX ON seed_billed (loan_id, k)`;

export const INSERT_SCHEDULE = `
INSERT INTO public.svc_schedule (loan_id, tenant_id, installment_no, due_date, principal_due, interest_due, escrow_due,
                                 principal_balance_after, paid_at, created_at, updated_at)
SELECT s.loan_id, s.tenant_id, s.k, s.due_date,
       s.bal_before - s.bal_after,
       round(s.bal_before * s.note_rate / 1200, 2),
       s.tax_m + s.ins_m,
       s.bal_after,
       b.paid_at,
       s.board_ts,
       GREATEST(s.board_ts, b.paid_at)
FROM (
  SELECT l.id AS loan_id, l.tenant_id, l.note_rate, l.r, l.principal, l.term, l.tax_m, l.ins_m, l.board_ts, g.k,
         (l.first_due_date + (g.k - 1) * interval '1 month')::date AS due_date,
         pg_temp.bal(l.principal, l.r, l.term, g.k - 1) AS bal_before,
         pg_temp.bal(l.principal, l.r, l.term, g.k) AS bal_after
  FROM seed_loan l
  CROSS JOIN LATERAL generate_series(1, l.term) AS g(k)
  WHERE NOT l.pipeline
) s
-- Rows arrive grouped by loan (generation order), so each loan's index entries land together; a
-- sort into key order measured slower (a multi-GB spill at benchmark scale) for no gain.
LEFT JOIN seed_billed b ON b.loan_id = s.loan_id AND b.k = s.k`;

/** Every transaction, before it is copied into svc_txns and summed into escrow and remittance. */
export const CREATE_TXNS = `
CREATE TEMP TABLE seed_txn ON COMMIT DROP AS
WITH boarding AS (
  SELECT l.*,
         COALESCE((SELECT b.bal_after FROM seed_billed b
                   WHERE b.loan_id = l.id AND b.paid_at < l.board_ts ORDER BY b.k DESC LIMIT 1), l.principal) AS upb_at_boarding
  FROM seed_loan l
  WHERE NOT l.pipeline
), months AS (
  SELECT l.id AS loan_id, l.tenant_id, l.seed, l.tenant_no, l.i, l.board_date, l.as_of_date, l.tax_m, l.ins_m,
         extract(month FROM l.first_due_date)::int AS ins_month,
         gm.m::date AS month_start
  FROM seed_loan l
  CROSS JOIN LATERAL generate_series(date_trunc('month', l.board_date), date_trunc('month', l.as_of_date), interval '1 month') AS gm(m)
  WHERE NOT l.pipeline
)
-- BOARDING: the loan arrives with its UPB and an opening escrow deposit covering the next
-- tax instalment and a year of insurance.
SELECT pg_temp.did(b.seed, b.id || ':boarding') AS id, b.tenant_id, b.id AS loan_id, b.board_ts AS ts, 'BOARDING' AS type,
       b.upb_at_boarding AS amount, 0::numeric AS alloc_principal, 0::numeric AS alloc_interest,
       b.tax_m * 6 + b.ins_m * 12 AS alloc_escrow, 0::numeric AS alloc_fees,
       jsonb_build_object('source', CASE WHEN b.transfer THEN 'servicing_transfer' ELSE 'origination' END,
                          'original_principal', b.principal) AS ref,
       b.board_ts + interval '2 minutes' AS created_at,
       NULL::int AS installment_no
FROM boarding b
UNION ALL
-- PAYMENT: principal, interest, escrow and any late charge of one installment.
SELECT pg_temp.did(s.seed, s.loan_id || ':pay:' || s.k), s.tenant_id, s.loan_id, s.paid_at, 'PAYMENT',
       s.principal_due + s.interest_due + s.escrow_due + CASE WHEN s.late_fee_assessed THEN s.late_fee ELSE 0 END,
       s.principal_due, s.interest_due, s.escrow_due, CASE WHEN s.late_fee_assessed THEN s.late_fee ELSE 0 END,
       jsonb_build_object('installment_no', s.k,
                          'method', (ARRAY['ACH', 'ACH', 'ACH', 'online', 'check'])[1 + floor(s.u4 * 5)::int]),
       s.paid_at + (5 + floor(s.u4 * 90)) * interval '1 second',
       s.k
FROM seed_billed s
WHERE s.paid_at >= s.board_ts
UNION ALL
-- FEE: late charge assessed (not cash; collected by the next payment if there is one).
SELECT pg_temp.did(s.seed, s.loan_id || ':latefee:' || s.k), s.tenant_id, s.loan_id,
       (s.due_date + 16 + time '06:00')::timestamptz, 'FEE',
       s.late_fee, 0, 0, 0, s.late_fee,
       jsonb_build_object('fee', 'LATE_CHARGE', 'installment_no', s.k),
       (s.due_date + 16 + time '06:00')::timestamptz + interval '30 seconds',
       s.k
FROM seed_billed s
WHERE s.late_fee_assessed
UNION ALL
-- ADJUSTMENT: 1.5% of payments get an interest correction three days later.
SELECT pg_temp.did(s.seed, s.loan_id || ':adj:' || s.k), s.tenant_id, s.loan_id, s.paid_at + interval '3 days', 'ADJUSTMENT',
       a.amount, 0, a.amount, 0, 0,
       jsonb_build_object('reason', 'INTEREST_RECALC', 'payment_txn_id', pg_temp.did(s.seed, s.loan_id || ':pay:' || s.k)),
       s.paid_at + interval '3 days' + interval '45 seconds',
       s.k
FROM seed_billed s
CROSS JOIN LATERAL (SELECT round((pg_temp.u(s.hn, 3) * 50 - 25)::numeric, 2) AS amount) a
WHERE s.paid_at >= s.board_ts AND s.u4 < 0.015 AND a.amount <> 0
  AND s.paid_at + interval '3 days 1 minute' < s.as_of
UNION ALL
-- DISBURSEMENT: property tax on April 15 and October 15, hazard insurance yearly on the 20th of
-- the loan's anniversary month; the servicer advances them even when the borrower is delinquent.
SELECT pg_temp.did(m.seed, m.loan_id || ':disb:' || v.kind || ':' || m.month_start), m.tenant_id, m.loan_id,
       (m.month_start + v.day_offset + time '11:00')::timestamptz, 'DISBURSEMENT',
       v.amount, 0, 0, -v.amount, 0,
       jsonb_build_object('escrow_kind', v.kind, 'payee', v.payee),
       (m.month_start + v.day_offset + time '11:00')::timestamptz + interval '1 minute',
       NULL
FROM months m
CROSS JOIN LATERAL (VALUES
  ('tax', 14, m.tax_m * 6, 'County Tax Collector', extract(month FROM m.month_start)::int IN (4, 10)),
  ('hazard_insurance', 19, m.ins_m * 12, 'Homeowners Insurance Co', extract(month FROM m.month_start)::int = m.ins_month)
) AS v(kind, day_offset, amount, payee, due)
WHERE v.due AND m.month_start + v.day_offset > m.board_date AND m.month_start + v.day_offset < m.as_of_date`;

/** 2% of payments are reconciled the next day: an update after the insert, as in production. */
export const INSERT_TXNS = `
INSERT INTO public.svc_txns (id, tenant_id, loan_id, ts, type, amount, alloc_principal, alloc_interest, alloc_escrow,
                             alloc_fees, ref, created_at, updated_at)
SELECT t.id, t.tenant_id, t.loan_id, t.ts, t.type, t.amount, t.alloc_principal, t.alloc_interest, t.alloc_escrow,
       t.alloc_fees,
       CASE WHEN r.reconciled THEN t.ref || jsonb_build_object('reconciled_at', t.created_at + interval '1 day') ELSE t.ref END,
       t.created_at,
       CASE WHEN r.reconciled THEN t.created_at + interval '1 day' ELSE t.created_at END
FROM seed_txn t
CROSS JOIN seed_ctx c
CROSS JOIN LATERAL (SELECT t.type = 'PAYMENT' AND t.created_at + interval '1 day' < c.as_of
                           AND pg_temp.u(pg_temp.h(c.seed, t.id::text), 0) < 0.02 AS reconciled) r`;

export const INSERT_ESCROW_SUB = `
INSERT INTO public.svc_escrow_sub (id, tenant_id, loan_id, kind, balance, created_at, updated_at)
SELECT pg_temp.did(l.seed, l.id || ':escrow:' || v.kind), l.tenant_id, l.id, v.kind,
       v.opening + v.monthly * COALESCE(p.payments, 0) - COALESCE(d.amount, 0),
       l.board_ts,
       GREATEST(l.board_ts, p.last_at, d.last_at)
FROM seed_loan l
CROSS JOIN LATERAL (VALUES ('tax', l.tax_m * 6, l.tax_m), ('hazard_insurance', l.ins_m * 12, l.ins_m)) AS v(kind, opening, monthly)
LEFT JOIN LATERAL (
  SELECT count(*) AS payments, max(t.created_at) AS last_at
  FROM seed_txn t WHERE t.loan_id = l.id AND t.type = 'PAYMENT'
) p ON true
LEFT JOIN LATERAL (
  SELECT sum(t.amount) AS amount, max(t.created_at) AS last_at
  FROM seed_txn t WHERE t.loan_id = l.id AND t.type = 'DISBURSEMENT' AND t.ref->>'escrow_kind' = v.kind
) d ON true
WHERE NOT l.pipeline`;

export const INDEX_TXNS = `CREATE INDEX ON seed_txn (loan_id, type)`;

/** QC findings around boarding (or finalization); most are resolved or waived weeks later. */
export const INSERT_QC_DEFECTS = `
INSERT INTO public.qc_defects (id, tenant_id, loan_id, rule_id, status, status_at, created_at, updated_at)
SELECT x.id, x.tenant_id, x.loan_id, x.rule_id,
       CASE WHEN x.closed_at < x.as_of THEN x.final_status ELSE 'open' END,
       CASE WHEN x.closed_at < x.as_of THEN x.closed_at ELSE x.created_at END,
       x.created_at,
       CASE WHEN x.closed_at < x.as_of THEN x.closed_at ELSE x.created_at END
FROM (
  SELECT pg_temp.did(l.seed, l.id || ':defect:' || j) AS id, l.tenant_id, l.id AS loan_id, l.as_of,
         pg_temp.did(l.seed, l.tenant_no || ':rule:' || (1 + floor(pg_temp.u(h, 0) * 8)::int)) AS rule_id,
         CASE WHEN l.pipeline THEN 'open'
              WHEN pg_temp.u(h, 1) < 0.55 THEN 'resolved' WHEN pg_temp.u(h, 1) < 0.72 THEN 'waived' ELSE 'open' END AS final_status,
         least(COALESCE(l.board_ts, l.created_at) + (pg_temp.u(h, 2) * 5 - 2) * interval '1 day', l.as_of - interval '1 hour') AS created_at,
         least(COALESCE(l.board_ts, l.created_at) + (pg_temp.u(h, 2) * 5 - 2) * interval '1 day', l.as_of - interval '1 hour')
           + (1 + pg_temp.u(h, 3) * 40) * interval '1 day' AS closed_at
  FROM seed_loan l
  CROSS JOIN generate_series(1, 2) AS j
  CROSS JOIN LATERAL (SELECT pg_temp.h(l.seed, l.id || ':defect:' || j) AS h) hh
  WHERE (j = 1 AND l.u_qc < 0.35) OR (j = 2 AND l.u_qc < 0.10)
) x`;

/** One delivery export per sold loan after boarding; failures are retried the next day. */
export const INSERT_EXPORTS = `
INSERT INTO public.exports (id, tenant_id, loan_id, template, status, status_at, created_at, updated_at)
WITH first_try AS (
  SELECT l.seed, l.id AS loan_id, l.tenant_id, l.as_of,
         CASE l.investor_no WHEN 1 THEN 'fannie' WHEN 2 THEN 'freddie' ELSE 'custom' END AS template,
         l.board_ts + (1 + pg_temp.u(h, 0) * 9) * interval '1 day' AS created_at,
         pg_temp.u(h, 1) AS u_status, pg_temp.u(h, 2) AS u_dur, pg_temp.u(h, 3) AS u_retry
  FROM seed_loan l
  CROSS JOIN LATERAL (SELECT pg_temp.h(l.seed, l.id || ':export') AS h) hh
  WHERE l.investor_no IS NOT NULL
), attempts AS (
  SELECT pg_temp.did(f.seed, f.loan_id || ':export:1') AS id, f.tenant_id, f.loan_id, f.template, f.created_at, f.as_of,
         CASE WHEN f.u_status < 0.90 THEN 'succeeded' WHEN f.u_status < 0.96 THEN 'failed'
              WHEN f.u_status < 0.98 THEN 'running' ELSE 'queued' END AS status, f.u_dur
  FROM first_try f
  WHERE f.created_at < f.as_of
  UNION ALL
  SELECT pg_temp.did(f.seed, f.loan_id || ':export:2'), f.tenant_id, f.loan_id, f.template, f.created_at + interval '1 day', f.as_of,
         CASE WHEN f.u_retry < 0.85 THEN 'succeeded' ELSE 'failed' END, f.u_retry
  FROM first_try f
  WHERE f.u_status >= 0.90 AND f.u_status < 0.96 AND f.created_at + interval '1 day' < f.as_of
), settled AS (
  -- an export still queued or running two days later is not plausible: it finished
  SELECT a.*,
         CASE WHEN a.status IN ('queued', 'running') AND a.created_at < a.as_of - interval '2 days' THEN 'succeeded' ELSE a.status END AS final_status
  FROM attempts a
)
SELECT s.id, s.tenant_id, s.loan_id, s.template, s.final_status, x.status_at, s.created_at, x.status_at
FROM settled s
CROSS JOIN LATERAL (SELECT greatest(s.created_at,
                                   least(CASE s.final_status WHEN 'queued' THEN s.created_at
                                                             WHEN 'running' THEN s.created_at + interval '2 minutes'
                                                             ELSE s.created_at + (5 + s.u_dur * 115) * interval '1 minute' END,
                                         s.as_of - interval '1 second')) AS status_at) x`;

/**
 * Borrower notices: a welcome letter/e-mail at boarding, a monthly statement 15 days before each
 * due date, and a late notice (by letter) 16 days after a missed due date. Nearly all are sent;
 * the last day's are still queued or rendered, for appendActivity to move on.
 */
export const INSERT_NOTIFICATIONS = `
INSERT INTO public.notifications (id, tenant_id, loan_id, template_code, channel, recipient, status, status_at, created_at, updated_at)
WITH raw AS (
  SELECT pg_temp.did(l.seed, l.id || ':notify:welcome') AS id, l.tenant_id, l.id AS loan_id, 'WELCOME' AS template_code,
         l.pref_channel AS channel, l.email, l.phone, l.full_name,
         l.board_ts + interval '1 day' AS created_at, l.as_of,
         pg_temp.h(l.seed, l.id || ':notify:welcome') AS h
  FROM seed_loan l
  WHERE NOT l.pipeline
  UNION ALL
  SELECT pg_temp.did(b.seed, b.loan_id || ':notify:statement:' || b.k), b.tenant_id, b.loan_id, 'MONTHLY_STATEMENT',
         CASE WHEN b.pref_channel = 'sms' THEN 'email' ELSE b.pref_channel END, b.email, b.phone, b.full_name,
         (b.due_date - 15 + time '06:00')::timestamptz + pg_temp.u(b.hn, 0) * interval '3 hours', b.as_of, b.hn
  FROM seed_billed b
  WHERE b.due_date - 15 >= b.board_date
  UNION ALL
  SELECT pg_temp.did(b.seed, b.loan_id || ':notify:late:' || b.k), b.tenant_id, b.loan_id, 'LATE_NOTICE',
         'letter', b.email, b.phone, b.full_name,
         (b.due_date + 16 + time '09:00')::timestamptz, b.as_of, b.hn
  FROM seed_billed b
  WHERE b.late_fee_assessed
), statused AS (
  SELECT r.*,
         CASE WHEN r.created_at >= r.as_of - interval '1 day' THEN
                CASE WHEN pg_temp.u(r.h, 1) < 0.5 THEN 'queued' ELSE 'rendered' END
              WHEN pg_temp.u(r.h, 1) < 0.94 THEN 'sent'
              WHEN pg_temp.u(r.h, 1) < 0.97 THEN 'failed'
              ELSE 'suppressed' END AS status,
         pg_temp.u(r.h, 2) AS u_dur
  FROM raw r
  WHERE r.created_at < r.as_of
)
SELECT s.id, s.tenant_id, s.loan_id, s.template_code, s.channel,
       CASE s.channel WHEN 'email' THEN s.email WHEN 'sms' THEN s.phone ELSE s.full_name END,
       s.status, x.status_at, s.created_at, x.status_at
FROM statused s
CROSS JOIN LATERAL (SELECT greatest(s.created_at,
                                   least(CASE s.status WHEN 'queued' THEN s.created_at
                                                       WHEN 'suppressed' THEN s.created_at
                                                       ELSE s.created_at + (1 + s.u_dur * 29) * interval '1 minute' END,
                                         s.as_of - interval '1 second')) AS status_at) x`;

/**
 * Monthly remittance: for each investor and month ending before asOf, one run (created five days
 * after period end) with one item per loan that paid anything that month. Escrow stays with the
 * servicer; the investor receives principal and interest less the 25 bp servicing fee and, for
 * private investors, a 12.5 bp excess-servicing strip.
 */
export const INSERT_REMIT_RUNS = `
INSERT INTO public.inv_remit_runs (id, tenant_id, investor_id, period_end, created_at, updated_at)
SELECT DISTINCT
       pg_temp.did(c.seed, c.tenant_no || ':remit:' || l.investor_no || ':' || (date_trunc('month', t.ts) + interval '1 month - 1 day')::date),
       c.tenant_id,
       pg_temp.did(c.seed, c.tenant_no || ':investor:' || l.investor_no),
       (date_trunc('month', t.ts) + interval '1 month - 1 day')::date,
       ((date_trunc('month', t.ts) + interval '1 month - 1 day')::date + 5 + time '10:00')::timestamptz,
       ((date_trunc('month', t.ts) + interval '1 month - 1 day')::date + 5 + time '10:00')::timestamptz
FROM seed_txn t
JOIN seed_loan l ON l.id = t.loan_id
CROSS JOIN seed_ctx c
WHERE l.investor_no IS NOT NULL AND t.type IN ('PAYMENT', 'ADJUSTMENT')
  AND ((date_trunc('month', t.ts) + interval '1 month - 1 day')::date + 5 + time '10:00')::timestamptz < c.as_of`;

export const INSERT_REMIT_ITEMS = `
INSERT INTO public.inv_remit_items (id, tenant_id, run_id, loan_id, principal_collected, interest_collected, escrow_collected,
                                    svc_fee, strip_io, net_remit, created_at, updated_at)
SELECT pg_temp.did(c.seed, a.run_key || ':' || a.loan_id), c.tenant_id, pg_temp.did(c.seed, a.run_key), a.loan_id,
       a.principal, a.interest, a.escrow, f.svc_fee, f.strip_io, a.principal + a.interest - f.svc_fee - f.strip_io,
       a.run_created_at, a.run_created_at
FROM (
  SELECT c.tenant_no || ':remit:' || l.investor_no || ':' || (date_trunc('month', t.ts) + interval '1 month - 1 day')::date AS run_key,
         ((date_trunc('month', t.ts) + interval '1 month - 1 day')::date + 5 + time '10:00')::timestamptz AS run_created_at,
         t.loan_id, l.investor_no, l.note_rate,
         sum(t.alloc_principal) AS principal, sum(t.alloc_interest) AS interest, sum(t.alloc_escrow) AS escrow
  FROM seed_txn t
  JOIN seed_loan l ON l.id = t.loan_id
  CROSS JOIN seed_ctx c
  WHERE l.investor_no IS NOT NULL AND t.type IN ('PAYMENT', 'ADJUSTMENT')
  GROUP BY 1, 2, t.loan_id, l.investor_no, l.note_rate
) a
CROSS JOIN seed_ctx c
CROSS JOIN LATERAL (SELECT round(a.interest * 0.25 / a.note_rate, 2) AS svc_fee,
                           CASE WHEN a.investor_no >= 3 THEN round(a.interest * 0.125 / a.note_rate, 2) ELSE 0 END AS strip_io) f
WHERE a.run_created_at < c.as_of`;

/** The per-tenant steps in order; `table` names the source table whose row count a step adds to. */
export const TENANT_STEPS: { name: string; sql: string; table?: string }[] = [
  ...DELETE_TENANT.map((sql, i) => ({ name: `delete_${i}`, sql })),
  { name: 'tenant', sql: INSERT_TENANT, table: 'tenants' },
  { name: 'investors', sql: INSERT_INVESTORS, table: 'inv_investors' },
  { name: 'qc_rules', sql: INSERT_QC_RULES, table: 'qc_rules' },
  { name: 'loans', sql: CREATE_LOANS },
  { name: 'loans_index', sql: INDEX_LOANS },
  { name: 'loans_analyze', sql: 'ANALYZE seed_loan' },
  { name: 'loan_candidates', sql: INSERT_LOAN_CANDIDATES, table: 'loan_candidates' },
  { name: 'loan_datapoints', sql: INSERT_DATAPOINTS, table: 'loan_datapoints' },
  { name: 'billed', sql: CREATE_BILLED },
  { name: 'billed_index', sql: INDEX_BILLED },
  { name: 'billed_analyze', sql: 'ANALYZE seed_billed' },
  { name: 'svc_schedule', sql: INSERT_SCHEDULE, table: 'svc_schedule' },
  { name: 'txns', sql: CREATE_TXNS },
  { name: 'txns_index', sql: INDEX_TXNS },
  { name: 'txns_analyze', sql: 'ANALYZE seed_txn' },
  { name: 'svc_txns', sql: INSERT_TXNS, table: 'svc_txns' },
  { name: 'svc_escrow_sub', sql: INSERT_ESCROW_SUB, table: 'svc_escrow_sub' },
  { name: 'qc_defects', sql: INSERT_QC_DEFECTS, table: 'qc_defects' },
  { name: 'exports', sql: INSERT_EXPORTS, table: 'exports' },
  { name: 'notifications', sql: INSERT_NOTIFICATIONS, table: 'notifications' },
  { name: 'inv_remit_runs', sql: INSERT_REMIT_RUNS, table: 'inv_remit_runs' },
  { name: 'inv_remit_items', sql: INSERT_REMIT_ITEMS, table: 'inv_remit_items' },
];
