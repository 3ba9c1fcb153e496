/**
 * The embedded default: LAKE_STORE=local writes the bucket's layout into a folder, atomically (no
 * temporary file is ever left or matched by a reader's glob), dimension snapshots replace the
 * previous one, and the CLI — `lakehouse lake ddl --engine duckdb` run by DuckDB, and
 * `lakehouse lake query` — reads back what Postgres holds. Bad input exits 2 with one line.
 */
import { execFile } from 'node:child_process';
import { copyFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../lib/config';
import { LAKE_TABLES } from '../../../lib/etl-types';
import { openDuckDb } from '../../../lib/lake/duckdb';
import { LocalLakeStore } from '../../../lib/lake/store';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { exportAll, lakeActivities, lakeConfig, lakeKeys, lakeTotals, pgTotals, seedAndLoad, tempDir } from './fixtures';

const REPO = path.resolve(__dirname, '../../..');
const run = promisify(execFile);

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

describe('lake on the local store, and the lake CLI', () => {
  let db: TestDatabase;
  let tenants: string[];
  let config: Config;
  let local: { dir: string; dispose(): Promise<void> };
  let env: NodeJS.ProcessEnv;

  const cli = async (...args: string[]) => {
    try {
      const r = await run(process.execPath, [path.join(REPO, 'bin', 'lakehouse.js'), ...args], { cwd: REPO, env, maxBuffer: 64 * 1024 * 1024 });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase('lake_local');
    tenants = await seedAndLoad(db);
    local = await tempDir('local');
    config = await lakeConfig(db, { LAKE_STORE: 'local', LAKE_LOCAL_DIR: local.dir });
    env = { ...process.env, DB_URL: db.url, LAKE_STORE: 'local', LAKE_LOCAL_DIR: local.dir, LAKE_BUCKET: config.lake.bucket, LAKE_PREFIX: config.lake.prefix };
  });
  afterAll(async () => {
    await db?.drop();
    await local?.dispose();
  });

  it('writes ${LAKE_LOCAL_DIR}/${LAKE_BUCKET}/${LAKE_PREFIX}/<table>/… with nothing but the data files', async () => {
    const results = await exportAll(lakeActivities(db, config), tenants);
    const root = path.join(local.dir, config.lake.bucket);
    const files = (await walk(root)).map((f) => path.relative(root, f).split(path.sep).join('/')).sort();
    expect(files.length).toBeGreaterThanOrEqual(LAKE_TABLES.length * tenants.length);
    expect(files.filter((f) => !f.endsWith('.parquet') || path.basename(f).startsWith('.'))).toEqual([]);
    expect(files).toEqual(await lakeKeys(new LocalLakeStore(local.dir, config.lake.bucket), config.lake.prefix));
    expect(results.flatMap((r) => r.objects).sort()).toEqual(files.map((f) => path.join(root, ...f.split('/'))).sort());
  });

  it('`lake ddl --engine duckdb` output, run by DuckDB, reads back Postgres per table and tenant', async () => {
    const { code, stdout } = await cli('lake', 'ddl', '--engine', 'duckdb');
    expect(code).toBe(0);
    expect(stdout).toContain(path.join(local.dir, config.lake.bucket, config.lake.prefix));
    const db2 = await openDuckDb();
    try {
      for (const stmt of stdout.split('\n').filter((l) => l.startsWith('CREATE'))) await db2.conn.run(stmt);
      for (const tenantId of tenants) {
        for (const table of LAKE_TABLES) expect(await lakeTotals(db2, table, tenantId), `${table} ${tenantId}`).toEqual(await pgTotals(db.pool, table, tenantId));
      }
    } finally {
      db2.close();
    }
  });

  it('`lake query` prints a table, or JSON with --json, over every lake view', async () => {
    const sql = 'SELECT tenant_id, count(*) AS n, sum(amount) AS amount FROM fact_txn GROUP BY tenant_id ORDER BY tenant_id';
    const json = await cli('lake', 'query', '--json', sql);
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.stdout) as Array<{ tenant_id: string; n: string; amount: string }>;
    const expected = [];
    for (const tenantId of [...tenants].sort()) {
      const t = await pgTotals(db.pool, 'fact_txn', tenantId);
      expected.push({ tenant_id: tenantId, n: String(t.rows), amount: t.sums.amount });
    }
    expect(rows.map((r) => ({ ...r, n: String(r.n) }))).toEqual(expected);

    const table = await cli('lake', 'query', 'SELECT count(*) AS loans FROM dim_loan');
    expect(table.code).toBe(0);
    const loans = await db.pool.query('SELECT count(*)::int AS n FROM reporting.dim_loan');
    expect(table.stdout).toMatch(new RegExp(`^loans\\n-+\\n${loans.rows[0].n}\\n\\(1 row\\)\\n$`));
  });

  it('bad input exits 2 with a one-line message', async () => {
    for (const args of [
      ['lake', 'ddl', '--engine', 'bigquery'],
      ['lake', 'ddl', '--engine', 'athena', '--tenant', 'not-a-uuid'],
      ['lake', 'query', 'SELECT no_such_column FROM fact_txn'],
      ['lake', 'query', '   '],
    ]) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(/^lakehouse: /);
    }
  });

  it('a dimension export replaces the snapshot and removes anything stale beside it', async () => {
    const [A] = tenants;
    const store = new LocalLakeStore(local.dir, config.lake.bucket);
    const dir = `${config.lake.prefix}/dim_loan/tenant_id=${A}/`;
    const snapshot = store.uri(`${dir}snapshot.parquet`);
    await copyFile(snapshot, store.uri(`${dir}snapshot-from-an-older-layout.parquet`));
    await db.pool.query(`UPDATE reporting.dim_loan SET property_city = 'Renamed', updated_at = now() WHERE tenant_id = $1`, [A]);
    const r = await lakeActivities(db, config).exportLakeTable({ tenantId: A, table: 'dim_loan' });
    expect((await store.list(dir)).map((o) => o.key)).toEqual([`${dir}snapshot.parquet`]);
    const q = await cli('lake', 'query', '--json', `SELECT count(*) AS n, count(*) FILTER (WHERE property_city = 'Renamed') AS renamed FROM dim_loan WHERE tenant_id = '${A}'`);
    expect(JSON.parse(q.stdout)).toEqual([{ n: String(r.rows), renamed: String(r.rows) }]);
  });
});
