/**
 * Tenant isolation (ARCHITECTURE rule 5): reporting_reader with app.tenant_id = A sees none of B's
 * rows in any reporting table or view, and nothing at all when app.tenant_id is unset or empty.
 * The relation lists come from the catalog, so a table or view added later is checked too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { asReader } from '../../fixtures/schema/as-reader';
import { A, B, loadReportingFixture } from '../../fixtures/schema/reporting-fixture';

let db: TestDatabase;
/** Relations reporting_reader may SELECT that carry tenant_id. */
let withTenant: { name: string; kind: 'r' | 'v' }[];
let allRelations: { name: string; kind: 'r' | 'v'; readable: boolean }[];

// Tables the reader must not read at all (030: API key hashes). Anything else is granted.
const PRIVATE = ['api_keys'];

// Relation names come from pg_class; they are still checked before being placed in SQL.
const ident = (name: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unexpected relation name ${name}`);
  return `reporting.${name}`;
};

beforeAll(async () => {
  db = await createTestDatabase('schema_rls');
  await loadReportingFixture(db.pool);
  const rels = await db.pool.query<{ name: string; kind: 'r' | 'v'; has_tenant: boolean; readable: boolean }>(
    `SELECT c.relname AS name, c.relkind AS kind,
            EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped) AS has_tenant,
            has_table_privilege('reporting_reader', c.oid, 'SELECT') AS readable
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'reporting' AND c.relkind IN ('r', 'v')
     ORDER BY c.relname`,
  );
  allRelations = rels.rows.map(({ name, kind, readable }) => ({ name, kind, readable }));
  withTenant = rels.rows.filter((r) => r.has_tenant && r.readable).map(({ name, kind }) => ({ name, kind }));
});
afterAll(async () => {
  await db?.drop();
});

describe('structure', () => {
  it('every reporting table except dim_date has tenant_id and row-level security, enabled but not forced', async () => {
    const r = await db.pool.query<{ name: string; rls: boolean; forced: boolean; has_tenant: boolean; policies: number }>(
      `SELECT c.relname AS name, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
              EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id') AS has_tenant,
              (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'reporting' AND c.relkind = 'r' AND c.relname <> 'dim_date'
       ORDER BY c.relname`,
    );
    expect(r.rows.map((x) => x.name)).toEqual(
      expect.arrayContaining(['api_keys', 'dim_investor', 'dim_loan', 'etl_run_log', 'etl_watermark', 'fact_export', 'fact_notify', 'fact_qc',
        'fact_remit', 'fact_servicing', 'fact_txn', 'lake_checkpoint', 'lake_reconciliation']),
    );
    for (const t of r.rows) expect(t, t.name).toMatchObject({ rls: true, forced: false, has_tenant: true, policies: 1 });
  });

  it('every reporting view is security_invoker, so RLS applies to the caller', async () => {
    const r = await db.pool.query<{ name: string; options: string[] | null }>(
      `SELECT c.relname AS name, c.reloptions AS options
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'reporting' AND c.relkind = 'v' ORDER BY c.relname`,
    );
    expect(r.rows.length).toBe(9);
    for (const v of r.rows) expect(v.options ?? [], v.name).toContain('security_invoker=true');
  });

  it('reporting_reader can read every reporting relation but the private ones, and write none', async () => {
    expect(allRelations.filter((r) => !r.readable).map((r) => r.name)).toEqual(PRIVATE);
    for (const rel of allRelations) {
      const r = await db.pool.query<{ sel: boolean; ins: boolean }>(
        `SELECT has_table_privilege('reporting_reader', $1, 'SELECT') AS sel, has_table_privilege('reporting_reader', $1, 'INSERT') AS ins`,
        [ident(rel.name)],
      );
      expect(r.rows[0], rel.name).toEqual({ sel: !PRIVATE.includes(rel.name), ins: false });
    }
    await expect(asReader(db.pool, A, (c) => c.query(`SELECT count(*) FROM reporting.api_keys`))).rejects.toThrow(/permission denied/);
    await expect(
      asReader(db.pool, A, (c) => c.query(`INSERT INTO reporting.etl_watermark (tenant_id, stream, watermark) VALUES ($1, 'x', now())`, [A])),
    ).rejects.toThrow(/permission denied/);
  });
});

describe('as reporting_reader', () => {
  it('with app.tenant_id = A: every relation with tenant_id shows A\'s rows and none of B\'s', async () => {
    expect(withTenant.length).toBeGreaterThanOrEqual(12 + 6);
    await asReader(db.pool, A, async (c) => {
      for (const rel of withTenant) {
        const r = await c.query<{ mine: number; others: number }>(
          `SELECT count(*) FILTER (WHERE tenant_id = $1)::int AS mine, count(*) FILTER (WHERE tenant_id IS DISTINCT FROM $1)::int AS others
           FROM ${ident(rel.name)}`,
          [A],
        );
        // The fixture puts A rows in every table, so "none of B" is not vacuous.
        expect(r.rows[0], rel.name).toEqual({ mine: expect.any(Number), others: 0 });
        expect(r.rows[0].mine, `${rel.name} has A rows`).toBeGreaterThan(0);
      }
    });
  });

  it('the owner (the loaders) sees both tenants', async () => {
    for (const table of ['fact_txn', 'fact_qc', 'fact_export', 'fact_notify', 'fact_servicing', 'fact_remit', 'dim_loan', 'dim_investor', 'etl_watermark']) {
      const r = await db.pool.query<{ n: number }>(`SELECT count(DISTINCT tenant_id)::int AS n FROM ${ident(table)}`);
      expect(r.rows[0].n, table).toBe(2);
    }
  });

  it.each([
    ['unset', null],
    ['empty', ''],
  ])('with app.tenant_id %s: no rows in any relation with tenant_id', async (_label, tenant) => {
    await asReader(db.pool, tenant, async (c) => {
      for (const rel of withTenant) {
        const r = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ident(rel.name)}`);
        expect(r.rows[0].n, rel.name).toBe(0);
      }
      // The seed's views have no tenant_id column; they aggregate nothing.
      expect((await c.query(`SELECT loans_intake::int, loans_finalized::int, loans_boarded::int FROM reporting.v_kpi_pipeline`)).rows).toEqual([
        { loans_intake: 0, loans_finalized: 0, loans_boarded: 0 },
      ]);
      expect((await c.query(`SELECT * FROM reporting.v_cash_last_30`)).rows).toEqual([]);
      expect((await c.query(`SELECT * FROM reporting.v_qc_open_by_severity`)).rows).toEqual([]);
    });
  });

  it('views without tenant_id show only the tenant\'s own aggregates', async () => {
    const q = `SELECT (SELECT loans_intake + loans_finalized + loans_boarded FROM reporting.v_kpi_pipeline)::int AS loans,
                      (SELECT coalesce(sum(cash), 0) FROM reporting.v_cash_last_30) AS cash,
                      (SELECT coalesce(sum(open_count), 0) FROM reporting.v_qc_open_by_severity)::int AS open_defects`;
    // A: 5 loans; cash 300 - 10 + 1500 = 1790.00; 3 open defects. B: 2 loans; 5000.00; 1 open defect.
    expect((await asReader(db.pool, A, (c) => c.query(q))).rows).toEqual([{ loans: 5, cash: '1790.00', open_defects: 3 }]);
    expect((await asReader(db.pool, B, (c) => c.query(q))).rows).toEqual([{ loans: 2, cash: '5000.00', open_defects: 1 }]);
  });

  it('source tables the views read are isolated too', async () => {
    await asReader(db.pool, A, async (c) => {
      for (const table of ['loan_candidates', 'loan_datapoints']) {
        const r = await c.query<{ others: number; mine: number }>(
          `SELECT count(*) FILTER (WHERE tenant_id <> $1)::int AS others, count(*) FILTER (WHERE tenant_id = $1)::int AS mine FROM public.${table}`,
          [A],
        );
        expect(r.rows[0].others, table).toBe(0);
        expect(r.rows[0].mine, table).toBeGreaterThan(0);
      }
    });
  });
});
