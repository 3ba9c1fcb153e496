/**
 * Durability (ARCHITECTURE §3 rule 2, §6): rows, watermark and run log commit together.
 * - The load's backend is killed (pg_terminate_backend) after its INSERT and watermark upsert, while
 *   it waits to write the run log — i.e. between insert and commit: nothing is left behind, the
 *   watermark has not moved, the failure is retryable, and the retry loads every row once.
 * - Cancellation inside an activity: the guard heartbeats on a timer while the load waits, and a
 *   cancel request cancels the running statement (pg_cancel_backend), rolls back and reports
 *   CancelledFailure.
 * - The stream lock is visible to other transactions (the lake exporter's tryLockStream).
 */
import { asyncLocalStorage, type Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RETRYABLE_TYPES } from '../../../activities/loaders/errors';
import { streamLockKey, tryLockStream } from '../../../activities/loaders/lock';
import { seedDatabase } from '../../../lib/seed';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { count, EXPECTED, expectStreamMatchesSource, insertTxn, loaders } from './fixtures';

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The pid of this database's backend blocked in a statement matching `like`. */
async function blockedBackend(pool: Pool, waitEvent: string, like: string): Promise<{ pid: number; wrote: boolean } | undefined> {
  const { rows } = await pool.query<{ pid: number; wrote: boolean }>(
    `SELECT pid, backend_xid IS NOT NULL AS wrote FROM pg_stat_activity
     WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = $1 AND query LIKE $2`,
    [waitEvent, like],
  );
  return rows[0];
}

