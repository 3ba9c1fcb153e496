/**
 * The nightly run end to end on the real stack: dimensions in full, facts, yesterday's servicing
 * snapshot for every boarded loan, then the lake export to the S3 server and its reconciliation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAKE_TABLES } from '../../../lib/etl-types';
import { seedDatabase } from '../../../lib/seed';
import type { RunResult } from '../../../lib/workflow-types';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { txnDifference } from '../../support/facts';
import { recordHistory } from '../../support/replay';
import { startTestWorker, type TestWorker } from '../../support/stack';

describe('nightly run', () => {
  let db: TestDatabase;
  let tw: TestWorker;

  beforeAll(async () => {
    db = await createTestDatabase('nightly');
    await seedDatabase(db.pool, { tenants: 2, loans: 10, days: 30, seed: 9, asOf: new Date('2026-11-24T00:00:00Z') });
    tw = await startTestWorker(db);
  });
  afterAll(async () => {
    await tw?.close();
    await db?.drop();
  });

  it('loads, snapshots the previous day, exports the lake and reconciles every table for every tenant', async () => {
    const scheduledAt = '2026-11-25T02:00:00Z';
    const handle = await tw.client.workflow.start('nightlyEtlWorkflow', {
      workflowId: `nightly-${Date.now()}`,
      taskQueue: tw.config.temporal.taskQueue,
      args: [{ scheduledAt }],
    });
    const result = (await tw.run(() => handle.result())) as RunResult;
    await recordHistory(handle, 'nightly', tw.config.temporal.address);

    expect(result.phase).toBe('done');
    expect(result.failed).toEqual([]);
    expect(result.windowStart).toBe('2026-11-24T00:00:00.000Z');
    expect(result.windowEnd).toBe('2026-11-25T00:00:00.000Z');
    expect(await txnDifference(db.pool)).toEqual({ missing: 0, extra: 0, duplicates: 0 });

    // One snapshot row per loan boarded by the end of the snapshot day, all dated that day.
    const snap = await db.pool.query<{ expected: number; actual: number; dates: string[] }>(`
      SELECT (SELECT count(DISTINCT (tenant_id, loan_id))::int FROM svc_txns WHERE type = 'BOARDING' AND ts < '2026-11-25T00:00:00Z') AS expected,
             (SELECT count(*)::int FROM reporting.fact_servicing) AS actual,
             (SELECT array_agg(DISTINCT d::text) FROM reporting.fact_servicing) AS dates`);
    expect(snap.rows[0].actual).toBe(snap.rows[0].expected);
    expect(snap.rows[0].dates).toEqual(['2026-11-24']);
    expect(result.rowsByStream.fact_servicing).toBe(snap.rows[0].expected);

    // Every table of every tenant exported and reconciled, and the stored reconciliation agrees.
    expect(result.lake).toMatchObject({ tablesExported: 2 * LAKE_TABLES.length, reconciled: 2 * LAKE_TABLES.length, mismatches: 0 });
    const rec = await db.pool.query<{ n: number; ok: number }>(
      'SELECT count(*)::int AS n, count(*) FILTER (WHERE ok)::int AS ok FROM reporting.lake_reconciliation WHERE workflow_id = $1',
      [handle.workflowId],
    );
    expect(rec.rows[0]).toEqual({ n: 2 * LAKE_TABLES.length, ok: 2 * LAKE_TABLES.length });
    const txnRows = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM reporting.fact_txn');
    expect(result.lake?.rowsExported).toBeGreaterThanOrEqual(txnRows.rows[0].n);
  });
});
