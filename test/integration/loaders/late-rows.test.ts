/**
 * Late rows (ARCHITECTURE §3 rule 3) and the cursor's edges:
 * - a row whose transaction stamped it before a load but committed after it is loaded by the next
 *   incremental load (it is inside the overlap behind the watermark);
 * - a row that becomes visible more than the overlap behind the watermark is NOT re-read by
 *   incremental loads: a backfill window covering its updated_at loads it (facts), and the full
 *   refresh loads it (dimensions) — the documented policy;
 * - rows stamped within the safety lag wait for the next load;
 * - the cursor column is NOT NULL in every source table (the NULL-cursor policy rests on it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { addTenant, count, expectStreamMatchesSource, insertTxn, loaders, nextMillisecond } from './fixtures';

const LOAN = '11111111-1111-4111-8111-111111111111';

describe('loaders: late rows, overlap and safety lag', () => {
  let db: TestDatabase;
  let T: string;

  beforeAll(async () => {
    db = await createTestDatabase('loaders_late');
    T = await addTenant(db.pool, 'Late Tenant');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('a transaction that commits after a load, with rows stamped before it, is loaded by the next load', async () => {
    // Lag 0 so the first load's window ends after the open transaction's stamp: without the
    // overlap that row would be behind the watermark forever.
    const acts = loaders(db, { ETL_SAFETY_LAG_SECONDS: '0', ETL_OVERLAP_MINUTES: '120' });
    await insertTxn(db.pool, { tenantId: T, loanId: LOAN, ts: '2026-11-01T10:00:00Z', type: 'PAYMENT', amount: '100.00', principal: '100.00', at: new Date(Date.now() - 30 * 60_000).toISOString() });

    const open = await db.pool.connect();
    try {
      await open.query('BEGIN');
      // updated_at defaults to this transaction's now(): stamped now, visible only at COMMIT.
      await open.query(
        `INSERT INTO public.svc_txns (id, tenant_id, loan_id, ts, type, amount, alloc_principal) VALUES (gen_random_uuid(), $1, $2, '2026-11-02T10:00:00Z', 'PAYMENT', 250.00, 250.00)`,
        [T, LOAN],
      );
      const stampedAt = (await open.query<{ t: Date }>('SELECT now() AS t')).rows[0].t;

      const first = await acts.loadFactTxn({ tenantId: T });
      expect(first.rowsRead).toBe(1);
      expect(first.rowsInserted).toBe(1);
      expect(Date.parse(first.newWatermark!)).toBeGreaterThan(stampedAt.getTime()); // the late row is behind the watermark

      await open.query('COMMIT');
    } finally {
      open.release();
    }

    const second = await acts.loadFactTxn({ tenantId: T });
    expect(second.rowsRead).toBe(2); // both rows are inside the 2-hour overlap
    expect(second.rowsInserted).toBe(1); // only the late one is new
    expect(await expectStreamMatchesSource(db.pool, 'fact_txn', T)).toBe(2);
  });

  it('a row visible only after it fell more than the overlap behind the watermark is left to a backfill window', async () => {
    const acts = loaders(db, { ETL_SAFETY_LAG_SECONDS: '0', ETL_OVERLAP_MINUTES: '120' });
    const wm = Date.parse((await acts.loadFactTxn({ tenantId: T })).newWatermark!);
    // Stamped three hours before the watermark (e.g. a transaction open for three hours).
    const stamped = new Date(wm - 3 * 3_600_000).toISOString();
    const lateId = await insertTxn(db.pool, { tenantId: T, loanId: LOAN, ts: '2026-10-15T09:00:00Z', type: 'FEE', amount: '15.00', fees: '15.00', at: stamped });

    const incremental = await acts.loadFactTxn({ tenantId: T });
    expect(incremental.rowsInserted).toBe(0);
    expect(await count(db.pool, 'SELECT 1 FROM reporting.fact_txn WHERE txn_id = $1', [lateId])).toBe(0);

    // The policy: a backfill of the window holding its updated_at loads it, once.
    const window = { from: new Date(wm - 4 * 3_600_000).toISOString(), to: new Date(wm - 2 * 3_600_000).toISOString() };
    const backfill = await acts.loadFactTxn({ tenantId: T, window });
    expect(backfill).toMatchObject({ mode: 'window', rowsRead: 1, rowsInserted: 1, oldWatermark: incremental.newWatermark, newWatermark: incremental.newWatermark });
    expect((await acts.loadFactTxn({ tenantId: T, window })).rowsInserted).toBe(0);
    expect(await expectStreamMatchesSource(db.pool, 'fact_txn', T)).toBe(3);
    // The fact's date is the UTC date of ts, which dim_date was extended to cover.
    expect((await db.pool.query(`SELECT d::text FROM reporting.fact_txn WHERE txn_id = $1`, [lateId])).rows[0].d).toBe('2026-10-15');
  });

  it('dimensions: a late change inside the overlap is picked up; one behind it waits for the full refresh', async () => {
    const acts = loaders(db, { ETL_SAFETY_LAG_SECONDS: '0', ETL_OVERLAP_MINUTES: '120' });
    const LOAN3 = '33333333-3333-4333-8333-333333333333';
    const longAgo = new Date(Date.now() - 10 * 3_600_000).toISOString();
    for (const [loan, number, city] of [[LOAN, 'LN-1', 'Austin'], [LOAN3, 'LN-3', 'Boise']]) {
      await db.pool.query(`INSERT INTO public.loan_candidates (id, tenant_id, state, principal, updated_at) VALUES ($1, $2, 'Active', 100000.00, $3)`, [loan, T, longAgo]);
      await db.pool.query(
        `INSERT INTO public.loan_datapoints (loan_id, tenant_id, key, normalized_value, updated_at) VALUES ($1, $2, 'LoanNumber', $3, $5), ($1, $2, 'PropertyCity', $4, $5)`,
        [loan, T, number, city, longAgo],
      );
    }
    const first = await acts.loadDimLoan({ tenantId: T });
    expect([first.rowsRead, first.rowsInserted]).toEqual([2, 2]);
    const wm = Date.parse(first.newWatermark!);
    const city = async (loan: string) => (await db.pool.query(`SELECT property_city FROM reporting.dim_loan WHERE loan_id = $1`, [loan])).rows[0].property_city;

    // Inside the overlap: a datapoint of LOAN stamped 30 minutes before the watermark.
    await db.pool.query(`UPDATE public.loan_datapoints SET normalized_value = 'Dallas', updated_at = $2 WHERE loan_id = $1 AND key = 'PropertyCity'`, [
      LOAN,
      new Date(wm - 30 * 60_000).toISOString(),
    ]);
    const second = await acts.loadDimLoan({ tenantId: T });
    expect([second.rowsRead, second.rowsInserted]).toEqual([1, 1]);
    expect(await city(LOAN)).toBe('Dallas');

    // Behind the overlap: a change to LOAN3 stamped five hours before the watermark. Incremental
    // loads re-read LOAN (still inside the overlap, unchanged: nothing written) but not LOAN3.
    await db.pool.query(`UPDATE public.loan_datapoints SET normalized_value = 'Reno', updated_at = $2 WHERE loan_id = $1 AND key = 'PropertyCity'`, [
      LOAN3,
      new Date(wm - 5 * 3_600_000).toISOString(),
    ]);
    const third = await acts.loadDimLoan({ tenantId: T });
    expect([third.rowsRead, third.rowsInserted]).toEqual([1, 0]);
    expect(await city(LOAN3)).toBe('Boise');

    // The full refresh (nightly) re-derives every loan of the tenant and writes the one that changed.
    const full = await acts.loadDimLoan({ tenantId: T, full: true });
    expect(full).toMatchObject({ windowFrom: null, rowsRead: 2, rowsInserted: 1 });
    expect(Date.parse(full.newWatermark!)).toBeGreaterThanOrEqual(Date.parse(third.newWatermark!));
    expect(await city(LOAN3)).toBe('Reno');
    expect(await expectStreamMatchesSource(db.pool, 'dim_loan', T)).toBe(2);
  });

  it('rows stamped within the safety lag are left for a later load', async () => {
    const lagged = loaders(db, { ETL_SAFETY_LAG_SECONDS: '600', ETL_OVERLAP_MINUTES: '120' });
    const before = await count(db.pool, 'SELECT 1 FROM reporting.fact_txn WHERE tenant_id = $1', [T]);
    const fresh = await insertTxn(db.pool, { tenantId: T, loanId: LOAN, ts: '2026-11-03T10:00:00Z', type: 'PAYMENT', amount: '75.00', principal: '75.00' });
    const r = await lagged.loadFactTxn({ tenantId: T });
    expect(r.rowsInserted).toBe(0);
    expect(await count(db.pool, 'SELECT 1 FROM reporting.fact_txn WHERE txn_id = $1', [fresh])).toBe(0);
    // The watermark stayed where the earlier (lag 0) loads put it: GREATEST never moves it back.
    expect(r.newWatermark).toBe(r.oldWatermark);

    await nextMillisecond();
    const later = await loaders(db, { ETL_SAFETY_LAG_SECONDS: '0' }).loadFactTxn({ tenantId: T });
    expect(later.rowsInserted).toBe(1);
    expect(await count(db.pool, 'SELECT 1 FROM reporting.fact_txn WHERE tenant_id = $1', [T])).toBe(before + 1);
  });

  it('facts dated outside dim_date: the calendar is extended, then the rows load', async () => {
    const acts = loaders(db, { ETL_SAFETY_LAG_SECONDS: '0' });
    const future = await insertTxn(db.pool, { tenantId: T, loanId: LOAN, ts: '2045-03-01T12:00:00Z', type: 'FEE', amount: '1.00', fees: '1.00' });
    const past = await insertTxn(db.pool, { tenantId: T, loanId: LOAN, ts: '1999-12-31T23:30:00Z', type: 'FEE', amount: '2.00', fees: '2.00' });
    expect(await count(db.pool, `SELECT 1 FROM reporting.dim_date WHERE d IN ('2045-03-01', '1999-12-31')`)).toBe(0);
    await nextMillisecond();
    const r = await acts.loadFactTxn({ tenantId: T });
    expect(r.rowsInserted).toBe(2);
    const dates = await db.pool.query(`SELECT txn_id, d::text FROM reporting.fact_txn WHERE txn_id = ANY($1) ORDER BY d`, [[future, past]]);
    expect(dates.rows).toEqual([
      { txn_id: past, d: '1999-12-31' },
      { txn_id: future, d: '2045-03-01' },
    ]);
    // dim_date is contiguous over the whole span now: 1999-12-31 .. 2045-03-01.
    const span = await db.pool.query(`SELECT count(*)::int AS n, (DATE '2045-03-01' - DATE '1999-12-31' + 1) AS want FROM reporting.dim_date WHERE d BETWEEN '1999-12-31' AND '2045-03-01'`);
    expect(span.rows[0].n).toBe(span.rows[0].want);
    expect((await db.pool.query(`SELECT is_busday, holiday_name FROM reporting.dim_date WHERE d = '1999-12-31'`)).rows[0]).toEqual({
      is_busday: false,
      holiday_name: "New Year's Day (observed)",
    });
  });

  it('the cursor column updated_at is NOT NULL in every source table, so no row can escape every window', async () => {
    const { rows } = await db.pool.query<{ table_name: string; is_nullable: string }>(
      `SELECT table_name, is_nullable FROM information_schema.columns
       WHERE table_schema = 'public' AND column_name = 'updated_at' AND table_name = ANY($1) ORDER BY table_name`,
      [['exports', 'inv_investors', 'inv_remit_items', 'inv_remit_runs', 'loan_candidates', 'loan_datapoints', 'notifications', 'qc_defects', 'qc_rules', 'svc_escrow_sub', 'svc_schedule', 'svc_txns', 'tenants']],
    );
    expect(rows.length).toBe(13);
    expect(rows.filter((r) => r.is_nullable !== 'NO').map((r) => r.table_name)).toEqual([]);
    await expect(
      db.pool.query(`INSERT INTO public.svc_txns (id, tenant_id, loan_id, ts, type, amount, updated_at) VALUES (gen_random_uuid(), $1, $2, now(), 'FEE', 1, NULL)`, [T, LOAN]),
    ).rejects.toMatchObject({ code: '23502' });
  });
});
