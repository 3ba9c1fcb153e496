/**
 * The parent workflows on the real dev server: one failing tenant does not stop the others and is
 * named; a backfill over a range a scheduled run already loaded changes nothing.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDatabase } from '../../../lib/seed';
import type { BackfillInput, RunResult } from '../../../lib/workflow-types';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { snapshotFacts, txnDifference } from '../../support/facts';
import { recordHistory } from '../../support/replay';
import { startTestWorker, type TestWorker } from '../../support/stack';

const AS_OF = new Date('2026-11-20T00:00:00Z');

describe('hourly and backfill workflows', () => {
  let db: TestDatabase;
  let tw: TestWorker;
  let tenants: Array<{ id: string; name: string }>;

  beforeAll(async () => {
    db = await createTestDatabase('wf');
    await seedDatabase(db.pool, { tenants: 3, loans: 12, days: 40, seed: 11, asOf: AS_OF });
    tenants = (await db.pool.query<{ id: string; name: string }>('SELECT id::text, name FROM tenants ORDER BY name')).rows;
    tw = await startTestWorker(db);
  });
  afterAll(async () => {
    await tw?.close();
    await db?.drop();
  });

  it('fails only the tenant whose load fails, finishes the others, and names it', async () => {
    const bad = tenants[1];
    // A constraint violation is non-retryable: the tenant fails at once instead of retrying.
    await db.pool.query(`ALTER TABLE reporting.fact_txn ADD CONSTRAINT test_reject_tenant CHECK (tenant_id <> '${bad.id}'::uuid) NOT VALID`);
    const err = await tw
      .run(() => tw.client.workflow.execute('hourlyEtlWorkflow', { workflowId: `wf-fail-${Date.now()}`, taskQueue: tw.config.temporal.taskQueue, args: [{}] }))
      .then(() => undefined, (e: unknown) => e);
    await db.pool.query('ALTER TABLE reporting.fact_txn DROP CONSTRAINT test_reject_tenant');

    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('TenantsFailed');
    expect(cause.message).toMatch(new RegExp(`^1 of 3 tenants failed: ${bad.name} \\(`));
    const progress = cause.details?.[0] as RunResult;
    expect(progress.failed.map((f) => f.tenantId)).toEqual([bad.id]);
    expect(progress.tenantsDone).toBe(3);

    // The other two tenants loaded everything; the failed one loaded no transactions.
    const perTenant = await db.pool.query<{ tenant_id: string; src: number; dst: number }>(`
      SELECT t.id::text AS tenant_id,
             (SELECT count(*)::int FROM svc_txns s WHERE s.tenant_id = t.id) AS src,
             (SELECT count(*)::int FROM reporting.fact_txn f WHERE f.tenant_id = t.id) AS dst
        FROM tenants t ORDER BY t.name`);
    for (const row of perTenant.rows) {
      expect(row.src).toBeGreaterThan(0);
      expect(row.dst).toBe(row.tenant_id === bad.id ? 0 : row.src);
    }
  });

  it('a rerun loads the failed tenant, and a backfill over the loaded range changes nothing', async () => {
    const result = (await tw.run(() =>
      tw.client.workflow.execute('hourlyEtlWorkflow', { workflowId: `wf-ok-${Date.now()}`, taskQueue: tw.config.temporal.taskQueue, args: [{}] }),
    )) as RunResult;
    expect(result.failed).toEqual([]);
    expect(await txnDifference(db.pool)).toEqual({ missing: 0, extra: 0, duplicates: 0 });

    const before = await snapshotFacts(db.pool);
    const watermarksBefore = (await db.pool.query('SELECT tenant_id, stream, watermark FROM reporting.etl_watermark ORDER BY 1, 2')).rows;
    const input: BackfillInput = {
      from: '2026-10-25',
      to: '2026-11-19',
      streams: ['dim_investor', 'dim_loan', 'fact_txn', 'fact_qc', 'fact_export', 'fact_notify', 'fact_remit'],
      windowDays: 10,
      maxLookbackDays: 3650,
    };
    const handle = await tw.client.workflow.start('backfillWorkflow', { workflowId: `wf-backfill-${Date.now()}`, taskQueue: tw.config.temporal.taskQueue, args: [input] });
    const backfill = (await tw.run(() => handle.result())) as RunResult;
    await recordHistory(handle, 'backfill', tw.config.temporal.address);

    expect(backfill.windowsTotal).toBe(3);
    expect(backfill.windowsDone).toBe(3);
    expect(backfill.failed).toEqual([]);
    for (const [stream, rows] of Object.entries(backfill.rowsByStream)) {
      if (stream.startsWith('fact_')) expect({ stream, rows }).toEqual({ stream, rows: 0 });
    }
    expect(await snapshotFacts(db.pool)).toEqual(before);
    expect((await db.pool.query('SELECT tenant_id, stream, watermark FROM reporting.etl_watermark ORDER BY 1, 2')).rows).toEqual(watermarksBefore);
  });
});
