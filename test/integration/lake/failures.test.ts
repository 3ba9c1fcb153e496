/**
 * The lake under failure (ARCHITECTURE §3 rule 8): an unreachable S3 endpoint is retried and then
 * fails cleanly — checkpoint unchanged, nothing visible under the table's prefix; an export killed
 * between uploads and the checkpoint, then rerun (after more rows arrived), leaves the same objects
 * and rows as one clean export; two exports of one table at once export every row once.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../lib/config';
import { loadConfig } from '../../../lib/config';
import { exportTableToStore } from '../../../lib/lake/export';
import { createLakeStore, type LakeStore } from '../../../lib/lake/store';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { duckdbOverLake, lakeActivities, lakeConfig, lakeKeys, pgTotals, lakeTotals, seedAndLoad } from './fixtures';

const REPO = path.resolve(__dirname, '../../..');

async function checkpoint(db: TestDatabase, tenantId: string, table: string): Promise<string | null> {
  const r = await db.pool.query('SELECT last_sk::text FROM reporting.lake_checkpoint WHERE tenant_id = $1 AND table_name = $2', [tenantId, table]);
  return r.rows[0]?.last_sk ?? null;
}

/** A store whose uploads fail after `okPuts` successes (the endpoint going away mid-export). */
function failingStore(real: LakeStore, okPuts: number): LakeStore & { puts: number } {
  const s = {
    puts: 0,
    kind: real.kind,
    uri: (k: string) => real.uri(k),
    list: (p: string) => real.list(p),
    delete: (keys: string[]) => real.delete(keys),
    getToFile: (k: string, p: string, sig?: AbortSignal) => real.getToFile(k, p, sig),
    async putFile(key: string, localPath: string, signal?: AbortSignal) {
      if (s.puts >= okPuts) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      s.puts++;
      await real.putFile(key, localPath, signal);
    },
  };
  return s;
}

/** Sorted surrogate keys of one table and tenant in the lake (duplicates would show twice). */
async function lakeSks(store: LakeStore, prefix: string, table: string, sk: string, tenantId: string): Promise<string[]> {
  const lake = await duckdbOverLake(store, prefix);
  try {
    const r = await lake.db.conn.runAndReadAll(`SELECT ${sk}::VARCHAR AS sk FROM ${table} WHERE tenant_id = '${tenantId}' ORDER BY ${sk}`);
    return r.getRowObjectsJS().map((x) => String(x.sk));
  } finally {
    await lake.close();
  }
}

