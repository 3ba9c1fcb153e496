/**
 * The dbt project (analytics/) runs for real, with the pinned dbt from .tools/dbt-venv, against a
 * seeded and loaded database: every model builds and every test passes; the cash mart reconciles
 * with reporting.fact_txn to the cent; a bad row makes `dbt test` fail; docs generate; and nothing
 * is written into the loaders' `reporting` schema.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoaderActivities } from '../../../activities/loaders';
import { loadConfig, type Config } from '../../../lib/config';
import { dbtConnectionEnv, dbtProcessEnv, ensureDbt, runDbt, type DbtRunResult } from '../../../lib/dbt';
import { seedDatabase } from '../../../lib/seed';
import { createTestDatabase, type TestDatabase } from '../../support/db';

const AS_OF = new Date('2026-10-01T00:00:00Z');
// Month ends inside the seeded 90 days, plus the last day: two month-over-month transitions.
const SNAPSHOT_DATES = ['2026-07-31', '2026-08-31', '2026-09-30'];
const ROOT = path.resolve(__dirname, '..', '..', '..');

interface RunResults {
  results: Array<{ unique_id: string; status: string; failures: number | null }>;
}

describe('dbt project', () => {
  let db: TestDatabase;
  let config: Config;
  let work: string;
  let tenantIds: string[];

  const dbt = (args: string[]): Promise<DbtRunResult> =>
    // Artifacts and logs per test file: parallel files must not share analytics/target.
    runDbt(args, { config, stdio: 'capture', targetPath: path.join(work, 'target'), logPath: path.join(work, 'logs') });
  const runResults = (): RunResults => JSON.parse(readFileSync(path.join(work, 'target', 'run_results.json'), 'utf8')) as RunResults;
  const reportingRelations = async () =>
    (await db.pool.query<{ r: string }>(`SELECT relname || ':' || relkind::text AS r FROM pg_class WHERE relnamespace = 'reporting'::regnamespace ORDER BY 1`)).rows.map((x) => x.r);

  beforeAll(async () => {
    // The first run installs dbt from PyPI (a minute or two); later runs find the stamp and return.
    await ensureDbt((line) => process.stderr.write(`[dbt] ${line}\n`));
    db = await createTestDatabase('dbt');
    config = loadConfig({ DB_URL: db.url, ETL_SAFETY_LAG_SECONDS: '0' });
    work = mkdtempSync(path.join(os.tmpdir(), 'lakehouse-dbt-'));

    const summary = await seedDatabase(db.pool, { tenants: 2, loans: 30, days: 90, seed: 7, asOf: AS_OF });
    tenantIds = summary.tenants.map((t) => t.id);
    // Loading: the loader activities themselves, called directly (no Temporal needed), dims first.
    const loaders = createLoaderActivities({ pool: db.pool, config });
    for (const tenantId of tenantIds) {
      await loaders.loadDimInvestor({ tenantId });
      await loaders.loadDimLoan({ tenantId });
      await loaders.loadFactTxn({ tenantId });
      await loaders.loadFactQc({ tenantId });
      await loaders.loadFactExport({ tenantId });
      await loaders.loadFactNotify({ tenantId });
      await loaders.loadFactRemit({ tenantId });
      for (const asOf of SNAPSHOT_DATES) await loaders.loadFactServicing({ tenantId, asOf });
    }
  });

  afterAll(async () => {
    await db?.drop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('dbt build creates every model outside `reporting` and passes every test', async () => {
    const before = await reportingRelations();
    const build = await dbt(['build']);
    expect(build.code, build.stdout.slice(-4000)).toBe(0);

    const results = runResults().results;
    // Exposures are listed as no-op: nothing to build, they only declare lineage.
    const bad = results.filter((r) => !['success', 'pass'].includes(r.status) && !(r.unique_id.startsWith('exposure.') && r.status === 'no-op'));
    expect(bad).toEqual([]);
    const models = results.filter((r) => r.unique_id.startsWith('model.'));
    const tests = results.filter((r) => r.unique_id.startsWith('test.'));
    expect(models.map((m) => m.unique_id.split('.').pop()).sort()).toEqual(
      expect.arrayContaining(['fct_cash_collections', 'fct_delinquency_roll_rates', 'fct_investor_remittance_summary', 'stg_txn']),
    );
    expect(tests.length).toBeGreaterThan(100);
    for (const singular of ['assert_cash_collections_reconcile_to_fact_txn', 'assert_fact_txn_matches_svc_txns', 'assert_roll_rates_count_every_continuing_loan']) {
      expect(tests.map((t) => t.unique_id)).toContain(`test.loanserve_analytics.${singular}`);
    }

    // Views in analytics_staging, tables in analytics_marts; `reporting` exactly as the migrations left it.
    const { rows } = await db.pool.query<{ schema: string; name: string; kind: string }>(`
      SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relname IN ('stg_txn', 'fct_cash_collections', 'fct_delinquency_roll_rates', 'fct_investor_remittance_summary')
       ORDER BY 2`);
    expect(rows).toEqual([
      { schema: 'analytics_marts', name: 'fct_cash_collections', kind: 'r' },
      { schema: 'analytics_marts', name: 'fct_delinquency_roll_rates', kind: 'r' },
      { schema: 'analytics_marts', name: 'fct_investor_remittance_summary', kind: 'r' },
      { schema: 'analytics_staging', name: 'stg_txn', kind: 'v' },
    ]);
    expect(await reportingRelations()).toEqual(before);
  });

  it('fct_cash_collections summed per tenant equals reporting.fact_txn (and svc_txns) exactly', async () => {
    const sums = (from: string, amount: string, principal: string, interest: string, escrow: string, fees: string, count: string) => `
      SELECT tenant_id::text, ${count}::bigint::text AS n, sum(${amount})::text AS amount, sum(${principal})::text AS principal,
             sum(${interest})::text AS interest, sum(${escrow})::text AS escrow, sum(${fees})::text AS fees
        FROM ${from} GROUP BY tenant_id ORDER BY tenant_id`;
    const mart = (await db.pool.query(sums('analytics_marts.fct_cash_collections', 'amount', 'principal', 'interest', 'escrow', 'fees', 'sum(txn_count)'))).rows;
    const facts = (await db.pool.query(sums('reporting.fact_txn', 'amount', 'alloc_principal', 'alloc_interest', 'alloc_escrow', 'alloc_fees', 'count(*)'))).rows;
    const source = (await db.pool.query(sums('public.svc_txns', 'amount', 'alloc_principal', 'alloc_interest', 'alloc_escrow', 'alloc_fees', 'count(*)'))).rows;

    expect(mart.map((r) => r.tenant_id).sort()).toEqual([...tenantIds].sort());
    expect(mart.every((r) => Number(r.n) > 0)).toBe(true);
    // Strings of numeric sums: equal to the cent, no float in between.
    expect(mart).toEqual(facts);
    expect(facts).toEqual(source);

    // cash_collected is money received: PAYMENT and ADJUSTMENT only, as reporting.v_cash_last_30 counts it.
    const { rows: cash } = await db.pool.query<{ mart: string; facts: string }>(`
      SELECT (SELECT sum(cash_collected) FROM analytics_marts.fct_cash_collections)::text AS mart,
             (SELECT sum(amount) FROM reporting.fact_txn WHERE type IN ('PAYMENT', 'ADJUSTMENT'))::text AS facts`);
    expect(Number(cash[0].facts)).toBeGreaterThan(0);
    expect(cash[0].mart).toBe(cash[0].facts);
  });

  it('the roll-rate and remittance marts hold the loaded snapshots and remittances', async () => {
    const { rows: roll } = await db.pool.query<{ month: string; loans: number }>(`
      SELECT month::text, sum(loan_count)::int AS loans
        FROM analytics_marts.fct_delinquency_roll_rates GROUP BY month ORDER BY month`);
    expect(roll.map((r) => r.month)).toEqual(['2026-08-01', '2026-09-01']);
    // Loans present at both month ends, counted straight from the snapshots.
    const { rows: continuing } = await db.pool.query<{ month: string; loans: number }>(`
      SELECT cur.d::text AS month, count(*)::int AS loans
        FROM (SELECT DISTINCT tenant_id, loan_id, date_trunc('month', d)::date AS d FROM reporting.fact_servicing) cur
        JOIN (SELECT DISTINCT tenant_id, loan_id, date_trunc('month', d)::date AS d FROM reporting.fact_servicing) prev
          ON prev.tenant_id = cur.tenant_id AND prev.loan_id = cur.loan_id AND prev.d = (cur.d - interval '1 month')::date
       GROUP BY 1 ORDER BY 1`);
    expect(roll.map((r) => ({ month: r.month, loans: r.loans }))).toEqual(continuing);

    const { rows: remit } = await db.pool.query<{ mart: string; facts: string }>(`
      SELECT (SELECT sum(net_remit) FROM analytics_marts.fct_investor_remittance_summary)::text AS mart,
             (SELECT sum(net) FROM reporting.fact_remit)::text AS facts`);
    expect(Number(remit[0].facts)).toBeGreaterThan(0);
    expect(remit[0].mart).toBe(remit[0].facts);
  });

  it('dbt test fails on a transaction type or delinquency bucket outside the accepted set, and passes once it is gone', async () => {
    // reporting.fact_txn and fact_servicing have no CHECK on these columns (svc_txns does): the dbt
    // tests are the guard. Rows written straight into the facts, as a faulty loader would.
    const tenant = tenantIds[0];
    const loan = (await db.pool.query<{ loan_id: string }>('SELECT loan_id::text FROM reporting.fact_txn WHERE tenant_id = $1 LIMIT 1', [tenant])).rows[0].loan_id;
    await db.pool.query(
      `INSERT INTO reporting.fact_txn (tenant_id, loan_id, d, type, amount, txn_id) VALUES ($1, $2, DATE '2026-09-15', 'REFUND', 10.00, gen_random_uuid())`,
      [tenant, loan],
    );
    await db.pool.query(
      `INSERT INTO reporting.fact_servicing (tenant_id, loan_id, d, upb, delinquency_dpd, delinquency_bucket) VALUES ($1, $2, DATE '2026-09-29', 1000.00, 15, '15+')`,
      [tenant, loan],
    );
    try {
      const broken = await dbt(['test']);
      expect(broken.code).toBe(1);
      const failed = runResults()
        .results.filter((r) => r.status === 'fail')
        .map((r) => r.unique_id.replace(/^test\.loanserve_analytics\./, '').replace(/\.[0-9a-f]{10}$/, ''));
      expect(failed).toEqual(
        expect.arrayContaining([
          'accepted_values_stg_reporting__fact_txn_type__PAYMENT__DISBURSEMENT__ADJUSTMENT__FEE__BOARDING',
          'accepted_values_stg_reporting__fact_servicing_delinquency_bucket__0___30___60___90___120_',
          // The extra fact row is in neither the (unrebuilt) mart nor svc_txns.
          'assert_cash_collections_reconcile_to_fact_txn',
          'assert_fact_txn_matches_svc_txns',
        ]),
      );
      // What the bad rows do not touch still passes: the failures name the problem, not everything.
      expect(failed).not.toContain('unique_stg_reporting__fact_txn_txn_id');
      expect(failed.some((f) => f.includes('remittance'))).toBe(false);
    } finally {
      await db.pool.query(`DELETE FROM reporting.fact_txn WHERE type = 'REFUND'`);
      await db.pool.query(`DELETE FROM reporting.fact_servicing WHERE delinquency_bucket = '15+'`);
    }
    const fixed = await dbt(['test']);
    expect(fixed.code, fixed.stdout.slice(-4000)).toBe(0);
  });

  it('refuses to pass on empty reads: a role that row-level security hides the facts from fails the role test', async () => {
    const role = `dbt_rls_${randomBytes(4).toString('hex')}`;
    // The name is generated here, never input; CREATE ROLE takes no bind parameters.
    await db.pool.query(`CREATE ROLE ${role} LOGIN PASSWORD 'rls-test'`);
    try {
      await db.pool.query(`GRANT USAGE ON SCHEMA reporting TO ${role}; GRANT SELECT ON reporting.fact_txn TO ${role}`);
      const asRole = new URL(db.url);
      asRole.username = role;
      asRole.password = 'rls-test';
      // What dbt would see as that role: no rows at all, so every other test would pass on nothing.
      const probe = new Client({ connectionString: asRole.toString() });
      await probe.connect();
      const visible = await probe.query<{ n: number }>('SELECT count(*)::int AS n FROM reporting.fact_txn').finally(() => probe.end());
      expect(visible.rows[0].n).toBe(0);

      const result = await runDbt(['test', '--select', 'assert_dbt_role_reads_every_tenant'], {
        config: { dbUrl: asRole.toString(), dbtTarget: config.dbtTarget },
        stdio: 'capture',
        targetPath: path.join(work, 'role-target'),
        logPath: path.join(work, 'role-logs'),
      });
      expect(result.code, result.stdout.slice(-2000)).toBe(1);
      expect(result.stdout).toMatch(/FAIL 1 assert_dbt_role_reads_every_tenant/);
    } finally {
      await db.pool.query(`DROP OWNED BY ${role}`);
      await db.pool.query(`DROP ROLE ${role}`);
    }
  });

  it('dbt docs generate writes the catalog with the marts, sources and exposures', async () => {
    const docs = await dbt(['docs', 'generate']);
    expect(docs.code, docs.stdout.slice(-4000)).toBe(0);
    expect(existsSync(path.join(work, 'target', 'index.html'))).toBe(true);
    const catalog = JSON.parse(readFileSync(path.join(work, 'target', 'catalog.json'), 'utf8')) as { nodes: Record<string, unknown>; sources: Record<string, unknown> };
    expect(Object.keys(catalog.nodes)).toEqual(expect.arrayContaining(['model.loanserve_analytics.fct_cash_collections', 'model.loanserve_analytics.stg_txn']));
    expect(Object.keys(catalog.sources)).toContain('source.loanserve_analytics.reporting.fact_txn');
    const manifest = JSON.parse(readFileSync(path.join(work, 'target', 'manifest.json'), 'utf8')) as { exposures: Record<string, { url: string }> };
    expect(Object.values(manifest.exposures).map((e) => e.url).sort()).toEqual([
      'http://localhost:8080/api/reporting/csv/v_cash_last_30',
      'http://localhost:8080/dashboard',
    ]);
  });

  it('`lakehouse dbt` passes its arguments through and connects with DB_URL; dbt exit codes pass through', async () => {
    const cli = (args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'lakehouse.js'), ...args], {
          cwd: ROOT,
          env: { ...process.env, DB_URL: db.url, DBT_TARGET_PATH: path.join(work, 'cli-target'), DBT_LOG_PATH: path.join(work, 'cli-logs') },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.stderr.on('data', (c: Buffer) => (out += c.toString()));
        child.once('exit', (code) => resolve({ code, out }));
      });

    const debug = await cli(['dbt', 'debug']);
    expect(debug.code, debug.out).toBe(0);
    expect(debug.out).toMatch(/Connection test: \[.*OK connection ok/);

    const none = await cli(['dbt']);
    expect(none.out).toMatch(/dbt needs a command/);

    // dbt's own exit codes reach the caller: 2 when dbt cannot run (here an unknown flag).
    const badFlag = await dbt(['build', '--no-such-flag']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr + badFlag.stdout).toMatch(/no-such-flag/);
  });
});

describe('dbt connection settings from DB_URL', () => {
  it('splits a URL into the DBT_PG_* variables profiles.yml reads, percent-decoded', () => {
    expect(dbtConnectionEnv({ dbUrl: 'postgres://etl%40corp:p%40ss%2Fw@db.internal:6543/servicing?sslmode=require', dbtTarget: 'dev' })).toEqual({
      DBT_PG_HOST: 'db.internal',
      DBT_PG_PORT: '6543',
      DBT_PG_USER: 'etl@corp',
      DBT_ENV_SECRET_PG_PASSWORD: 'p@ss/w',
      DBT_PG_DBNAME: 'servicing',
      DBT_PG_SSLMODE: 'require',
      DBT_TARGET: 'dev',
    });
  });

  it('defaults the port and password and takes a socket directory from ?host=', () => {
    expect(dbtConnectionEnv({ dbUrl: 'postgresql://postgres@localhost/lakehouse?host=/var/run/postgresql', dbtTarget: 'prod' })).toMatchObject({
      DBT_PG_HOST: '/var/run/postgresql',
      DBT_PG_PORT: '5432',
      DBT_ENV_SECRET_PG_PASSWORD: '',
      DBT_PG_DBNAME: 'lakehouse',
    });
  });

  it('sets none of the variables dbt reads as defaults of its own flags, except DBT_TARGET and the paths', () => {
    // dbt reads DBT_HOST as `docs serve --host`: exporting the database host under that name made
    // the docs server try to listen on the database's address.
    const env = dbtProcessEnv({ config: { dbUrl: 'postgres://u:p@db.internal:5432/d', dbtTarget: 'prod' } }, {});
    const dbtFlagVariables = ['DBT_HOST', 'DBT_PROFILE', 'DBT_LOG_LEVEL', 'DBT_STATE', 'DBT_DEFER', 'DBT_FULL_REFRESH', 'DBT_WARN_ERROR'];
    for (const name of dbtFlagVariables) expect(env).not.toHaveProperty(name);
    expect(env).toMatchObject({ DBT_TARGET: 'prod', DBT_PROFILES_DIR: path.join(ROOT, 'analytics'), DBT_PROJECT_DIR: path.join(ROOT, 'analytics') });
  });

  it('refuses a URL without a database or user, naming what is missing', () => {
    expect(() => dbtConnectionEnv({ dbUrl: 'postgres://u@h:5432/', dbtTarget: 'prod' })).toThrow(/names no database/);
    expect(() => dbtConnectionEnv({ dbUrl: 'postgres://h:5432/db', dbtTarget: 'prod' })).toThrow(/names no user/);
  });
});
