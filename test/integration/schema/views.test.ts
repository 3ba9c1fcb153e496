/**
 * Each BI view pinned on the hand-computed fixture (test/fixtures/schema/reporting-fixture.ts),
 * read as the API reads it: reporting_reader with app.tenant_id = A. The arithmetic behind each
 * expected row is in the comments.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { asReader } from '../../fixtures/schema/as-reader';
import { A, B, INV, LOAN, loadReportingFixture } from '../../fixtures/schema/reporting-fixture';

let db: TestDatabase;
let day0: string;

const addDays = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  db = await createTestDatabase('schema_views');
  day0 = await loadReportingFixture(db.pool);
});
afterAll(async () => {
  await db?.drop();
});

const rowsAs = async (tenant: string | null, sql: string, params: unknown[] = []) =>
  asReader(db.pool, tenant, async (c) => (await c.query(sql, params)).rows);

describe('seed views keep their column lists (BI depends on them)', () => {
  it.each([
    ['v_kpi_pipeline', ['as_of', 'loans_intake', 'loans_finalized', 'loans_boarded']],
    ['v_cash_last_30', ['d', 'cash', 'interest', 'principal']],
    ['v_qc_open_by_severity', ['severity', 'open_count']],
    [
      'v_dim_loan_source',
      ['loan_id', 'loan_number', 'borrower_name', 'property_city', 'property_state', 'program_code',
        'tenant_id', 'borrower_email', 'borrower_phone', 'investor_id', 'source_updated_at'],
    ],
  ])('%s', async (view, columns) => {
    const r = await db.pool.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = 'reporting' AND table_name = $1 ORDER BY ordinal_position`,
      [view],
    );
    expect(r.rows.map((x) => x.column_name)).toEqual(columns);
  });
});

describe('views on the fixture, as tenant A', () => {
  it('v_kpi_pipeline counts A\'s loans by state', async () => {
    // A: a1 Active + a2 boarded = 2 boarded, a3 intake, a4 + a5 finalized. B's two loans are invisible.
    const rows = await rowsAs(A, `SELECT as_of::text, loans_intake::int, loans_finalized::int, loans_boarded::int FROM reporting.v_kpi_pipeline`);
    expect(rows).toEqual([{ as_of: day0, loans_intake: 1, loans_finalized: 2, loans_boarded: 2 }]);
    const asB = await rowsAs(B, `SELECT loans_intake::int, loans_finalized::int, loans_boarded::int FROM reporting.v_kpi_pipeline`);
    expect(asB).toEqual([{ loans_intake: 1, loans_finalized: 0, loans_boarded: 1 }]);
  });

  it('v_cash_last_30 sums PAYMENT and ADJUSTMENT per day over today and the 29 days before', async () => {
    // DAY0: 1000.00 + 500.00 = 1500.00 (interest 300 + 250, principal 600 + 200); the BOARDING row is not cash.
    // DAY0-1: the -10.00 interest adjustment. DAY0-2: only FEE and DISBURSEMENT, not cash: no row.
    // DAY0-29: 300.00. DAY0-30 (31st day back) and DAY0+1 (future) are outside; B's 5000.00 is invisible.
    const rows = await rowsAs(A, `SELECT d::text, cash, interest, principal FROM reporting.v_cash_last_30`);
    expect(rows).toEqual([
      { d: addDays(day0, -29), cash: '300.00', interest: '150.00', principal: '100.00' },
      { d: addDays(day0, -1), cash: '-10.00', interest: '-10.00', principal: '0.00' },
      { d: day0, cash: '1500.00', interest: '550.00', principal: '800.00' },
    ]);
  });

  it('v_qc_open_by_severity counts defects whose latest status is open', async () => {
    // d1 resolved, d4 waived, d6 resolved (same instant as its open row, loaded later) -> not open.
    // d2 critical open; d3 major reopened; d5 major open. B's critical open defect is invisible.
    const rows = await rowsAs(A, `SELECT severity, open_count::int FROM reporting.v_qc_open_by_severity ORDER BY severity`);
    expect(rows).toEqual([
      { severity: 'critical', open_count: 1 },
      { severity: 'major', open_count: 2 },
    ]);
    // The owner (loaders, operators) sees every tenant: B adds one critical.
    const all = await db.pool.query(`SELECT severity, open_count::int FROM reporting.v_qc_open_by_severity ORDER BY severity`);
    expect(all.rows).toEqual([
      { severity: 'critical', open_count: 2 },
      { severity: 'major', open_count: 2 },
    ]);
  });

  it('v_delinquency_by_bucket reads each tenant\'s latest snapshot, every bucket present', async () => {
    // Latest A snapshot 2025-03-31 (the 2025-03-30 row is ignored): 0+ a1 100000 + a4 75000; 30+ a2 50000;
    // 90+ a3 25000; total 250000 -> shares 0.7, 0.2, 0, 0.1, 0.
    const rows = await rowsAs(
      A,
      `SELECT tenant_id::text, as_of::text, delinquency_bucket, loan_count::int, upb, upb_share
       FROM reporting.v_delinquency_by_bucket ORDER BY bucket_order`,
    );
    expect(rows).toEqual([
      { tenant_id: A, as_of: '2025-03-31', delinquency_bucket: '0+', loan_count: 2, upb: '175000.00', upb_share: '0.7000' },
      { tenant_id: A, as_of: '2025-03-31', delinquency_bucket: '30+', loan_count: 1, upb: '50000.00', upb_share: '0.2000' },
      { tenant_id: A, as_of: '2025-03-31', delinquency_bucket: '60+', loan_count: 0, upb: '0.00', upb_share: '0.0000' },
      { tenant_id: A, as_of: '2025-03-31', delinquency_bucket: '90+', loan_count: 1, upb: '25000.00', upb_share: '0.1000' },
      { tenant_id: A, as_of: '2025-03-31', delinquency_bucket: '120+', loan_count: 0, upb: '0.00', upb_share: '0.0000' },
    ]);
    // As owner, B's latest date is its own (2025-04-01), not A's.
    const b = await db.pool.query(
      `SELECT as_of::text, delinquency_bucket, loan_count::int, upb_share FROM reporting.v_delinquency_by_bucket
       WHERE tenant_id = $1 AND loan_count > 0`,
      [B],
    );
    expect(b.rows).toEqual([{ as_of: '2025-04-01', delinquency_bucket: '120+', loan_count: 1, upb_share: '1.0000' }]);
  });

  it('v_cash_by_month_type totals every type per month', async () => {
    // January: two payments 1000.00 + 1025.00 (the second carries a 25.00 late charge) and the FEE assessing it.
    // February: one payment 990.00 and a 1200.00 escrow disbursement (alloc_escrow -1200.00).
    const rows = await rowsAs(
      A,
      `SELECT month::text, type, txn_count::int, amount, principal, interest, escrow, fees
       FROM reporting.v_cash_by_month_type WHERE month < '2026-01-01' ORDER BY month, type`,
    );
    expect(rows).toEqual([
      { month: '2025-01-01', type: 'FEE', txn_count: 1, amount: '25.00', principal: '0.00', interest: '0.00', escrow: '0.00', fees: '25.00' },
      { month: '2025-01-01', type: 'PAYMENT', txn_count: 2, amount: '2025.00', principal: '1200.00', interest: '600.00', escrow: '200.00', fees: '25.00' },
      { month: '2025-02-01', type: 'DISBURSEMENT', txn_count: 1, amount: '1200.00', principal: '0.00', interest: '0.00', escrow: '-1200.00', fees: '0.00' },
      { month: '2025-02-01', type: 'PAYMENT', txn_count: 1, amount: '990.00', principal: '610.00', interest: '290.00', escrow: '90.00', fees: '0.00' },
    ]);
    expect((await rowsAs(A, `SELECT count(*)::int AS n FROM reporting.v_cash_by_month_type WHERE tenant_id <> $1`, [A]))[0].n).toBe(0);
  });

  it('v_remit_by_investor_month sums remittance per investor and month', async () => {
    // Fannie Mae January: a1 + a2 -> principal 600 + 400, interest 300 + 200, escrow 100 + 50, fee 12.50 + 8.33,
    // net 887.50 + 591.67. February: a1 alone. Harborview January: a4 with a 1.00 strip.
    const rows = await rowsAs(
      A,
      `SELECT investor_id::text, investor_name, month::text, loan_count::int, principal, interest, escrow, svc_fee, strip_io, net
       FROM reporting.v_remit_by_investor_month ORDER BY investor_name, month`,
    );
    expect(rows).toEqual([
      { investor_id: INV.a1, investor_name: 'Fannie Mae', month: '2025-01-01', loan_count: 2, principal: '1000.00', interest: '500.00', escrow: '150.00', svc_fee: '20.83', strip_io: '0.00', net: '1479.17' },
      { investor_id: INV.a1, investor_name: 'Fannie Mae', month: '2025-02-01', loan_count: 1, principal: '605.00', interest: '295.00', escrow: '100.00', svc_fee: '12.29', strip_io: '0.00', net: '887.71' },
      { investor_id: INV.a2, investor_name: 'Harborview Capital Trust', month: '2025-01-01', loan_count: 1, principal: '100.00', interest: '50.00', escrow: '0.00', svc_fee: '2.00', strip_io: '1.00', net: '147.00' },
    ]);
  });

  it('v_export_success_rate rates exports on their latest status', async () => {
    // fannie: e1 succeeded, e2 failed, e3 running -> 1 / (1 + 1) = 0.5. freddie: e4 succeeded, e5 failed then succeeded -> 1.0.
    const rows = await rowsAs(
      A,
      `SELECT template, exports::int, succeeded::int, failed::int, in_flight::int, success_rate
       FROM reporting.v_export_success_rate ORDER BY template`,
    );
    expect(rows).toEqual([
      { template: 'fannie', exports: 3, succeeded: 1, failed: 1, in_flight: 1, success_rate: '0.5000' },
      { template: 'freddie', exports: 2, succeeded: 2, failed: 0, in_flight: 0, success_rate: '1.0000' },
    ]);
  });

  it('v_notify_delivery_rate rates notices on their latest status', async () => {
    // email: n1 sent, n2 failed, n3 suppressed, n4 queued -> 1 / (1 + 1) = 0.5. letter: n7 rendered only -> no rate.
    // sms: n5 sent, n6 failed then sent -> 1.0.
    const rows = await rowsAs(
      A,
      `SELECT channel, notifications::int, sent::int, failed::int, suppressed::int, pending::int, delivery_rate
       FROM reporting.v_notify_delivery_rate ORDER BY channel`,
    );
    expect(rows).toEqual([
      { channel: 'email', notifications: 4, sent: 1, failed: 1, suppressed: 1, pending: 1, delivery_rate: '0.5000' },
      { channel: 'letter', notifications: 1, sent: 0, failed: 0, suppressed: 0, pending: 1, delivery_rate: null },
      { channel: 'sms', notifications: 2, sent: 2, failed: 0, suppressed: 0, pending: 0, delivery_rate: '1.0000' },
    ]);
  });

  it('v_dim_loan_source pivots A\'s datapoints, with a malformed InvestorId as NULL', async () => {
    const rows = await rowsAs(
      A,
      `SELECT loan_id::text, loan_number, borrower_name, property_city, property_state, program_code, tenant_id::text,
              borrower_email, borrower_phone, investor_id::text, source_updated_at
       FROM reporting.v_dim_loan_source ORDER BY loan_id`,
    );
    expect(rows.map((r) => r.loan_id)).toEqual([LOAN.a1, LOAN.a2, LOAN.a3, LOAN.a4, LOAN.a5]);
    expect(rows[0]).toEqual({
      loan_id: LOAN.a1, loan_number: 'A-001', borrower_name: 'Ada Lovelace', property_city: 'Austin', property_state: 'TX',
      program_code: 'CONV30', tenant_id: A, borrower_email: 'ada.lovelace@example.com', borrower_phone: '+1-512-555-0101',
      investor_id: INV.a1,
      // the phone datapoint changed after the loan row did: the newest of the two is the cursor
      source_updated_at: new Date('2025-02-10T08:00:00Z'),
    });
    expect(rows[1]).toMatchObject({ loan_id: LOAN.a2, loan_number: 'A-002', investor_id: null, source_updated_at: new Date('2025-01-03T10:00:00Z') });
    expect(rows[2]).toMatchObject({ loan_id: LOAN.a3, loan_number: null, borrower_name: null, source_updated_at: new Date('2025-01-04T10:00:00Z') });
  });
});