describe('lake export failures', () => {
  let db: TestDatabase;
  let tenants: string[];

  beforeAll(async () => {
    db = await createTestDatabase('lake_fail');
    tenants = await seedAndLoad(db);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('S3 endpoint down: the SDK retries, the activity fails with a retryable error, the checkpoint stays, nothing is left under the prefix', async () => {
    const [A] = tenants;
    // A server that accepts and drops every connection: an endpoint that is "down".
    let connections = 0;
    const dead = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const port = (dead.address() as net.AddressInfo).port;
    try {
      const good = await lakeConfig(db, { LAKE_PREFIX: 'down' });
      const down: Config = { ...good, lake: { ...good.lake, s3Endpoint: `http://127.0.0.1:${port}` } };
      const acts = lakeActivities(db, down);
      const err = await acts.exportLakeTable({ tenantId: A, table: 'fact_txn' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      // Not a non-retryable failure: the workflow's retry policy tries again later.
      expect(err instanceof ApplicationFailure && err.nonRetryable).toBe(false);
      expect(connections).toBeGreaterThanOrEqual(3);
      expect(await checkpoint(db, A, 'fact_txn')).toBeNull();
      expect(await lakeKeys(createLakeStore(good.lake), 'down')).toEqual([]);
    } finally {
      dead.close();
    }
  });

  it('S3 failing after the first upload: the uploaded object is removed again and the checkpoint stays', async () => {
    const [A] = tenants;
    const config = await lakeConfig(db, { LAKE_PREFIX: 'midway' });
    const store = failingStore(createLakeStore(config.lake), 1);
    const err = await lakeActivities(db, config, { store }).exportLakeTable({ tenantId: A, table: 'fact_servicing' }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/socket hang up/);
    expect(store.puts).toBe(1); // the export did get an object up before failing
    expect(await checkpoint(db, A, 'fact_servicing')).toBeNull();
    expect(await lakeKeys(createLakeStore(config.lake), 'midway')).toEqual([]);
  });

  it('killed (SIGKILL) after an upload and before the checkpoint, then rerun after more rows arrived: the same objects and rows as one clean export', async () => {
    const [, B] = tenants;
    const killed = await lakeConfig(db, { LAKE_PREFIX: 'killed' });
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'export-child.ts')], {
      cwd: REPO,
      env: {
        ...process.env,
        DB_URL: db.url,
        LAKE_STORE: 's3',
        S3_ENDPOINT: killed.lake.s3Endpoint!,
        LAKE_BUCKET: killed.lake.bucket,
        LAKE_PREFIX: 'killed',
        ETL_PII_TOKEN_KEY: killed.etl.piiTokenKey!,
        CHILD_TENANT: B,
        CHILD_TABLE: 'fact_txn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let errOut = '';
    child.stderr.on('data', (d: Buffer) => (errOut += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal === 'SIGKILL' ? -9 : code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('UPLOADED')) resolve();
      });
      void exited.then((code) => reject(new Error(`child exited (${code}) before uploading: ${errOut}`)));
    });
    child.kill('SIGKILL');
    expect(await exited).toBe(-9);

    const store = createLakeStore(killed.lake);
    // The dead attempt left a complete but uncommitted object; the checkpoint never moved.
    expect((await lakeKeys(store, 'killed')).length).toBe(1);
    expect(await checkpoint(db, B, 'fact_txn')).toBeNull();

    // More rows commit before the rerun, so the rerun's window (and keys) differ from the dead one's.
    await db.pool.query(
      `INSERT INTO reporting.fact_txn (tenant_id, loan_id, d, type, amount, alloc_principal, alloc_interest, alloc_escrow, alloc_fees, txn_id)
       SELECT tenant_id, loan_id, d, 'FEE', 12.34, 0, 0, 0, 12.34, gen_random_uuid() FROM reporting.fact_txn WHERE tenant_id = $1 LIMIT 7`,
      [B],
    );
    // The killed session's lake lock went with its connection: the rerun does not wait for it.
    const rerun = await lakeActivities(db, killed).exportLakeTable({ tenantId: B, table: 'fact_txn' });
    const pg = await pgTotals(db.pool, 'fact_txn', B);
    expect(rerun.rows).toBe(pg.rows);
    const killedKeys = await lakeKeys(store, 'killed');

    // The reference: one clean export of the same rows (from the same, empty, checkpoint).
    await db.pool.query(`DELETE FROM reporting.lake_checkpoint WHERE tenant_id = $1 AND table_name = 'fact_txn'`, [B]);
    const clean = await lakeConfig(db, { LAKE_PREFIX: 'clean', LAKE_BUCKET: killed.lake.bucket });
    await lakeActivities(db, clean).exportLakeTable({ tenantId: B, table: 'fact_txn' });
    const cleanKeys = await lakeKeys(store, 'clean');

    expect(killedKeys.map((k) => k.replace(/^killed\//, ''))).toEqual(cleanKeys.map((k) => k.replace(/^clean\//, '')));
    const sks = await lakeSks(store, 'killed', 'fact_txn', 'txn_sk', B);
    expect(sks).toEqual(await lakeSks(store, 'clean', 'fact_txn', 'txn_sk', B));
    expect(new Set(sks).size).toBe(pg.rows);
    const lake = await duckdbOverLake(store, 'killed');
    try {
      expect(await lakeTotals(lake.db, 'fact_txn', B)).toEqual(pg);
    } finally {
      await lake.close();
    }
    expect((await lakeActivities(db, killed).reconcileLakeTable({ tenantId: B, table: 'fact_txn' })).ok).toBe(true);
  });

  it('cancelled while copying (the activity\'s cancellation signal): rejects, nothing uploaded, no checkpoint, the connection is not reused', async () => {
    const [A] = tenants;
    const config = await lakeConfig(db, { LAKE_PREFIX: 'cancelled' });
    const store = createLakeStore(config.lake);
    const abort = new AbortController();
    const err = await exportTableToStore(
      { pool: db.pool, store, prefix: 'cancelled', pii: { redact: true, tokenKey: config.etl.piiTokenKey } },
      { tenantId: A, table: 'fact_export' },
      { signal: abort.signal, onProgress: (p) => p.phase === 'copy' && abort.abort(new Error('activity cancelled')) },
    ).catch((e: unknown) => e);
    expect(String(err)).toMatch(/cancelled/);
    expect(await checkpoint(db, A, 'fact_export')).toBeNull();
    expect(await lakeKeys(store, 'cancelled')).toEqual([]);
    // The pool still works, and the lake lock was released with the discarded connection.
    const again = await lakeActivities(db, config).exportLakeTable({ tenantId: A, table: 'fact_export' });
    expect(again.rows).toBe((await pgTotals(db.pool, 'fact_export', A)).rows);
  });

  it('two exports of one table and tenant at once are serialised: every row is exported exactly once', async () => {
    const [A] = tenants;
    const config = await lakeConfig(db, { LAKE_PREFIX: 'race' });
    const acts = lakeActivities(db, config);
    const [x, y] = await Promise.all([acts.exportLakeTable({ tenantId: A, table: 'fact_qc' }), acts.exportLakeTable({ tenantId: A, table: 'fact_qc' })]);
    const pg = await pgTotals(db.pool, 'fact_qc', A);
    expect([x.rows, y.rows].sort((a, b) => a - b)).toEqual([0, pg.rows]);
    const sks = await lakeSks(createLakeStore(config.lake), 'race', 'fact_qc', 'qc_sk', A);
    expect(new Set(sks).size).toBe(sks.length);
    expect(sks.length).toBe(pg.rows);
  });

  it('bad input is non-retryable and names the problem', async () => {
    const config = loadConfig({ DB_URL: db.url, ETL_PII_TOKEN_KEY: 'test-token-key-0123456789', LAKE_LOCAL_DIR: path.join(REPO, '.lakehouse', 'never-written') });
    const acts = lakeActivities(db, config);
    const cases: Array<[unknown, string, RegExp]> = [
      [{ tenantId: 'nope', table: 'fact_txn' }, 'InvalidInput', /not a tenant ID/],
      [{ tenantId: tenants[0], table: 'fact_txns' }, 'InvalidInput', /not a lake table: fact_txns/],
      [{ tenantId: '00000000-0000-4000-8000-000000000000', table: 'fact_txn' }, 'UnknownTenant', /unknown tenant/],
    ];
    for (const [input, type, message] of cases) {
      for (const call of [acts.exportLakeTable, acts.reconcileLakeTable]) {
        const err = await call(input as never).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ApplicationFailure);
        expect(err).toMatchObject({ type, nonRetryable: true });
        expect((err as Error).message).toMatch(message);
      }
    }
  });
});
