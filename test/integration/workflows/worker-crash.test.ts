/**
 * A worker process SIGKILLed in the middle of an hourly run, while its loads hold open transactions
 * with rows inserted but not committed: after a new worker starts, the run completes and the facts
 * equal a clean run's — nothing duplicated, nothing missing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import type { Config } from '../../../lib/config';
import { seedDatabase } from '../../../lib/seed';
import { PROJECT_ROOT } from '../../../lib/stack/tools';
import type { RunResult } from '../../../lib/workflow-types';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { factContent, txnDifference } from '../../support/facts';
import { startTestWorker, testConfig } from '../../support/stack';

const SEED = { tenants: 2, loans: 10, days: 30, seed: 21, asOf: new Date('2026-11-22T00:00:00Z') };

function spawnWorker(config: Config): ChildProcess {
  return spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'lakehouse.js'), 'worker', '--workflow-bundle', inject('workflowBundlePath')], {
    env: {
      ...process.env,
      DB_URL: config.dbUrl,
      TEMPORAL_ADDRESS: config.temporal.address,
      LAKEHOUSE_TASK_QUEUE: config.temporal.taskQueue,
      METRICS_PORT: '0',
      ETL_SAFETY_LAG_SECONDS: '0',
      ETL_PII_TOKEN_KEY: 'test-token-key-0123456789',
    },
    stdio: 'ignore',
  });
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('worker killed mid-run', () => {
  let crashed: TestDatabase;
  let clean: TestDatabase;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    [crashed, clean] = await Promise.all([createTestDatabase('crash'), createTestDatabase('clean')]);
    await seedDatabase(crashed.pool, SEED);
    await seedDatabase(clean.pool, SEED);
  });
  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await crashed?.drop();
    await clean?.drop();
  });

  it('completes after a restart with exactly the facts of a clean run', async () => {
    const config = testConfig(crashed);
    const { client, close } = await startTestWorker(crashed, config); // client only; its worker never runs
    try {
      // Hold the watermark table so every load blocks after inserting its rows, before COMMIT.
      const blocker = new PgClient({ connectionString: crashed.url });
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE reporting.etl_watermark IN EXCLUSIVE MODE');

      const first = spawnWorker(config);
      workers.push(first);
      const handle = await client.workflow.start('hourlyEtlWorkflow', { workflowId: `crash-${Date.now()}`, taskQueue: config.temporal.taskQueue, args: [{}] });
      await waitFor('loads blocked mid-transaction', async () => {
        const { rows } = await crashed.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
        );
        return rows[0].n >= 1 ? rows[0].n : undefined;
      });
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));
      await blocker.query('ROLLBACK');
      await blocker.end();

      // The dead worker's transactions never commit: no fact rows, no watermark yet.
      await waitFor('orphaned transactions to roll back', async () => {
        const { rows } = await crashed.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'loanserve-lakehouse' AND state LIKE 'idle in transaction%'`,
        );
        return rows[0].n === 0 ? true : undefined;
      });
      const mid = await crashed.pool.query<{ facts: number; marks: number }>(
        'SELECT (SELECT count(*)::int FROM reporting.fact_txn) AS facts, (SELECT count(*)::int FROM reporting.etl_watermark) AS marks',
      );
      expect(mid.rows[0]).toEqual({ facts: 0, marks: 0 });

      const second = spawnWorker(config);
      workers.push(second);
      const result = (await handle.result()) as RunResult;
      expect(result.phase).toBe('done');
      expect(result.failed).toEqual([]);
    } finally {
      await close();
    }

    const cleanWorker = await startTestWorker(clean);
    try {
      await cleanWorker.run(() =>
        cleanWorker.client.workflow.execute('hourlyEtlWorkflow', { workflowId: `clean-${Date.now()}`, taskQueue: cleanWorker.config.temporal.taskQueue, args: [{}] }),
      );
    } finally {
      await cleanWorker.close();
    }
    expect(await txnDifference(crashed.pool)).toEqual({ missing: 0, extra: 0, duplicates: 0 });
    expect(await factContent(crashed.pool)).toEqual(await factContent(clean.pool));
  });
});
