/**
 * fact_servicing against a hand-computed fixture and against the generator's documented identities.
 *
 * The database's TimeZone is set to UTC+14 (Pacific/Kiritimati) for this file: any `ts::date` that
 * forgot AT TIME ZONE 'UTC' would put the payments at the edges of a day on the wrong date.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../../lib/db';
import { seedDatabase } from '../../../lib/seed';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { addTenant, count, insertTxn, loaders, setDiff } from './fixtures';

interface Installment {
  due: string;
  principal: string;
  escrow: string;
  paidAt?: string;
}

const D = '2025-07-01';

async function addLoan(
  pool: Pool,
  tenantId: string,
  spec: { board: string; amount: string; openingEscrow: string; installments: Installment[]; extra?: Array<{ ts: string; type: string; amount: string; principal?: string; escrow?: string; fees?: string }> },
): Promise<string> {
  const loan = randomUUID();
  await pool.query(`INSERT INTO public.loan_candidates (id, tenant_id, state, principal) VALUES ($1, $2, 'Active', $3)`, [loan, tenantId, spec.amount]);
  await insertTxn(pool, { tenantId, loanId: loan, ts: spec.board, type: 'BOARDING', amount: spec.amount, escrow: spec.openingEscrow });
  let balance = Number(spec.amount);
  for (const [i, inst] of spec.installments.entries()) {
    balance = Math.round((balance - Number(inst.principal)) * 100) / 100;
    await pool.query(
      `INSERT INTO public.svc_schedule (loan_id, tenant_id, installment_no, due_date, principal_due, interest_due, escrow_due, principal_balance_after, paid_at)
       VALUES ($1, $2, $3, $4, $5, 500.00, $6, $7, $8)`,
      [loan, tenantId, i + 1, inst.due, inst.principal, inst.escrow, balance.toFixed(2), inst.paidAt ?? null],
    );
    if (inst.paidAt) {
      const amount = (Number(inst.principal) + 500 + Number(inst.escrow)).toFixed(2);
      await insertTxn(pool, { tenantId, loanId: loan, ts: inst.paidAt, type: 'PAYMENT', amount, principal: inst.principal, interest: '500.00', escrow: inst.escrow });
    }
  }
  for (const x of spec.extra ?? []) await insertTxn(pool, { tenantId, loanId: loan, ...x });
  return loan;
}

const monthly = (firstMonth: number, n: number, principal: string, escrow: string, paid: number, year = 2025): Installment[] =>
  Array.from({ length: n }, (_, k) => {
    const m = firstMonth + k;
    const due = m > 12 ? `${year + 1}-${String(m - 12).padStart(2, '0')}-01` : `${year}-${String(m).padStart(2, '0')}-01`;
    return { due, principal, escrow, paidAt: k < paid ? `${due}T14:00:00Z` : undefined };
  });

describe('fact_servicing: as-of-date snapshots', () => {
  let db: TestDatabase;
  let pool: Pool;
  let F: string;
  let OTHER: string;
  const loans: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase('loaders_svc');
    await db.pool.query(`ALTER DATABASE ${db.name} SET TimeZone = 'Pacific/Kiritimati'`);
    pool = createPool(db.url, { max: 4 });
    expect((await pool.query('SHOW TimeZone')).rows[0].TimeZone).toBe('Pacific/Kiritimati');
    F = await addTenant(pool, 'Fixture Servicing');
    OTHER = await addTenant(pool, 'Other Servicing');

    // Current: installment 5 (due 6/1) paid one second before the end of D; installment 6 (due D
    // itself) paid 30 minutes after D ended. A disbursement paid escrow out in April.
    const cur = monthly(2, 6, '0', '250.00', 4);
    ['300.00', '301.50', '303.00', '304.50', '306.00', '307.50'].forEach((p, k) => (cur[k].principal = p));
    cur[4].paidAt = '2025-07-01T23:59:59Z';
    cur[5].paidAt = '2025-07-02T00:30:00Z';
    loans.current = await addLoan(pool, F, {
      board: '2025-01-10T15:00:00Z',
      amount: '200000.00',
      openingEscrow: '1800.00',
      installments: cur,
      extra: [{ ts: '2025-04-15T11:00:00Z', type: 'DISBURSEMENT', amount: '1200.00', escrow: '-1200.00' }],
    });
    // 30 days: paid through May; June (6/1) and July (7/1) unpaid; a late charge assessed.
    loans.dpd30 = await addLoan(pool, F, {
      board: '2025-01-10T16:00:00Z',
      amount: '150000.00',
      openingEscrow: '900.00',
      installments: monthly(2, 6, '200.00', '150.00', 4),
      extra: [{ ts: '2025-06-17T06:00:00Z', type: 'FEE', amount: '45.00', fees: '45.00' }],
    });
    // 61 days: paid Feb–Apr, May unpaid.
    loans.dpd60 = await addLoan(pool, F, { board: '2025-01-12T09:00:00Z', amount: '120000.00', openingEscrow: '0.00', installments: monthly(2, 6, '150.00', '100.00', 3) });
    // 91 days: paid Jan–Mar, April unpaid; a principal correction of -10.00 and a $500 escrow disbursement.
    loans.dpd90 = await addLoan(pool, F, {
      board: '2024-12-05T10:00:00Z',
      amount: '100000.00',
      openingEscrow: '600.00',
      installments: monthly(1, 7, '100.00', '100.00', 3),
      extra: [
        { ts: '2025-03-05T12:00:00Z', type: 'ADJUSTMENT', amount: '-10.00', principal: '-10.00' },
        { ts: '2025-04-15T11:00:00Z', type: 'DISBURSEMENT', amount: '500.00', escrow: '-500.00' },
      ],
    });
    // 122 days: only February paid.
    loans.dpd120 = await addLoan(pool, F, { board: '2025-01-20T09:00:00Z', amount: '80000.00', openingEscrow: '0.00', installments: monthly(2, 6, '100.00', '0.00', 1) });
    // Boarded after D: not serviced on D.
    loans.later = await addLoan(pool, F, { board: '2025-07-02T09:00:00Z', amount: '50000.00', openingEscrow: '300.00', installments: monthly(8, 3, '100.00', '50.00', 0) });
    // Another tenant's loan, boarded before D: never in F's snapshot.
    await addLoan(pool, OTHER, { board: '2025-01-10T15:00:00Z', amount: '90000.00', openingEscrow: '0.00', installments: monthly(2, 6, '100.00', '0.00', 0) });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  const snapshotOf = async (d: string) =>
    (
      await pool.query(
        `SELECT loan_id, upb::text, escrow_balance::text, delinquency_dpd AS dpd, delinquency_bucket AS bucket
         FROM reporting.fact_servicing WHERE tenant_id = $1 AND d = $2 ORDER BY delinquency_dpd, fact_servicing.upb DESC`,
        [F, d],
      )
    ).rows;

  const HAND_COMPUTED = () => [
    { loan_id: loans.current, upb: '198485.00', escrow_balance: '1850.00', dpd: 0, bucket: '0+' },
    { loan_id: loans.dpd30, upb: '149200.00', escrow_balance: '1500.00', dpd: 30, bucket: '30+' },
    { loan_id: loans.dpd60, upb: '119550.00', escrow_balance: '300.00', dpd: 61, bucket: '60+' },
    { loan_id: loans.dpd90, upb: '99710.00', escrow_balance: '400.00', dpd: 91, bucket: '90+' },
    { loan_id: loans.dpd120, upb: '79900.00', escrow_balance: '0.00', dpd: 122, bucket: '120+' },
  ];

  it('matches the hand-computed UPB, escrow, DPD and bucket of each loan; a rerun inserts nothing', async () => {
    const acts = loaders({ pool, url: db.url });
    const r = await acts.loadFactServicing({ tenantId: F, asOf: D, workflowId: 'nightly-2025-07-02' });
    expect(r).toMatchObject({ tenantId: F, stream: 'fact_servicing', mode: 'snapshot', windowFrom: null, windowTo: D, rowsRead: 5, rowsInserted: 5, oldWatermark: null, newWatermark: null });
    expect(await snapshotOf(D)).toEqual(HAND_COMPUTED());

    const again = await acts.loadFactServicing({ tenantId: F, asOf: D });
    expect([again.rowsRead, again.rowsInserted]).toEqual([5, 0]);
    expect(await count(pool, 'SELECT 1 FROM reporting.fact_servicing WHERE tenant_id = $1', [F])).toBe(5);
    expect(await count(pool, 'SELECT 1 FROM reporting.fact_servicing WHERE tenant_id = $1', [OTHER])).toBe(0);

    const log = await pool.query(`SELECT window_from, window_to, rows_read::int, rows_inserted::int FROM reporting.etl_run_log WHERE workflow_id = 'nightly-2025-07-02'`);
    expect(log.rows).toEqual([{ window_from: null, window_to: new Date('2025-07-02T00:00:00Z'), rows_read: 5, rows_inserted: 5 }]);
  });

  it('a backfill of D after later activity arrived equals what the nightly wrote for D', async () => {
    const acts = loaders({ pool, url: db.url });
    const nightly = await snapshotOf(D);
    expect(nightly).toEqual(HAND_COMPUTED());

    // After D: the 30-day loan pays June on 7/5, an escrow disbursement, a principal correction.
    await pool.query(`UPDATE public.svc_schedule SET paid_at = '2025-07-05T10:00:00Z' WHERE loan_id = $1 AND installment_no = 5`, [loans.dpd30]);
    await insertTxn(pool, { tenantId: F, loanId: loans.dpd30, ts: '2025-07-05T10:00:00Z', type: 'PAYMENT', amount: '850.00', principal: '200.00', interest: '500.00', escrow: '150.00' });
    await insertTxn(pool, { tenantId: F, loanId: loans.current, ts: '2025-07-03T11:00:00Z', type: 'DISBURSEMENT', amount: '700.00', escrow: '-700.00' });
    await insertTxn(pool, { tenantId: F, loanId: loans.dpd90, ts: '2025-07-03T12:00:00Z', type: 'ADJUSTMENT', amount: '25.00', principal: '25.00' });

    // The next snapshots see it…
    const next = await acts.loadFactServicing({ tenantId: F, asOf: '2025-07-06' });
    expect(next.rowsInserted).toBe(6); // the loan boarded 7/2 is in from now on
    const july6 = Object.fromEntries((await snapshotOf('2025-07-06')).map((r) => [r.loan_id, [r.upb, r.escrow_balance, r.dpd, r.bucket]]));
    expect(july6[loans.dpd30]).toEqual(['149000.00', '1650.00', 5, '0+']); // July (due 7/1) is now the oldest unpaid
    expect(july6[loans.current]).toEqual(['198177.50', '1400.00', 0, '0+']); // July paid 7/2 00:30; 700 disbursed
    expect(july6[loans.dpd90]).toEqual(['99685.00', '400.00', 96, '90+']);
    expect(july6[loans.later]).toEqual(['50000.00', '300.00', 0, '0+']);

    // …and recomputing D from scratch (a backfill into an empty table) gives the nightly's rows exactly.
    await pool.query(`DELETE FROM reporting.fact_servicing WHERE tenant_id = $1 AND d = $2`, [F, D]); // test-only: a fresh target
    const backfill = await acts.loadFactServicing({ tenantId: F, asOf: D, workflowId: 'backfill' });
    expect(backfill.rowsInserted).toBe(5);
    expect(await snapshotOf(D)).toEqual(nightly);
  });

  it('today: the snapshot written by a backfill equals the nightly code path for the same date', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const acts = loaders({ pool, url: db.url });
    const first = await acts.loadFactServicing({ tenantId: F, asOf: today });
    const rows = await snapshotOf(today);
    expect(rows.length).toBe(first.rowsInserted);
    expect(first.rowsInserted).toBe(6);
    await pool.query(`DELETE FROM reporting.fact_servicing WHERE tenant_id = $1 AND d = $2`, [F, today]);
    await acts.loadFactServicing({ tenantId: F, asOf: today, workflowId: 'backfill-today' });
    expect(await snapshotOf(today)).toEqual(rows);
  });
});

describe('fact_servicing: the generator\'s documented identities hold on a seeded book', () => {
  let db: TestDatabase;
  let T: string;
  const asOf = new Date('2026-06-01T00:00:00Z');

  beforeAll(async () => {
    db = await createTestDatabase('loaders_svc_seed');
    T = (await seedDatabase(db.pool, { tenants: 1, loans: 80, days: 400, seed: 7, asOf })).tenants[0].id;
  });
  afterAll(async () => {
    await db?.drop();
  });

  // lib/seed/generate-sql.ts: UPB(d) = principal_balance_after of the highest installment paid by
  // d (the original principal when none is); escrow(d) = sum of alloc_escrow by d; dpd(d) = d − the
  // oldest installment due by d and unpaid by d — for loans boarded by d. Computed independently.
  const IDENTITIES = `
    WITH boarded AS (
      SELECT t.loan_id FROM public.svc_txns t
      WHERE t.tenant_id = $1 AND t.type = 'BOARDING' AND (t.ts AT TIME ZONE 'UTC')::date <= $2::date
    )
    SELECT b.loan_id,
           COALESCE((SELECT s.principal_balance_after FROM public.svc_schedule s
                     WHERE s.loan_id = b.loan_id AND (s.paid_at AT TIME ZONE 'UTC')::date <= $2::date
                     ORDER BY s.installment_no DESC LIMIT 1),
                    (SELECT lc.principal FROM public.loan_candidates lc WHERE lc.id = b.loan_id)) AS upb,
           (SELECT COALESCE(sum(t.alloc_escrow), 0) FROM public.svc_txns t
            WHERE t.loan_id = b.loan_id AND (t.ts AT TIME ZONE 'UTC')::date <= $2::date) AS escrow_balance,
           COALESCE((SELECT $2::date - min(s.due_date) FROM public.svc_schedule s
                     WHERE s.loan_id = b.loan_id AND s.due_date <= $2::date
                       AND (s.paid_at IS NULL OR (s.paid_at AT TIME ZONE 'UTC')::date > $2::date)), 0) AS dpd
    FROM boarded b`;

  it.each(['2026-05-31', '2026-03-15', '2025-12-31'])('as of %s every boarded loan matches', async (d) => {
    const r = await loaders(db).loadFactServicing({ tenantId: T, asOf: d });
    const expected = await count(db.pool, IDENTITIES, [T, d]);
    expect(expected).toBeGreaterThan(10);
    expect([r.rowsRead, r.rowsInserted]).toEqual([expected, expected]);
    const actual = `SELECT loan_id, upb, escrow_balance, delinquency_dpd FROM reporting.fact_servicing WHERE tenant_id = $1 AND d = $2::date`;
    expect(await setDiff(db.pool, actual, IDENTITIES, [T, d])).toEqual({ missing: 0, extra: 0 });
    // Buckets follow the DPD thresholds.
    expect(
      await count(
        db.pool,
        `SELECT 1 FROM reporting.fact_servicing WHERE tenant_id = $1 AND d = $2::date AND delinquency_bucket <> CASE
           WHEN delinquency_dpd >= 120 THEN '120+' WHEN delinquency_dpd >= 90 THEN '90+' WHEN delinquency_dpd >= 60 THEN '60+'
           WHEN delinquency_dpd >= 30 THEN '30+' ELSE '0+' END`,
        [T, d],
      ),
    ).toBe(0);
  });

  it('on the last day of the book, escrow equals the escrow sub-account balances and every bucket occurs', async () => {
    const diff = await db.pool.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM reporting.fact_servicing f
       WHERE f.tenant_id = $1 AND f.d = '2026-05-31'
         AND f.escrow_balance IS DISTINCT FROM (SELECT COALESCE(sum(e.balance), 0) FROM public.svc_escrow_sub e WHERE e.loan_id = f.loan_id)`,
      [T],
    );
    expect(diff.rows[0].n).toBe('0');
    const buckets = await db.pool.query(`SELECT DISTINCT delinquency_bucket AS b FROM reporting.fact_servicing WHERE tenant_id = $1 AND d = '2026-05-31' ORDER BY 1`, [T]);
    expect(buckets.rows.map((x) => x.b)).toEqual(['0+', '120+', '30+', '60+', '90+']);
  });
});
