/**
 * The lake on a real S3-compatible server (ARCHITECTURE §3 rules 6 and 8): every table of a seeded,
 * loaded book exported, read back by DuckDB through the DDL `lakehouse lake ddl` prints, equals
 * Postgres per table and tenant — row counts and every money sum, exactly — with DECIMAL, DATE and
 * TIMESTAMP WITH TIME ZONE types; exports are idempotent and incremental; reconciliation records
 * its result and fails loudly on a mismatch.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../lib/config';
import { LAKE_TABLES, type LakeExportResult } from '../../../lib/etl-types';
import { parseFactKey } from '../../../lib/lake/layout';
import { createLakeStore, S3LakeStore, type LakeStore } from '../../../lib/lake/store';
import { LAKE_TABLE_SPECS } from '../../../lib/lake/tables';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { duckdbOverLake, exportAll, lakeActivities, lakeConfig, lakeKeys, lakeTotals, pgTotals, seedAndLoad, tempDir } from './fixtures';

describe('lake export to S3', () => {
  let db: TestDatabase;
  let tenants: string[];
  let config: Config;
  let store: LakeStore;
  let acts: ReturnType<typeof lakeActivities>;
  let first: LakeExportResult[];

  beforeAll(async () => {
    db = await createTestDatabase('lake_s3');
    tenants = await seedAndLoad(db);
    config = await lakeConfig(db);
    store = createLakeStore(config.lake);
    acts = lakeActivities(db, config);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('the loaded book has rows in every lake table for both tenants, facts in two years (so nothing below is vacuous)', async () => {
    for (const tenantId of tenants) {
      for (const table of LAKE_TABLES) expect((await pgTotals(db.pool, table, tenantId)).rows, `${table} ${tenantId}`).toBeGreaterThan(0);
      const years = await db.pool.query('SELECT DISTINCT extract(year FROM d) FROM reporting.fact_txn WHERE tenant_id = $1', [tenantId]);
      expect(years.rowCount).toBeGreaterThanOrEqual(2);
    }
  });

  it('exports every table; DuckDB through the printed DDL reads back exactly what Postgres holds, per table and tenant', async () => {
    first = await exportAll(acts, tenants);
    for (const r of first) {
      expect(r.rows, `${r.table} ${r.tenantId}`).toBe((await pgTotals(db.pool, r.table, r.tenantId)).rows);
      expect(r.objects.every((o) => o.startsWith(`s3://${config.lake.bucket}/${config.lake.prefix}/${r.table}/tenant_id=${r.tenantId}/`))).toBe(true);
    }

    const lake = await duckdbOverLake(store, config.lake.prefix);
    try {
      for (const tenantId of tenants) {
        for (const table of LAKE_TABLES) {
          expect(await lakeTotals(lake.db, table, tenantId), `${table} ${tenantId}`).toEqual(await pgTotals(db.pool, table, tenantId));
        }
      }
      const types = async (table: string) =>
        Object.fromEntries((await lake.db.conn.runAndReadAll(`DESCRIBE ${table}`)).getRowObjectsJS().map((r) => [String(r.column_name), String(r.column_type)]));
      const txn = await types('fact_txn');
      expect(txn).toMatchObject({ amount: 'DECIMAL(18,2)', alloc_principal: 'DECIMAL(18,2)', d: 'DATE', loaded_at: 'TIMESTAMP WITH TIME ZONE', txn_sk: 'BIGINT', tenant_id: 'VARCHAR', year: 'INTEGER' });
      expect(txn).not.toHaveProperty('ref'); // free-text JSON never leaves Postgres
      expect(await types('fact_servicing')).toMatchObject({ upb: 'DECIMAL(18,2)', escrow_balance: 'DECIMAL(18,2)', delinquency_dpd: 'INTEGER', d: 'DATE' });
      expect(await types('fact_qc')).toMatchObject({ status_at: 'TIMESTAMP WITH TIME ZONE' });
      expect(await types('dim_loan')).toMatchObject({ updated_at: 'TIMESTAMP WITH TIME ZONE', loan_sk: 'BIGINT' });
      expect(await types('dim_investor')).toMatchObject({ active: 'BOOLEAN' });

      // Timestamps keep their microseconds: the same instants, to the µs, on both sides.
      for (const tenantId of tenants) {
        const pg = await db.pool.query(
          `SELECT sum((extract(epoch FROM status_at) * 1000000)::bigint)::text AS s FROM reporting.fact_qc WHERE tenant_id = $1`,
          [tenantId],
        );
        const dk = await lake.db.conn.runAndReadAll(`SELECT sum(epoch_us(status_at))::VARCHAR AS s FROM fact_qc WHERE tenant_id = '${tenantId}'`);
        expect(String(dk.getRowObjectsJS()[0].s)).toBe(pg.rows[0].s);
      }
    } finally {
      await lake.close();
    }
  });

  it('lays objects out by table, tenant and year (facts) or as one snapshot (dimensions)', async () => {
    const keys = await lakeKeys(store, config.lake.prefix);
    const prefix = config.lake.prefix;
    for (const key of keys) {
      expect(key).toMatch(
        new RegExp(`^${prefix}/(fact_\\w+/tenant_id=[0-9a-f-]{36}/year=\\d{4}/part-\\d+-\\d+\\.parquet|dim_\\w+/tenant_id=[0-9a-f-]{36}/snapshot\\.parquet)$`),
      );
    }
    // One file per (fact, tenant, year touched), all named by the first export's window; one snapshot per (dimension, tenant).
    for (const r of first) {
      const spec = LAKE_TABLE_SPECS[r.table];
      const mine = keys.filter((k) => k.startsWith(`${prefix}/${r.table}/tenant_id=${r.tenantId}/`));
      if (spec.kind === 'dimension') {
        expect(mine).toEqual([`${prefix}/${r.table}/tenant_id=${r.tenantId}/snapshot.parquet`]);
      } else {
        const windows = mine.map((k) => parseFactKey(k)!);
        expect(new Set(windows.map((w) => `${w.skFrom}-${w.skTo}`))).toEqual(new Set([`${BigInt(r.fromSk!) + 1n}-${r.toSk}`]));
        const years = await db.pool.query('SELECT DISTINCT extract(year FROM d)::int AS y FROM reporting.' + r.table + ' WHERE tenant_id = $1 ORDER BY 1', [r.tenantId]);
        expect(windows.map((w) => w.year).sort()).toEqual(years.rows.map((y) => y.y));
      }
    }
  });

  it('files are sorted by date, ZSTD-compressed, in bounded row groups, with footers naming table, tenant, window and schema version', async () => {
    const lake = await duckdbOverLake(store, config.lake.prefix);
    try {
      const glob = `${lake.root}/fact_txn/*/*/*.parquet`;
      const unsorted = await lake.db.conn.runAndReadAll(
        `SELECT count(*)::INTEGER AS n FROM (
           SELECT d < lag(d) OVER (PARTITION BY filename ORDER BY file_row_number) AS back
             FROM read_parquet('${glob}', filename = true, file_row_number = true)) WHERE back`,
      );
      expect(unsorted.getRowObjectsJS()[0].n).toBe(0);
      const meta = await lake.db.conn.runAndReadAll(
        `SELECT DISTINCT compression, max(row_group_num_rows) OVER ()::INTEGER AS max_rows FROM parquet_metadata('${glob}')`,
      );
      const rows = meta.getRowObjectsJS();
      expect(rows.map((r) => r.compression)).toEqual(['ZSTD']);
      expect(Number(rows[0].max_rows)).toBeLessThanOrEqual(131_072);
      const kv = await lake.db.conn.runAndReadAll(`SELECT file_name, decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${glob}')`);
      const byFile = new Map<string, Record<string, string>>();
      for (const r of kv.getRowObjectsJS()) {
        const f = String(r.file_name);
        byFile.set(f, { ...(byFile.get(f) ?? {}), [String(r.k)]: String(r.v) });
      }
      expect(byFile.size).toBeGreaterThanOrEqual(4);
      for (const [file, m] of byFile) {
        const w = parseFactKey(file.replaceAll(path.sep, '/'))!;
        expect(m).toMatchObject({
          'lakehouse.table': 'fact_txn',
          'lakehouse.tenant_id': /tenant_id=([0-9a-f-]{36})/.exec(file)![1],
          'lakehouse.sk_from': String(w.skFrom),
          'lakehouse.sk_to': String(w.skTo),
          'lakehouse.partition': `year=${w.year}`,
          'lakehouse.schema_version': '1',
        });
      }
    } finally {
      await lake.close();
    }
  });

  it('reconciles every table and tenant and records each result', async () => {
    for (const tenantId of tenants) {
      for (const table of LAKE_TABLES) {
        const r = await acts.reconcileLakeTable({ tenantId, table, workflowId: 'wf-reconcile-1' });
        const pg = await pgTotals(db.pool, table, tenantId);
        const primary = LAKE_TABLE_SPECS[table].moneyColumns[0];
        expect(r).toEqual({ tenantId, table, ok: true, pgRows: pg.rows, lakeRows: pg.rows, pgAmount: primary ? pg.sums[primary] : null, lakeAmount: primary ? pg.sums[primary] : null });
      }
    }
    const rec = await db.pool.query(`SELECT count(*)::int AS n, bool_and(ok) AS ok FROM reporting.lake_reconciliation WHERE workflow_id = 'wf-reconcile-1'`);
    expect(rec.rows[0]).toEqual({ n: tenants.length * LAKE_TABLES.length, ok: true });
  });

  it('a second export with nothing new writes no fact rows and leaves exactly the same objects', async () => {
    const before = await store.list(`${config.lake.prefix}/`);
    const again = await exportAll(acts, tenants);
    for (const r of again) {
      if (LAKE_TABLE_SPECS[r.table].kind === 'fact') {
        expect(r, r.table).toMatchObject({ rows: 0, objects: [] });
        expect(r.fromSk).toBe(r.toSk);
      } else {
        expect(r.rows).toBe((await pgTotals(db.pool, r.table, r.tenantId)).rows);
      }
    }
    const after = await store.list(`${config.lake.prefix}/`);
    // Same keys and, for the rewritten snapshots, byte-identical files (deterministic encoding).
    expect(after).toEqual(before);
  });

  it('new rows go into new part files named by their window (across a new year); the lake still matches Postgres', async () => {
    const [A] = tenants;
    const cp = await db.pool.query(`SELECT last_sk::text FROM reporting.lake_checkpoint WHERE tenant_id = $1 AND table_name = 'fact_txn'`, [A]);
    const oldSk = BigInt(cp.rows[0].last_sk);
    await db.pool.query(
      `INSERT INTO reporting.fact_txn (tenant_id, loan_id, d, type, amount, alloc_principal, alloc_interest, alloc_escrow, alloc_fees, txn_id, ref)
       SELECT tenant_id, loan_id, CASE WHEN n % 2 = 0 THEN DATE '2026-06-15' ELSE DATE '2027-01-04' END, 'PAYMENT', amount + 0.01, alloc_principal, alloc_interest, alloc_escrow, alloc_fees + 0.01, gen_random_uuid(), '{"memo":"late"}'
         FROM (SELECT *, row_number() OVER (ORDER BY txn_sk) AS n FROM reporting.fact_txn WHERE tenant_id = $1 LIMIT 30) s`,
      [A],
    );
    const r = await acts.exportLakeTable({ tenantId: A, table: 'fact_txn' });
    const max = await db.pool.query(`SELECT max(txn_sk)::text AS m FROM reporting.fact_txn WHERE tenant_id = $1`, [A]);
    expect(r).toMatchObject({ rows: 30, fromSk: String(oldSk), toSk: max.rows[0].m });
    expect(r.objects.map((o) => o.replace(/^s3:\/\/[^/]+\//, '')).sort()).toEqual([
      `${config.lake.prefix}/fact_txn/tenant_id=${A}/year=2026/part-${oldSk + 1n}-${max.rows[0].m}.parquet`,
      `${config.lake.prefix}/fact_txn/tenant_id=${A}/year=2027/part-${oldSk + 1n}-${max.rows[0].m}.parquet`,
    ]);
    expect((await acts.reconcileLakeTable({ tenantId: A, table: 'fact_txn' })).ok).toBe(true);
    const lake = await duckdbOverLake(store, config.lake.prefix);
    try {
      expect(await lakeTotals(lake.db, 'fact_txn', A)).toEqual(await pgTotals(db.pool, 'fact_txn', A));
    } finally {
      await lake.close();
    }
  });

  it('a lake that lost a file fails reconciliation: non-retryable, named, and recorded as not ok', async () => {
    const [, B] = tenants;
    const keys = (await lakeKeys(store, config.lake.prefix)).filter((k) => k.includes(`fact_remit/tenant_id=${B}/`));
    const victim = keys[0];
    const tmp = await tempDir('victim');
    try {
      await store.getToFile(victim, path.join(tmp.dir, 'f.parquet'));
      await store.delete([victim]);
      const err = await acts.reconcileLakeTable({ tenantId: B, table: 'fact_remit', workflowId: 'wf-mismatch' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect(err).toMatchObject({ type: 'ReconciliationFailed', nonRetryable: true });
      expect((err as Error).message).toMatch(/fact_remit .* rows: Postgres \d+, lake \d+.*sum\(net\)/);
      const rec = await db.pool.query(`SELECT ok, pg_rows > lake_rows AS fewer FROM reporting.lake_reconciliation WHERE workflow_id = 'wf-mismatch'`);
      expect(rec.rows).toEqual([{ ok: false, fewer: true }]);
    } finally {
      // Put it back so the lake is whole again (and reconciles).
      await copyFile(path.join(tmp.dir, 'f.parquet'), path.join(tmp.dir, 'g.parquet'));
      await store.putFile(victim, path.join(tmp.dir, 'g.parquet'));
      expect((await readFile(path.join(tmp.dir, 'g.parquet'))).subarray(0, 4).toString()).toBe('PAR1');
      await tmp.dispose();
    }
    expect((await acts.reconcileLakeTable({ tenantId: B, table: 'fact_remit' })).ok).toBe(true);
  });
  it('`lakehouse lake query` reads the S3 lake (objects copied to a temporary folder: no httpfs offline)', async () => {
    const env = { ...process.env, DB_URL: db.url, LAKE_STORE: 's3', S3_ENDPOINT: config.lake.s3Endpoint!, LAKE_BUCKET: config.lake.bucket, LAKE_PREFIX: config.lake.prefix };
    const repo = path.resolve(__dirname, '../../..');
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(repo, 'bin', 'lakehouse.js'), 'lake', 'query', '--json', 'SELECT tenant_id, count(*) AS n, sum(net) AS net FROM fact_remit GROUP BY ALL ORDER BY ALL'], {
      cwd: repo,
      env,
    });
    const expected = [];
    for (const tenantId of [...tenants].sort()) {
      const t = await pgTotals(db.pool, 'fact_remit', tenantId);
      expected.push({ tenant_id: tenantId, n: String(t.rows), net: t.sums.net });
    }
    expect((JSON.parse(stdout) as Array<Record<string, unknown>>).map((r) => ({ ...r, n: String(r.n) }))).toEqual(expected);
  });

  it('large files go up as multipart uploads and come back byte for byte', async () => {
    const s3 = store as S3LakeStore;
    const tmp = await tempDir('multipart');
    try {
      const big = randomBytes(20 * 1024 * 1024 + 123);
      await writeFile(path.join(tmp.dir, 'big.bin'), big);
      const key = `${config.lake.prefix}-multipart/big.bin`;
      await s3.putFile(key, path.join(tmp.dir, 'big.bin'));
      const head = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
      expect(head.ETag).toMatch(/-3"$/); // three 8 MB parts
      await s3.getToFile(key, path.join(tmp.dir, 'back.bin'));
      const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
      expect(digest(await readFile(path.join(tmp.dir, 'back.bin')))).toBe(digest(big));
      await s3.delete([key]);
    } finally {
      await tmp.dispose();
    }
  });
});
