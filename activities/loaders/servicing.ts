/**
 * fact_servicing: one row per boarded loan per day, computed *as of* that day from history alone, so
 * a snapshot backfilled for a past date equals what the nightly run wrote that night (given the
 * same source rows), and rerunning a date inserts nothing (unique (tenant_id, loan_id, d)).
 *
 * As of date D (UTC), with cutoff = D+1 00:00Z (data strictly before it, i.e. ts::date <= D):
 * - Population: loans with a BOARDING transaction before the cutoff. A loan boarded later has no
 *   servicing state on D yet; a paid-off loan stays in with UPB 0.
 * - UPB = the BOARDING amount (the unpaid balance when servicing began — for a new loan its
 *   original principal, for a transferred one what the prior servicer handed over) minus the
 *   principal applied by every other transaction before the cutoff (PAYMENT allocations and
 *   signed ADJUSTMENTs). Principal paid before boarding is already inside the boarding amount,
 *   which is why the base is not loan_candidates.principal. Disbursements move escrow only.
 * - Escrow balance = the sum of alloc_escrow before the cutoff: BOARDING carries the opening
 *   balance, payments add their escrow part, DISBURSEMENTs (escrow paid out) are negative.
 *   svc_escrow_sub.balance is deliberately not used: it is today's balance, with no history, so a
 *   past date computed from it would differ from what the nightly wrote on that date.
 * - DPD = D − due_date of the oldest installment due on or before D that was not paid by the end
 *   of D (paid_at NULL or on/after the cutoff); 0 when there is none (an installment due on D
 *   itself is 0 days past due).
 * - Bucket: '0+' under 30 days, '30+' 30–59, '60+' 60–89, '90+' 90–119, '120+' from 120.
 *
 * A snapshot for the current, unfinished day reflects the data at the time it is written, and a
 * later run for the same day inserts nothing: schedule the snapshot after the day ends (the
 * nightly writes yesterday's).
 *
 * $1 tenant, $2 D (date), $3 cutoff (timestamptz). Returns rows_read (loans in the snapshot) and
 * rows_inserted.
 */
export const SERVICING_SQL = `
  WITH bal AS (
    SELECT t.loan_id,
           sum(t.amount) FILTER (WHERE t.type = 'BOARDING') AS boarded_upb,
           coalesce(sum(t.alloc_principal) FILTER (WHERE t.type <> 'BOARDING'), 0) AS principal_applied,
           sum(t.alloc_escrow) AS escrow_balance
    FROM public.svc_txns t
    WHERE t.tenant_id = $1 AND t.ts < $3::timestamptz
    GROUP BY t.loan_id
    HAVING bool_or(t.type = 'BOARDING')
  ),
  past_due AS (
    SELECT s.loan_id, $2::date - min(s.due_date) AS dpd
    FROM public.svc_schedule s
    WHERE s.tenant_id = $1
      AND s.due_date <= $2::date
      AND (s.paid_at IS NULL OR s.paid_at >= $3::timestamptz)
    GROUP BY s.loan_id
  ),
  snap AS (
    SELECT b.loan_id,
           b.boarded_upb - b.principal_applied AS upb,
           b.escrow_balance,
           coalesce(p.dpd, 0) AS dpd
    FROM bal b
    LEFT JOIN past_due p ON p.loan_id = b.loan_id
  ),
  ins AS (
    INSERT INTO reporting.fact_servicing (tenant_id, loan_id, d, upb, escrow_balance, delinquency_dpd, delinquency_bucket)
    SELECT $1, snap.loan_id, $2::date, snap.upb, snap.escrow_balance, snap.dpd,
           CASE WHEN snap.dpd >= 120 THEN '120+'
                WHEN snap.dpd >= 90 THEN '90+'
                WHEN snap.dpd >= 60 THEN '60+'
                WHEN snap.dpd >= 30 THEN '30+'
                ELSE '0+' END
    FROM snap
    ON CONFLICT (tenant_id, loan_id, d) DO NOTHING
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM snap) AS rows_read, (SELECT count(*) FROM ins) AS rows_inserted`;
