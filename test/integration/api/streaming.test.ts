/**
 * Streaming behaviour on a view large enough to need it: many batches and row groups, exact
 * values through Parquet (money sums, microsecond timestamps), a client that hangs up mid-download
 * (its transaction must end and its connection must not be reused half-way through a COPY), and a
 * query that fails mid-stream (the client must see a broken transfer, never a complete-looking
 * file that silently lacks rows).
 *
 * Flat memory for ≥ 1M rows is measured by the benchmark suite (bench/api-stream.ts).
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAllowList, REPORTING_VIEW_NAMES } from '../../../api/views';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { insertApiFixture, type TenantFixture } from './fixtures';
import { bearer, rawRequest, startApi, waitForIdlePool, type RunningApi } from './helpers';

const ROWS_A = 60_000;
const ROWS_B = 5_000;

let db: TestDatabase;
let api: RunningApi;
let A: TenantFixture;
let B: TenantFixture;
let duck: DuckDBConnection;
let tmp: string;

beforeAll(async () => {
  db = await createTestDatabase('api_streaming');
  [A, B] = await insertApiFixture(db.pool);
  // Test-only views, created the way a migration would publish one: security_invoker, granted to
  // reporting_reader, then added to an allow-list given to this server only.
  await db.pool.query(`
    CREATE VIEW reporting.v_test_txn_detail WITH (security_invoker = true) AS
      SELECT tenant_id, txn_sk, txn_id, d, type, amount, loaded_at, ref FROM reporting.fact_txn;
    CREATE VIEW reporting.v_test_slow_start WITH (security_invoker = true) AS
      SELECT n FROM (SELECT pg_sleep(1.5)) s, generate_series(1, 3) n;
    CREATE VIEW reporting.v_test_fails_late WITH (security_invoker = true) AS
      SELECT g AS n, repeat('x', 200) AS pad, 1 / (150000 - g) AS boom FROM generate_series(1, 200000) g;
    GRANT SELECT ON reporting.v_test_txn_detail, reporting.v_test_fails_late, reporting.v_test_slow_start TO reporting_reader;
  `);
  for (const [t, n] of [
    [A, ROWS_A],
    [B, ROWS_B],
  ] as const) {
    // Microsecond timestamps and cents, so exactness is visible.
    await db.pool.query(
      `INSERT INTO reporting.fact_txn (tenant_id, loan_id, d, type, amount, alloc_principal, txn_id, loaded_at, ref)
       SELECT $1::uuid, $2::uuid, DATE '2026-01-01' + (g % 200), 'PAYMENT', (g % 100000) / 100.0 + 0.01, 0, gen_random_uuid(),
              TIMESTAMPTZ '2026-01-01 00:00:00+00' + make_interval(secs => g * 1.000001), jsonb_build_object('g', g, 'note', 'a,"b"')
         FROM generate_series(1, $3::int) g`,
      [t.id, randomUUID(), n],
    );
  }
  const views = buildAllowList([
    ...REPORTING_VIEW_NAMES.map((name) => ({ name })),
    { name: 'v_test_txn_detail', tenantColumn: true, money: [] },
    { name: 'v_test_fails_late' },
    { name: 'v_test_slow_start' },
  ]);
  api = await startApi(db.url, { views, tuning: { fetchRows: 4_000, rowGroupRows: 16_384 } });
  duck = await (await DuckDBInstance.create(':memory:')).connect();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'api-stream-'));
});

afterAll(async () => {
  await api?.close();
  await db?.drop();
  duck?.closeSync();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function noOpenTransactions(): Promise<void> {
  // The server's connections are gone or idle: nothing left "idle in transaction" or mid-COPY.
  const until = Date.now() + 5_000;
  for (;;) {
    const { rows } = await db.pool.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()
          AND (state LIKE 'idle in transaction%' OR (state = 'active' AND query LIKE '%v_test_%'))`,
    );
    if (rows[0].n === '0') return;
    if (Date.now() > until) throw new Error(`${rows[0].n} server backends still in a transaction`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Reads the first chunk of a download, then hangs up. */
function hangUpAfterFirstChunk(urlPath: string, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: api.port, path: urlPath, headers: bearer(key), agent: false }, (res) => {
      res.once('data', (chunk: Buffer) => {
        req.destroy();
        resolve(chunk.length);
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ECONNRESET') reject(err);
    });
  });
}

/** A download's bytes and whether the transfer completed (chunked encoding properly terminated). */
function download(urlPath: string, key: string): Promise<{ status: number; body: Buffer; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: api.port, path: urlPath, headers: bearer(key), agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let settled = false;
      const done = (complete: boolean) => {
        if (settled) return;
        settled = true;
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), complete });
      };
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(res.complete));
      res.on('aborted', () => done(false));
      res.on('error', () => done(false));
      res.on('close', () => done(res.complete));
    });
    req.on('error', reject);
  });
}