describe('loaders: crash between insert and commit, cancellation, the stream lock', () => {
  let db: TestDatabase;
  let T: string;
  let expectedTxn: number;

  beforeAll(async () => {
    db = await createTestDatabase('loaders_crash');
    const s = await seedDatabase(db.pool, { tenants: 1, loans: 30, days: 120, seed: 3, asOf: new Date('2026-09-01T00:00:00Z') });
    T = s.tenants[0].id;
    expectedTxn = await count(db.pool, EXPECTED.fact_txn.source, [T]);
  });
  afterAll(async () => {
    await db?.drop();
  });

  /** Runs `load` while the run-log table is locked, kills the load's backend once it is blocked there. */
  async function killBeforeCommit(stream: string, load: () => Promise<unknown>): Promise<unknown> {
    const blocker = await db.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE reporting.etl_run_log IN EXCLUSIVE MODE');
      const outcome = load().then(
        (v) => ({ ok: v }),
        (e: unknown) => ({ err: e }),
      );
      const victim = await waitFor('the load to block on the run log', () => blockedBackend(db.pool, 'relation', '%INSERT INTO reporting.etl_run_log%'));
      // It has written (facts and watermark) and not committed.
      expect(victim.wrote).toBe(true);
      // Meanwhile the stream lock is held: another transaction (the lake exporter) cannot take it.
      const other = await db.pool.connect();
      try {
        await other.query('BEGIN');
        expect(await tryLockStream(other, T, stream)).toBe(false);
        expect(await tryLockStream(other, T, 'dim_investor')).toBe(true);
      } finally {
        await other.query('ROLLBACK');
        other.release();
      }
      await db.pool.query('SELECT pg_terminate_backend($1)', [victim.pid]);
      const result = await outcome;
      expect(result).not.toHaveProperty('ok');
      return (result as { err: unknown }).err;
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
  }

  it('first load killed before COMMIT: no rows, no watermark, no run log; the retry loads each row once', async () => {
    const acts = loaders(db);
    const err = await killBeforeCommit('fact_txn', () => acts.loadFactTxn({ tenantId: T, workflowId: 'crash-1' }));
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(false);
    expect((err as ApplicationFailure).type).toBe(RETRYABLE_TYPES.databaseUnavailable);
    expect((err as ApplicationFailure).message).toMatch(new RegExp(`^fact_txn for tenant ${T}: `));

    expect(await count(db.pool, 'SELECT 1 FROM reporting.fact_txn WHERE tenant_id = $1', [T])).toBe(0);
    expect(await count(db.pool, 'SELECT 1 FROM reporting.etl_watermark WHERE tenant_id = $1', [T])).toBe(0);
    expect(await count(db.pool, 'SELECT 1 FROM reporting.etl_run_log WHERE tenant_id = $1', [T])).toBe(0);

    const retry = await acts.loadFactTxn({ tenantId: T, workflowId: 'crash-1' });
    expect([retry.oldWatermark, retry.rowsRead, retry.rowsInserted]).toEqual([null, expectedTxn, expectedTxn]);
    expect(await expectStreamMatchesSource(db.pool, 'fact_txn', T)).toBe(expectedTxn);
  });

  it('a later load killed before COMMIT leaves the watermark where it was; the retry adds only the new rows', async () => {
    const acts = loaders(db, { ETL_SAFETY_LAG_SECONDS: '0' });
    const before = await db.pool.query<{ watermark: Date }>(`SELECT watermark FROM reporting.etl_watermark WHERE tenant_id = $1 AND stream = 'fact_txn'`, [T]);
    const loan = (await db.pool.query<{ id: string }>('SELECT id FROM public.loan_candidates WHERE tenant_id = $1 LIMIT 1', [T])).rows[0].id;
    for (let i = 0; i < 3; i++) await insertTxn(db.pool, { tenantId: T, loanId: loan, ts: `2026-09-0${i + 1}T12:00:00Z`, type: 'PAYMENT', amount: '10.00', principal: '10.00' });

    await killBeforeCommit('fact_txn', () => acts.loadFactTxn({ tenantId: T }));
    const after = await db.pool.query<{ watermark: Date }>(`SELECT watermark FROM reporting.etl_watermark WHERE tenant_id = $1 AND stream = 'fact_txn'`, [T]);
    expect(after.rows[0].watermark.toISOString()).toBe(before.rows[0].watermark.toISOString());
    expect(await count(db.pool, 'SELECT 1 FROM reporting.fact_txn WHERE tenant_id = $1', [T])).toBe(expectedTxn);

    const retry = await acts.loadFactTxn({ tenantId: T });
    expect(retry.oldWatermark).toBe(before.rows[0].watermark.toISOString());
    expect(retry.rowsInserted).toBe(3);
    expect(await expectStreamMatchesSource(db.pool, 'fact_txn', T)).toBe(expectedTxn + 3);
  });

  it('the servicing snapshot killed before COMMIT leaves no rows; the retry writes each loan once', async () => {
    const acts = loaders(db);
    await killBeforeCommit('fact_servicing', () => acts.loadFactServicing({ tenantId: T, asOf: '2026-08-31' }));
    expect(await count(db.pool, 'SELECT 1 FROM reporting.fact_servicing WHERE tenant_id = $1', [T])).toBe(0);
    const retry = await acts.loadFactServicing({ tenantId: T, asOf: '2026-08-31' });
    expect(retry.rowsInserted).toBe(retry.rowsRead);
    expect(retry.rowsRead).toBeGreaterThan(0);
    expect(await count(db.pool, `SELECT 1 FROM reporting.fact_servicing WHERE tenant_id = $1 AND d = '2026-08-31'`, [T])).toBe(retry.rowsRead);
  });

  it('inside an activity: heartbeats on a timer while blocked, and a cancel cancels the statement and rolls back', async () => {
    const acts = loaders(db, { ETL_SAFETY_LAG_SECONDS: '0' }, { heartbeatIntervalMs: 50 });
    const loan = (await db.pool.query<{ id: string }>('SELECT id FROM public.loan_candidates WHERE tenant_id = $1 LIMIT 1', [T])).rows[0].id;
    const pending = await insertTxn(db.pool, { tenantId: T, loanId: loan, ts: '2026-09-05T12:00:00Z', type: 'FEE', amount: '5.00', fees: '5.00' });
    const wmBefore = (await db.pool.query(`SELECT watermark FROM reporting.etl_watermark WHERE tenant_id = $1 AND stream = 'fact_txn'`, [T])).rows[0].watermark;

    // Someone else (a backfill, the exporter) holds the stream lock: the load waits in SQL.
    const holder = await db.pool.connect();
    await holder.query('SELECT pg_advisory_lock($1::bigint)', [streamLockKey(T, 'fact_txn')]);
    const beats: Array<{ phase: string; stream: string; tenantId: string }> = [];
    const abort = new AbortController();
    const fakeContext = { heartbeat: (d: (typeof beats)[number]) => beats.push(d), cancellationSignal: abort.signal } as unknown as Context;
    try {
      const outcome = asyncLocalStorage.run(fakeContext, () => acts.loadFactTxn({ tenantId: T })).then(
        (v) => ({ ok: v }),
        (e: unknown) => ({ err: e }),
      );
      const waiting = await waitFor('the load to wait for the stream lock', () => blockedBackend(db.pool, 'advisory', '%pg_advisory_xact_lock%'));
      await waitFor('timer heartbeats while blocked', async () => (beats.filter((b) => b.phase === 'waiting for the stream lock').length >= 3 ? true : undefined));
      expect(beats[beats.length - 1]).toEqual({ tenantId: T, stream: 'fact_txn', phase: 'waiting for the stream lock' });

      const reason = new CancelledFailure('CANCELLED');
      const cancelledAt = Date.now();
      abort.abort(reason);
      const result = (await outcome) as { err?: unknown };
      expect(result.err).toBe(reason);
      expect(Date.now() - cancelledAt).toBeLessThan(5_000);
      // The statement was cancelled and the transaction rolled back: the backend no longer waits.
      expect(await blockedBackend(db.pool, 'advisory', '%pg_advisory_xact_lock%')).toBeUndefined();
      const state = await db.pool.query(`SELECT state FROM pg_stat_activity WHERE pid = $1`, [waiting.pid]);
      expect(state.rows[0]?.state ?? 'gone').not.toMatch(/in transaction/);
    } finally {
      await holder.query('SELECT pg_advisory_unlock($1::bigint)', [streamLockKey(T, 'fact_txn')]);
      holder.release();
    }
    expect(await count(db.pool, 'SELECT 1 FROM reporting.fact_txn WHERE txn_id = $1', [pending])).toBe(0);
    const wmAfter = (await db.pool.query(`SELECT watermark FROM reporting.etl_watermark WHERE tenant_id = $1 AND stream = 'fact_txn'`, [T])).rows[0].watermark;
    expect(wmAfter.toISOString()).toBe(wmBefore.toISOString());

    // Not cancelled, the same load goes through.
    expect((await acts.loadFactTxn({ tenantId: T })).rowsInserted).toBe(1);
  });
});
