/**
 * The migration runner on real Postgres: applies everything to an empty database, is a no-op when
 * current, refuses edited or missing history before running anything, rolls a failing file back
 * whole, and serialises concurrent runners.
 */
import { appendFileSync, cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumOf, DEFAULT_MIGRATIONS_DIR, migrate, MigrationError, migrationStatus, readMigrationFiles } from '../../../lib/migrate';
import { createEmptyDatabase, type EmptyDatabase } from '../../fixtures/schema/empty-db';

const files = readMigrationFiles().map((f) => f.file);
const dbs: EmptyDatabase[] = [];
const dirs: string[] = [];

async function emptyDb(label: string): Promise<EmptyDatabase> {
  const db = await createEmptyDatabase(label);
  dbs.push(db);
  return db;
}

/** A copy of the repository's migrations that a test may edit. */
function migrationsCopy(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
  cpSync(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  dirs.push(dir);
  return dir;
}

async function scalar<T>(url: string, sql: string, params: unknown[] = []): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return Object.values((await c.query(sql, params)).rows[0])[0] as T;
  } finally {
    await c.end();
  }
}

afterAll(async () => {
  await Promise.allSettled(dbs.map((d) => d.drop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('migrate', () => {
  let db: EmptyDatabase;
  beforeAll(async () => {
    db = await emptyDb('mig');
  });

  it('applies every file to an empty database in order, then a second run is a no-op', async () => {
    expect(files.slice(0, 3)).toEqual(['001_source_contract.sql', '022_reporting_star.sql', '023_reporting_views.sql']);
    expect(await scalar<string | null>(db.url, `SELECT to_regnamespace('reporting')::text`)).toBeNull();

    const first = await migrate(db.url);
    expect(first).toEqual({ applied: files, current: files });

    const lines: string[] = [];
    const second = await migrate(db.url, { log: (l) => lines.push(l) });
    expect(second).toEqual({ applied: [], current: files });
    expect(lines).toEqual(['database is up to date']);

    const status = await migrationStatus(db.url);
    expect(status.applied.map((a) => a.file)).toEqual(files);
    expect(status.applied.map((a) => a.checksum)).toEqual(readMigrationFiles().map((f) => checksumOf(f.sql)));
    expect(status).toMatchObject({ pending: [], mismatched: [], missing: [] });

    // The product's relations exist (ARCHITECTURE §2 names).
    const rels = await scalar<string[]>(
      db.url,
      `SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'reporting' AND c.relkind IN ('r', 'v')`,
    );
    expect(rels).toEqual(
      expect.arrayContaining(['dim_date', 'dim_loan', 'dim_investor', 'fact_txn', 'fact_qc', 'fact_export', 'fact_notify',
        'fact_servicing', 'fact_remit', 'v_dim_loan_source', 'v_kpi_pipeline', 'v_cash_last_30', 'v_qc_open_by_severity',
        'v_delinquency_by_bucket', 'v_cash_by_month_type', 'v_remit_by_investor_month', 'v_export_success_rate',
        'v_notify_delivery_rate', 'etl_watermark', 'etl_run_log', 'lake_checkpoint', 'lake_reconciliation']),
    );
  });

  it('refuses an edited applied migration, naming the file, and runs nothing', async () => {
    const dir = migrationsCopy();
    appendFileSync(path.join(dir, '023_reporting_views.sql'), '\n-- an innocent-looking edit\n');
    writeFileSync(path.join(dir, '990_new_table.sql'), 'CREATE TABLE public.must_not_exist (x int);\n');

    const err = await migrate(db.url, { dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect(err).toMatchObject({ code: 'checksum_mismatch', file: '023_reporting_views.sql' });
    const message = (err as Error).message;
    expect(message).toContain('023_reporting_views.sql');
    expect(message).not.toContain('\n');

    expect(await scalar<string | null>(db.url, `SELECT to_regclass('public.must_not_exist')::text`)).toBeNull();
    expect(await migrationStatus(db.url, { dir })).toMatchObject({ mismatched: ['023_reporting_views.sql'], pending: ['990_new_table.sql'] });
  });

  it('a CRLF checkout of the same files is not an edit', async () => {
    const dir = migrationsCopy();
    for (const f of readMigrationFiles(dir)) writeFileSync(path.join(dir, f.file), f.sql.replace(/\n/g, '\r\n'));
    expect(await migrate(db.url, { dir })).toEqual({ applied: [], current: files });
  });

  it('refuses when an applied migration file is missing', async () => {
    const dir = migrationsCopy();
    unlinkSync(path.join(dir, '022_reporting_star.sql'));
    await expect(migrate(db.url, { dir })).rejects.toMatchObject({
      name: 'MigrationError',
      code: 'missing_file',
      file: '022_reporting_star.sql',
      message: expect.stringContaining('022_reporting_star.sql'),
    });
  });

  it('rolls a failing migration back whole and names the file and line', async () => {
    const dir = migrationsCopy();
    writeFileSync(path.join(dir, '991_broken.sql'), 'CREATE TABLE public.half_done (x int);\nSELECT * FROM public.no_such_table;\n');
    const err = await migrate(db.url, { dir }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'MigrationError', code: 'sql_error', file: '991_broken.sql' });
    expect((err as Error).message).toMatch(/^migration 991_broken\.sql failed: relation "public\.no_such_table" does not exist \(line 2\)$/);
    expect(await scalar<string | null>(db.url, `SELECT to_regclass('public.half_done')::text`)).toBeNull();
    expect(await scalar<number>(db.url, `SELECT count(*)::int FROM public.schema_migrations WHERE filename = '991_broken.sql'`)).toBe(0);
  });
});

describe('concurrent runners', () => {
  it('apply each file exactly once (advisory lock)', async () => {
    const db = await emptyDb('mig_conc');
    const [a, b] = await Promise.all([migrate(db.url), migrate(db.url)]);
    expect([a.applied.length, b.applied.length].sort((x, y) => x - y)).toEqual([0, files.length]);
    expect(a.current).toEqual(files);
    expect(b.current).toEqual(files);
  });

  it('in two databases of one cluster both succeed (the cluster-wide role already exists)', async () => {
    const [d1, d2] = await Promise.all([emptyDb('mig_c1'), emptyDb('mig_c2')]);
    const [r1, r2] = await Promise.all([migrate(d1.url), migrate(d2.url)]);
    expect(r1.applied).toEqual(files);
    expect(r2.applied).toEqual(files);
  });
});