describe('large views', () => {
  it('CSV streams every row of the tenant and none of the other', async () => {
    const res = await download('/api/reporting/csv/v_test_txn_detail', A.key);
    expect(res.status).toBe(200);
    expect(res.complete).toBe(true);
    const records = parseCsv(res.body) as string[][];
    expect(records[0]).toEqual(['tenant_id', 'txn_sk', 'txn_id', 'd', 'type', 'amount', 'loaded_at', 'ref']);
    // + the fixture's 12 fact_txn rows for A
    expect(records.length - 1).toBe(ROWS_A + 12);
    expect(new Set(records.slice(1).map((r) => r[0]))).toEqual(new Set([A.id]));
    expect(records.find((r) => r[7].includes('"g": 1,'))?.[7]).toBe('{"g": 1, "note": "a,\\"b\\""}');
  });

  it('Parquet holds several row groups with exact money sums and microsecond timestamps', async () => {
    const res = await download('/api/reporting/parquet/v_test_txn_detail', A.key);
    expect(res.status).toBe(200);
    expect(res.complete).toBe(true);
    const file = path.join(tmp, 'detail.parquet');
    writeFileSync(file, res.body);

    const meta = await duck.runAndReadAll(`SELECT count(DISTINCT row_group_id)::int AS groups, max(row_group_num_rows)::int AS biggest FROM parquet_metadata('${file}')`);
    const [groups, biggest] = meta.getRowsJson()[0] as number[];
    expect(groups).toBeGreaterThanOrEqual(Math.floor((ROWS_A + 12) / 16_384));
    expect(biggest).toBeLessThanOrEqual(16_384);

    const lake = await duck.runAndReadAll(
      `SELECT count(*)::varchar, sum(amount)::varchar, max(epoch_us(loaded_at))::varchar, count(DISTINCT tenant_id)::varchar,
              typeof(any_value(amount)), typeof(any_value(loaded_at))
         FROM read_parquet('${file}')`,
    );
    const { rows } = await db.pool.query<{ n: string; s: string; us: string }>(
      `SELECT count(*)::text AS n, sum(amount)::text AS s, max((extract(epoch FROM loaded_at) * 1000000)::bigint)::text AS us
         FROM reporting.fact_txn WHERE tenant_id = $1`,
      [A.id],
    );
    expect(lake.getRowsJson()[0]).toEqual([rows[0].n, rows[0].s, rows[0].us, '1', 'DECIMAL(18,2)', 'TIMESTAMP WITH TIME ZONE']);
  });

  it('the other tenant\'s download of the same view has only its own rows', async () => {
    const res = await download('/api/reporting/parquet/v_test_txn_detail', B.key);
    const file = path.join(tmp, 'detail-b.parquet');
    writeFileSync(file, res.body);
    const r = await duck.runAndReadAll(`SELECT count(*)::int, count(*) FILTER (WHERE tenant_id <> '${B.id}')::int FROM read_parquet('${file}')`);
    expect(r.getRowsJson()[0]).toEqual([ROWS_B + 12, 0]);
  });
});

describe('clients that hang up', () => {
  it.each(['csv', 'parquet', 'json'])('%s: the transaction ends, the connection is not reused mid-COPY, the server keeps serving', async (format) => {
    for (let i = 0; i < 3; i++) {
      const got = await hangUpAfterFirstChunk(`/api/reporting/${format}/v_test_txn_detail`, A.key);
      expect(got).toBeGreaterThan(0);
    }
    await waitForIdlePool(api.pool);
    await noOpenTransactions();
    // With pool max 4, three leaked connections would leave one; these all succeed in parallel.
    const results = await Promise.all(
      Array.from({ length: 4 }, () => rawRequest(api.port, '/api/reporting/csv/v_kpi_pipeline', bearer(A.key))),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    for (const r of results) expect(r.body.toString()).toMatch(/^as_of,loans_intake,loans_finalized,loans_boarded\n\d{4}-\d\d-\d\d,3,2,4\n$/);
  });
});

describe('clients that hang up before the first byte', () => {
  it.each(['csv', 'parquet', 'json'])('%s: the transaction still ends and the server keeps serving', async (format) => {
    await new Promise<void>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: api.port, path: `/api/reporting/${format}/v_test_slow_start`, headers: bearer(A.key), agent: false });
      req.on('error', () => resolve());
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 300);
    });
    await waitForIdlePool(api.pool);
    await noOpenTransactions();
    const ok = await rawRequest(api.port, `/api/reporting/${format}/v_test_slow_start`, bearer(A.key));
    expect(ok.status).toBe(200);
  });
});

describe('a query that fails', () => {
  it.each(['csv', 'parquet', 'json'])('%s, mid-stream: the transfer is cut, never a complete-looking body', async (format) => {
    const res = await download(`/api/reporting/${format}/v_test_fails_late`, A.key);
    // Rows were already on their way when row 150,000 failed, so the headers said 200; the only
    // honest signal left is to break the transfer, so no client takes the partial body for the view.
    expect(res.status).toBe(200);
    expect(res.body.length).toBeGreaterThan(0);
    expect(res.complete).toBe(false);
    expect(res.body.toString()).not.toMatch(/division by zero|SELECT|COPY/);
    await waitForIdlePool(api.pool);
    await noOpenTransactions();
  });

  it.each(['csv', 'parquet', 'json'])('%s, at once: a small JSON 500 without SQL', async (format) => {
    // Revoking the grant makes the first statement fail (permission denied) before any byte is sent.
    await db.pool.query('REVOKE SELECT ON reporting.v_test_fails_late FROM reporting_reader');
    try {
      const res = await rawRequest(api.port, `/api/reporting/${format}/v_test_fails_late`, bearer(A.key));
      expect(res.status).toBe(500);
      expect(JSON.parse(res.body.toString())).toEqual({ error: 'internal error' });
    } finally {
      await db.pool.query('GRANT SELECT ON reporting.v_test_fails_late TO reporting_reader');
    }
    await waitForIdlePool(api.pool);
    await noOpenTransactions();
  });
});
