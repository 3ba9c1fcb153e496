/**
 * Tenant isolation (ARCHITECTURE §3 rule 5): a load for tenant A reads only A's source rows and
 * writes only A's reporting rows, and B's load leaves A's rows exactly as they were.
 *
 * The second half runs the loaders as a role that row-level security applies to (not the owner):
 * every write then has to pass the tenant policy, so a load that forgot set_config('app.tenant_id')
 * inside its transaction, or wrote another tenant's row, would fail instead of succeeding.
 */
import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../../lib/db';
import { seedDatabase } from '../../../lib/seed';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { ALL_LOADERS, EXPECTED, LOADER_STREAM, count, expectStreamMatchesSource, loaders, resetReporting } from './fixtures';

const TABLES = ['dim_loan', 'dim_investor', 'fact_txn', 'fact_qc', 'fact_export', 'fact_notify', 'fact_remit', 'fact_servicing', 'etl_watermark', 'etl_run_log'];

async function tenantRows(pool: Pool, tenantId: string): Promise<string> {
  const parts = TABLES.map((t) => `'${t}', (SELECT json_agg(x ORDER BY x::text) FROM reporting.${t} x WHERE x.tenant_id = $1)`);
  return JSON.stringify((await pool.query(`SELECT json_build_object(${parts.join(', ')}) AS j`, [tenantId])).rows[0].j);
}

describe('loaders: tenant isolation', () => {
  let db: TestDatabase;
  let A: string;
  let B: string;
  const asOf = new Date('2026-05-01T00:00:00Z');

  beforeAll(async () => {
    db = await createTestDatabase('loaders_tenant');
    [A, B] = (await seedDatabase(db.pool, { tenants: 2, loans: 25, days: 90, seed: 21, asOf })).tenants.map((t) => t.id);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("A's loads read exactly A's rows and write nothing of B; B's loads leave A's rows untouched", async () => {
    const acts = loaders(db);
    for (const name of ALL_LOADERS) {
      const r = await acts[name]({ tenantId: A });
      const stream = LOADER_STREAM[name];
      const ownRows = await count(db.pool, EXPECTED[stream].source, [A]);
      expect(await count(db.pool, EXPECTED[stream].source, [B])).toBeGreaterThan(0);
      expect([r.rowsRead, r.rowsInserted], stream).toEqual([ownRows, ownRows]);
    }
    const svc = await acts.loadFactServicing({ tenantId: A, asOf: '2026-04-30' });
    expect(svc.rowsInserted).toBeGreaterThan(0);
    for (const t of TABLES) expect(await count(db.pool, `SELECT 1 FROM reporting.${t} WHERE tenant_id = $1`, [B]), t).toBe(0);
    expect(await count(db.pool, `SELECT 1 FROM reporting.fact_servicing f JOIN public.loan_candidates l ON l.id = f.loan_id WHERE l.tenant_id <> f.tenant_id`)).toBe(0);

    const aBefore = await tenantRows(db.pool, A);
    for (const name of ALL_LOADERS) await acts[name]({ tenantId: B });
    await acts.loadFactServicing({ tenantId: B, asOf: '2026-04-30' });
    expect(await tenantRows(db.pool, A)).toBe(aBefore);
    for (const name of ALL_LOADERS) {
      expect(await expectStreamMatchesSource(db.pool, LOADER_STREAM[name], A)).toBeGreaterThan(0);
      expect(await expectStreamMatchesSource(db.pool, LOADER_STREAM[name], B)).toBeGreaterThan(0);
    }
    // Watermarks are per tenant.
    expect(await count(db.pool, `SELECT 1 FROM reporting.etl_watermark WHERE tenant_id = ANY($1)`, [[A, B]])).toBe(2 * ALL_LOADERS.length);
  });

  it('as a role under row-level security, every load passes the tenant policy and sees only its tenant', async () => {
    await resetReporting(db.pool);
    // Roles are cluster-wide: a unique name, dropped at the end.
    const role = `loader_rls_${randomBytes(4).toString('hex')}`;
    await db.pool.query(`CREATE ROLE ${role} NOLOGIN`);
    await db.pool.query(`GRANT USAGE ON SCHEMA reporting TO ${role}`);
    await db.pool.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
    await db.pool.query(`GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA reporting TO ${role}`);
    await db.pool.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA reporting TO ${role}`);
    // Every connection of this pool starts as the role (a startup option: nothing to forget).
    const rlsPool = createPool(db.url, { max: 3, options: `-c role=${role}` });
    try {
      expect((await rlsPool.query('SELECT current_user AS u')).rows[0].u).toBe(role);
      const acts = loaders({ pool: rlsPool, url: db.url });
      for (const name of ALL_LOADERS) {
        const stream = LOADER_STREAM[name];
        const r = await acts[name]({ tenantId: A });
        expect(r.rowsInserted, stream).toBe(await count(db.pool, EXPECTED[stream].source, [A]));
      }
      expect((await acts.loadFactServicing({ tenantId: A, asOf: '2026-04-30' })).rowsInserted).toBeGreaterThan(0);
      // Outside a load's transaction this role sees no reporting rows at all (app.tenant_id unset).
      expect(Number((await rlsPool.query('SELECT count(*) AS n FROM reporting.fact_txn')).rows[0].n)).toBe(0);
      // The policy really applies to this role: writing B's row with A's tenant set is refused.
      const c = await rlsPool.connect();
      try {
        await c.query('BEGIN');
        await c.query(`SELECT set_config('app.tenant_id', $1, true)`, [A]);
        await expect(
          c.query(`INSERT INTO reporting.etl_watermark (tenant_id, stream, watermark) VALUES ($1, 'fact_txn', now())`, [B]),
        ).rejects.toMatchObject({ code: '42501' });
      } finally {
        await c.query('ROLLBACK');
        c.release();
      }
      for (const name of ALL_LOADERS) await expectStreamMatchesSource(db.pool, LOADER_STREAM[name], A);
      for (const t of TABLES) expect(await count(db.pool, `SELECT 1 FROM reporting.${t} WHERE tenant_id = $1`, [B]), t).toBe(0);
    } finally {
      await rlsPool.end();
      await db.pool.query(`REASSIGN OWNED BY ${role} TO CURRENT_USER; DROP OWNED BY ${role}; DROP ROLE ${role}`);
    }
  });
});
