/**
 * Exactly once (ARCHITECTURE §3 rules 1–2) on a seeded book: every loader run twice, and over
 * overlapping windows in several orders, leaves reporting equal to the set computed from the
 * source — no row missing, none duplicated — and each source row is inserted by exactly one load.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadResult } from '../../../lib/etl-types';
import { seedDatabase } from '../../../lib/seed';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { ALL_LOADERS, EXPECTED, LOADER_STREAM, count, expectStreamMatchesSource, loaders, resetReporting } from './fixtures';

const SOURCE_TABLES = ['inv_investors', 'loan_candidates', 'loan_datapoints', 'svc_txns', 'qc_defects', 'exports', 'notifications', 'inv_remit_items'];

describe('loaders: idempotent, exactly-once loads', () => {
  let db: TestDatabase;
  let A: string;
  let B: string;
  let expected: Record<string, number>;

  beforeAll(async () => {
    db = await createTestDatabase('loaders_idem');
    // A fixed asOf keeps the book identical from one day to the next.
    const summary = await seedDatabase(db.pool, { tenants: 2, loans: 40, days: 150, seed: 11, asOf: new Date('2026-06-01T00:00:00Z') });
    [A, B] = summary.tenants.map((t) => t.id);
    expected = {};
    for (const [stream, e] of Object.entries(EXPECTED)) expected[stream] = await count(db.pool, e.source, [A]);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('the seeded book has rows in every stream (so the assertions below are not vacuous)', () => {
    for (const stream of Object.values(LOADER_STREAM)) expect(expected[stream], stream).toBeGreaterThan(0);
  });

  it('an incremental load twice: the first loads every row, the second reads and inserts nothing', async () => {
    await resetReporting(db.pool);
    const acts = loaders(db);
    for (const name of ALL_LOADERS) {
      const stream = LOADER_STREAM[name];
      const first = await acts[name]({ tenantId: A, workflowId: 'wf-idem-1' });
      expect(first).toMatchObject({ tenantId: A, stream, mode: 'incremental', windowFrom: null, oldWatermark: null });
      expect(first.rowsRead).toBe(expected[stream]);
      expect(first.rowsInserted).toBe(expected[stream]);
      expect(first.newWatermark).toBe(first.windowTo);

      // The seeded rows are all before today 00:00 UTC, far behind the 2-hour overlap.
      const second = await acts[name]({ tenantId: A, workflowId: 'wf-idem-2' });
      expect(second.oldWatermark).toBe(first.newWatermark);
      expect(second.windowFrom).toBe(new Date(Date.parse(first.newWatermark!) - 120 * 60_000).toISOString());
      expect(second.rowsRead).toBe(0);
      expect(second.rowsInserted).toBe(0);
      expect(Date.parse(second.newWatermark!)).toBeGreaterThanOrEqual(Date.parse(first.newWatermark!));

      expect(await expectStreamMatchesSource(db.pool, stream, A)).toBe(expected[stream]);
      // Nothing of tenant B was touched.
      expect(await count(db.pool, EXPECTED[stream].fact, [B])).toBe(0);
    }

    // One run-log row per load, in the loads' transactions, with what they did.
    const log = await db.pool.query(
      `SELECT stream, workflow_id, window_from, rows_read::int, rows_inserted::int, old_watermark, new_watermark
       FROM reporting.etl_run_log WHERE tenant_id = $1 AND workflow_id = 'wf-idem-1' ORDER BY id`,
      [A],
    );
    expect(log.rows.map((r) => [r.stream, r.window_from, r.rows_read, r.rows_inserted, r.old_watermark])).toEqual(
      ALL_LOADERS.map((n) => [LOADER_STREAM[n], null, expected[LOADER_STREAM[n]], expected[LOADER_STREAM[n]], null]),
    );
    expect(await count(db.pool, `SELECT 1 FROM reporting.etl_run_log WHERE workflow_id = 'wf-idem-2' AND rows_inserted = 0`)).toBe(ALL_LOADERS.length);
  });

  it('overlapping windows in any order, with or without an incremental load, insert each row once', async () => {
    // Windows over updated_at that overlap each other and together cover every source row.
    const r = await db.pool.query<{ lo: Date; hi: Date }>(
      `SELECT min(u) AS lo, max(u) AS hi FROM (${SOURCE_TABLES.map((t) => `SELECT updated_at AS u FROM public.${t} WHERE tenant_id = $1`).join(' UNION ALL ')}) x`,
      [A],
    );
    const lo = r.rows[0].lo.getTime();
    const hi = r.rows[0].hi.getTime() + 1;
    const mid = Math.floor((lo + hi) / 2);
    const day = 86_400_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    const W1 = { from: iso(lo), to: iso(mid + 7 * day) };
    const W2 = { from: iso(mid - 7 * day), to: iso(hi) };
    const W3 = { from: iso(mid - 20 * day), to: iso(mid + 20 * day) };
    const INC = undefined;
    const orders: Array<Array<{ from: string; to: string } | undefined>> = [
      [W1, W2, W3],
      [W3, W2, W1],
      [W2, W1, INC, W3],
      [INC, W3, W1, W2],
    ];

    const acts = loaders(db);
    let reference: string | undefined;
    for (const order of orders) {
      await resetReporting(db.pool);
      const inserted: Record<string, number> = {};
      let incremental: LoadResult | undefined;
      for (const window of order) {
        for (const name of ALL_LOADERS) {
          const res = await acts[name]({ tenantId: A, window });
          if (window) {
            expect(res.mode).toBe('window');
            expect([res.windowFrom, res.windowTo]).toEqual([window.from, window.to]);
            // A backfill window never moves the watermark.
            expect(res.newWatermark).toBe(res.oldWatermark);
          } else if (name === 'loadFactTxn') incremental = res;
          inserted[LOADER_STREAM[name]] = (inserted[LOADER_STREAM[name]] ?? 0) + res.rowsInserted;
        }
      }
      for (const name of ALL_LOADERS) {
        const stream = LOADER_STREAM[name];
        expect(await expectStreamMatchesSource(db.pool, stream, A)).toBe(expected[stream]);
        // Each fact row was inserted by exactly one load of the order. (Dimension upserts of an
        // unchanged row write nothing, so the same holds for them.)
        expect(inserted[stream], `${stream} in order ${orders.indexOf(order)}`).toBe(expected[stream]);
      }
      // The watermark exists only when the order contained an incremental load, and equals its end.
      const wm = await db.pool.query<{ watermark: Date }>(`SELECT watermark FROM reporting.etl_watermark WHERE tenant_id = $1 AND stream = 'fact_txn'`, [A]);
      if (incremental) expect(wm.rows[0].watermark.toISOString()).toBe(incremental.newWatermark);
      else expect(wm.rowCount).toBe(0);

      // And the facts are identical across orders, value for value.
      const snapshot = JSON.stringify(
        (
          await db.pool.query(
            `SELECT (SELECT json_agg(x ORDER BY x.txn_id) FROM (${EXPECTED.fact_txn.fact}) x) AS txn,
                    (SELECT json_agg(x ORDER BY x.defect_id) FROM (${EXPECTED.fact_qc.fact}) x) AS qc,
                    (SELECT json_agg(x ORDER BY x.remit_item_id) FROM (${EXPECTED.fact_remit.fact}) x) AS remit,
                    (SELECT json_agg(x ORDER BY x.loan_id) FROM (${EXPECTED.dim_loan.fact}) x) AS loans`,
            [A],
          )
        ).rows[0],
      );
      reference ??= snapshot;
      expect(snapshot).toBe(reference);
    }
  });

  it('two loads of the same stream started together serialise on the stream lock: one loads, the other finds nothing new', async () => {
    await resetReporting(db.pool);
    const acts = loaders(db);
    const [x, y] = await Promise.all([acts.loadFactTxn({ tenantId: A }), acts.loadFactTxn({ tenantId: A })]);
    const [first, second] = x.oldWatermark === null ? [x, y] : [y, x];
    expect(first.oldWatermark).toBeNull();
    expect(first.rowsInserted).toBe(expected.fact_txn);
    expect(second.oldWatermark).toBe(first.newWatermark);
    expect(second.rowsInserted).toBe(0);
    expect(await expectStreamMatchesSource(db.pool, 'fact_txn', A)).toBe(expected.fact_txn);
  });
});
