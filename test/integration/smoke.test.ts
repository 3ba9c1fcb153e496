/**
 * Smoke: the real hourly workflow on the real dev server, whose activities read the seeded source
 * tables and write the reporting facts in real Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDatabase } from '../../lib/seed';
import type { RunResult } from '../../lib/workflow-types';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { recordHistory } from '../support/replay';
import { startTestWorker, type TestWorker } from '../support/stack';

describe('smoke: hourly run through Temporal into Postgres', () => {
  let db: TestDatabase;
  let tw: TestWorker;

  beforeAll(async () => {
    db = await createTestDatabase('smoke');
    await seedDatabase(db.pool, { tenants: 2, loans: 10, days: 20, seed: 5 });
    tw = await startTestWorker(db);
  });
  afterAll(async () => {
    await tw?.close();
    await db?.drop();
  });

  it('loads every source transaction exactly once and records watermarks', async () => {
    const handle = await tw.client.workflow.start('hourlyEtlWorkflow', { workflowId: `smoke-${Date.now()}`, taskQueue: tw.config.temporal.taskQueue, args: [{}] });
    const result = (await tw.run(() => handle.result())) as RunResult;
    await recordHistory(handle, 'hourly', tw.config.temporal.address);

    const src = await db.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM svc_txns');
    const dst = await db.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM reporting.fact_txn');
    expect(Number(src.rows[0].n)).toBeGreaterThan(0);
    expect(dst.rows[0].n).toBe(src.rows[0].n);
    expect(result.phase).toBe('done');
    expect(result.tenantsTotal).toBe(2);
    expect(result.failed).toEqual([]);
    expect(result.rowsByStream.fact_txn).toBe(Number(src.rows[0].n));

    const wm = await db.pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM reporting.etl_watermark WHERE stream = 'fact_txn'`);
    expect(wm.rows[0].n).toBe('2');
  });
});
