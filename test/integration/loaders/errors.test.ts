/**
 * Bad input and broken schemas fail at once, non-retryable, with one clear line, and change nothing
 * (ARCHITECTURE §3 rule 10); transient failures stay retryable.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RETRYABLE_TYPES } from '../../../activities/loaders/errors';
import { streamLockKey } from '../../../activities/loaders/lock';
import { ERROR_TYPES } from '../../../lib/constants';
import { createPool } from '../../../lib/db';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { addTenant, count, insertTxn, loaders } from './fixtures';

async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('loaders: errors', () => {
  let db: TestDatabase;
  let T: string;

  beforeAll(async () => {
    db = await createTestDatabase('loaders_errors');
    T = await addTenant(db.pool, 'Errors Tenant');
    await insertTxn(db.pool, { tenantId: T, loanId: randomUUID(), ts: '2026-11-01T10:00:00Z', type: 'PAYMENT', amount: '100.00', principal: '100.00', at: '2026-11-01T10:00:00Z' });
  });
  afterAll(async () => {
    await db?.drop();
  });

  const nothingWritten = async () => {
    expect(await count(db.pool, 'SELECT 1 FROM reporting.fact_txn')).toBe(0);
    expect(await count(db.pool, 'SELECT 1 FROM reporting.etl_watermark')).toBe(0);
    expect(await count(db.pool, 'SELECT 1 FROM reporting.etl_run_log')).toBe(0);
  };

  it('an unknown tenant fails at once, non-retryable UnknownTenant, naming the tenant', async () => {
    const ghost = randomUUID();
    const started = Date.now();
    const f = await failure(loaders(db).loadFactTxn({ tenantId: ghost }));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(f.message).toBe(`unknown tenant: ${ghost}`);
    expect([f.type, f.nonRetryable]).toEqual([ERROR_TYPES.unknownTenant, true]);
    const s = await failure(loaders(db).loadFactServicing({ tenantId: ghost, asOf: '2026-11-01' }));
    expect([s.message, s.type]).toEqual([`unknown tenant: ${ghost}`, ERROR_TYPES.unknownTenant]);
    await nothingWritten();
  });

  it('a reversed or empty window, a malformed tenant id or date fails at once, non-retryable InvalidInput', async () => {
    const acts = loaders(db);
    const cases: Array<[Promise<unknown>, string]> = [
      [acts.loadFactTxn({ tenantId: T, window: { from: '2026-11-02T00:00:00Z', to: '2026-11-01T00:00:00Z' } }), 'window is reversed: from 2026-11-02T00:00:00Z is after to 2026-11-01T00:00:00Z'],
      [acts.loadDimLoan({ tenantId: T, window: { from: '2026-11-02', to: '2026-11-02' } }), 'window is empty: from and to are both 2026-11-02T00:00:00Z (to is exclusive)'],
      [acts.loadFactQc({ tenantId: 'tenant-1' }), 'tenantId must be a uuid (got "tenant-1")'],
      [acts.loadFactRemit({ tenantId: T, window: { from: 'yesterday', to: '2026-11-02' } }), 'window.from must be an ISO-8601 instant with a time zone, e.g. 2025-01-31T00:00:00Z (got "yesterday")'],
      [acts.loadFactServicing({ tenantId: T, asOf: '2026-13-01' }), 'asOf is not a calendar date (got "2026-13-01")'],
      [acts.loadFactServicing({ tenantId: T, asOf: '2099-01-01' }), `asOf 2099-01-01 is in the future (today is ${new Date().toISOString().slice(0, 10)} UTC)`],
    ];
    for (const [p, message] of cases) {
      const f = await failure(p);
      expect(f.message).toBe(message);
      expect([f.type, f.nonRetryable]).toEqual([ERROR_TYPES.invalidInput, true]);
    }
    await nothingWritten();
  });

  it('an undefined column or table is a non-retryable SchemaMismatch naming the load and SQLSTATE', async () => {
    const acts = loaders(db);
    await db.pool.query('ALTER TABLE public.exports RENAME COLUMN template TO template_name');
    try {
      const f = await failure(acts.loadFactExport({ tenantId: T }));
      expect(f.message).toBe(`fact_export for tenant ${T}: column e.template does not exist (SQLSTATE 42703)`);
      expect([f.type, f.nonRetryable]).toEqual([ERROR_TYPES.schemaMismatch, true]);
    } finally {
      await db.pool.query('ALTER TABLE public.exports RENAME COLUMN template_name TO template');
    }
    await db.pool.query('ALTER TABLE public.inv_investors RENAME TO inv_investors_moved');
    try {
      const f = await failure(acts.loadDimInvestor({ tenantId: T }));
      expect(f.message).toBe(`dim_investor for tenant ${T}: relation "public.inv_investors" does not exist (SQLSTATE 42P01)`);
      expect([f.type, f.nonRetryable]).toEqual([ERROR_TYPES.schemaMismatch, true]);
    } finally {
      await db.pool.query('ALTER TABLE public.inv_investors_moved RENAME TO inv_investors');
    }
    await nothingWritten();
  });

  it('a constraint violation is non-retryable ConstraintViolation and rolls the whole load back', async () => {
    // Test-only constraint on the target that the one source row violates.
    await db.pool.query('ALTER TABLE reporting.fact_txn ADD CONSTRAINT test_small_amounts CHECK (amount < 50)');
    try {
      const f = await failure(loaders(db).loadFactTxn({ tenantId: T }));
      expect(f.message).toMatch(new RegExp(`^fact_txn for tenant ${T}: new row for relation "fact_txn" violates check constraint "test_small_amounts" \\(SQLSTATE 23514\\)$`));
      expect([f.type, f.nonRetryable]).toEqual([ERROR_TYPES.constraintViolation, true]);
    } finally {
      await db.pool.query('ALTER TABLE reporting.fact_txn DROP CONSTRAINT test_small_amounts');
    }
    await nothingWritten();
  });

  it('a statement timeout (not our cancellation) is retryable StatementTimeout', async () => {
    const holder = await db.pool.connect();
    await holder.query('SELECT pg_advisory_lock($1::bigint)', [streamLockKey(T, 'fact_txn')]);
    const slowPool = createPool(db.url, { max: 2, options: '-c statement_timeout=300' });
    try {
      const f = await failure(loaders({ pool: slowPool, url: db.url }).loadFactTxn({ tenantId: T }));
      expect(f.message).toBe(`fact_txn for tenant ${T}: canceling statement due to statement timeout (SQLSTATE 57014)`);
      expect([f.type, f.nonRetryable]).toEqual([RETRYABLE_TYPES.statementTimeout, false]);
    } finally {
      await slowPool.end();
      await holder.query('SELECT pg_advisory_unlock($1::bigint)', [streamLockKey(T, 'fact_txn')]);
      holder.release();
    }
    await nothingWritten();
    // Once the obstacle is gone, the same load succeeds.
    expect((await loaders(db).loadFactTxn({ tenantId: T })).rowsInserted).toBe(1);
  });
});
