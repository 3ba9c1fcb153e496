/**
 * Downloads through the real server and real Postgres: every allow-listed view, as CSV, Parquet
 * and JSON, for two tenants. Each body must equal the view's rows as that tenant sees them
 * (the oracle reads the view directly under reporting_reader with app.tenant_id set), parsed back
 * with a real CSV parser and with DuckDB.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../../api/auth';
import { listViews, REPORTING_VIEW_NAMES, REPORTING_VIEWS } from '../../../api/views';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { insertApiFixture, TRICKY_INVESTOR_NAME, viewRowsAsTenant, type TenantFixture } from './fixtures';
import { bearer, normalizeDecimalText, rawRequest, sortRows, startApi, waitForIdlePool, type RunningApi } from './helpers';

let db: TestDatabase;
let api: RunningApi;
let A: TenantFixture;
let B: TenantFixture;
let emptyTenant: { id: string; key: string };
let duck: DuckDBConnection;
let tmp: string;

beforeAll(async () => {
  db = await createTestDatabase('api_downloads');
  [A, B] = await insertApiFixture(db.pool);
  const emptyId = randomUUID();
  await db.pool.query(`INSERT INTO public.tenants (id, name) VALUES ($1, 'Empty tenant')`, [emptyId]);
  emptyTenant = { id: emptyId, key: (await createApiKey(db.pool, emptyId)).key };
  api = await startApi(db.url);
  duck = await (await DuckDBInstance.create(':memory:')).connect();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'api-parquet-'));
});

afterAll(async () => {
  await api?.close();
  await db?.drop();
  duck?.closeSync();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function get(format: string, view: string, key: string) {
  const res = await rawRequest(api.port, `/api/reporting/${format}/${view}`, bearer(key));
  expect(res.status, `${format}/${view}: ${res.body.toString().slice(0, 200)}`).toBe(200);
  return res;
}

async function oracle(view: string, tenantId: string) {
  return viewRowsAsTenant(db.pool, `reporting.${view}`, tenantId);
}

function csvRows(body: Buffer): { header: string[]; rows: string[][] } {
  const records = parseCsv(body, { relax_column_count: false }) as string[][];
  return { header: records[0], rows: records.slice(1) };
}

async function parquetRows(body: Buffer): Promise<{ columns: string[]; types: string[]; rows: (string | null)[][] }> {
  const file = path.join(tmp, `${randomUUID()}.parquet`);
  writeFileSync(file, body);
  // The path is ours (a UUID in a temp dir), not input.
  const described = await duck.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
  const data = await duck.runAndReadAll(`SELECT * FROM read_parquet('${file}')`);
  return {
    columns: described.getRowsJson().map((r) => String(r[0])),
    types: described.getRowsJson().map((r) => String(r[1])),
    rows: data.getRowsJson().map((r) => r.map((v) => (v === null ? null : String(v)))),
  };
}

const normalize = (rows: (string | null)[][]) => sortRows(rows.map((r) => r.map(normalizeDecimalText)));

describe('every allow-listed view, every format, both tenants', () => {
  it('the fixture gives every view rows for both tenants, and different rows per tenant', async () => {
    for (const view of REPORTING_VIEW_NAMES) {
      const a = await oracle(view, A.id);
      const b = await oracle(view, B.id);
      expect(a.rows.length, view).toBeGreaterThan(0);
      expect(b.rows.length, view).toBeGreaterThan(0);
      expect(sortRows(a.rows), view).not.toEqual(sortRows(b.rows));
    }
  });

  describe.each(REPORTING_VIEW_NAMES.map((v) => [v]))('%s', (view) => {
    it('CSV parses back to exactly the tenant\'s rows, and never the other tenant\'s', async () => {
      for (const [me, other] of [
        [A, B],
        [B, A],
      ]) {
        const res = await get('csv', view, me.key);
        expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
        expect(res.headers['content-disposition']).toBe(`attachment; filename="${view}.csv"`);
        const { header, rows } = csvRows(res.body);
        const expected = await oracle(view, me.id);
        expect(header).toEqual(expected.columns);
        // COPY writes NULL as an empty unquoted field; csv-parse reads it as ''.
        expect(sortRows(rows)).toEqual(sortRows(expected.rows.map((r) => r.map((v) => v ?? ''))));
        expect(res.body.toString()).not.toContain(other.id);
      }
    });

    it('Parquet read by DuckDB has exactly the tenant\'s rows, money as DECIMAL(18,2)', async () => {
      for (const me of [A, B]) {
        const res = await get('parquet', view, me.key);
        expect(res.headers['content-type']).toBe('application/vnd.apache.parquet');
        expect(res.headers['content-disposition']).toBe(`attachment; filename="${view}.parquet"`);
        expect(res.body.subarray(0, 4).toString()).toBe('PAR1');
        const got = await parquetRows(res.body);
        const expected = await oracle(view, me.id);
        expect(got.columns).toEqual(expected.columns);
        expect(normalize(got.rows)).toEqual(normalize(expected.rows));
        const spec = REPORTING_VIEWS.get(view)!;
        for (const col of spec.money) expect(got.types[got.columns.indexOf(col)], `${view}.${col}`).toBe('DECIMAL(18,2)');
        expect(got.types.some((t) => /FLOAT|DOUBLE/.test(t)), `${view} has no floats: ${got.types.join(',')}`).toBe(false);
      }
    });

    it('JSON has the same rows, columns in view order', async () => {
      for (const me of [A, B]) {
        const res = await get('json', view, me.key);
        expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
        const rows = JSON.parse(res.body.toString()) as Record<string, unknown>[];
        const expected = await oracle(view, me.id);
        expect(Object.keys(rows[0])).toEqual(expected.columns);
        const asText = rows.map((r) => Object.values(r).map((v) => (v === null ? null : String(v))));
        expect(normalize(asText)).toEqual(normalize(expected.rows));
      }
    });
  });
});

describe('values and shapes', () => {
  it('a name with a comma, quotes and a newline survives CSV, Parquet and JSON exactly', async () => {
    const csv = csvRows((await get('csv', 'v_remit_by_investor_month', A.key)).body);
    const nameCol = csv.header.indexOf('investor_name');
    expect(csv.rows.length).toBe(3);
    for (const r of csv.rows) expect(r[nameCol]).toBe(TRICKY_INVESTOR_NAME);

    const pq = await parquetRows((await get('parquet', 'v_remit_by_investor_month', A.key)).body);
    for (const r of pq.rows) expect(r[pq.columns.indexOf('investor_name')]).toBe(TRICKY_INVESTOR_NAME);

    const json = JSON.parse((await get('json', 'v_remit_by_investor_month', A.key)).body.toString()) as { investor_name: string }[];
    for (const r of json) expect(r.investor_name).toBe(TRICKY_INVESTOR_NAME);
  });

  it('the seed\'s qualified name and the bare name give the same download', async () => {
    const qualified = await get('csv', 'reporting.v_cash_last_30', A.key);
    const bare = await get('csv', 'v_cash_last_30', A.key);
    expect(qualified.headers['content-disposition']).toBe('attachment; filename="v_cash_last_30.csv"');
    expect(qualified.body.equals(bare.body)).toBe(true);
    // 10 PAYMENT days in the window; the FEE and the 90-day-old payment are not cash of the last 30 days.
    expect(csvRows(bare.body).rows).toHaveLength(10);
  });

  it('pipeline KPIs are the key\'s tenant\'s counts', async () => {
    for (const me of [A, B]) {
      const [row] = JSON.parse((await get('json', 'v_kpi_pipeline', me.key)).body.toString()) as Record<string, number>[];
      expect([row.loans_intake, row.loans_finalized, row.loans_boarded]).toEqual([me.pipeline.intake, me.pipeline.finalized, me.pipeline.boarded]);
    }
  });

  it('a tenant without data gets a header-only CSV, an empty JSON array and a valid empty Parquet file', async () => {
    const csv = await get('csv', 'v_remit_by_investor_month', emptyTenant.key);
    expect(csv.body.toString()).toBe('tenant_id,investor_id,investor_name,month,loan_count,principal,interest,escrow,svc_fee,strip_io,net\n');
    expect(JSON.parse((await get('json', 'v_remit_by_investor_month', emptyTenant.key)).body.toString())).toEqual([]);
    const pq = await parquetRows((await get('parquet', 'v_remit_by_investor_month', emptyTenant.key)).body);
    expect(pq.rows).toEqual([]);
    expect(pq.columns).toContain('net');
    expect(pq.types[pq.columns.indexOf('net')]).toBe('DECIMAL(18,2)');
  });

  it('every download commits and returns its connection; the key records its last use', async () => {
    await waitForIdlePool(api.pool);
    const { rows } = await db.pool.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
    );
    expect(rows[0].n).toBe('0');
    const used = await db.pool.query<{ last_used_at: Date | null }>(`SELECT last_used_at FROM reporting.api_keys WHERE id = $1`, [A.keyId]);
    expect(used.rows[0].last_used_at).toBeInstanceOf(Date);
  });
});

describe('the allow-list agrees with the database', () => {
  it('each view exists, is granted to reporting_reader, is security_invoker, and has the columns the allow-list assumes', async () => {
    for (const view of listViews(REPORTING_VIEWS)) {
      const { rows: cols } = await db.pool.query<{ column_name: string; data_type: string; numeric_precision: number | null }>(
        `SELECT column_name, data_type, numeric_precision FROM information_schema.columns
          WHERE table_schema = 'reporting' AND table_name = $1 ORDER BY ordinal_position`,
        [view.name],
      );
      expect(cols.length, view.name).toBeGreaterThan(0);
      expect(cols.some((c) => c.column_name === 'tenant_id'), `${view.name} tenant_id`).toBe(view.tenantColumn);
      for (const m of view.money) {
        const col = cols.find((c) => c.column_name === m);
        expect(col?.data_type, `${view.name}.${m}`).toBe('numeric');
      }
      const { rows: priv } = await db.pool.query<{ ok: boolean; invoker: boolean }>(
        `SELECT has_table_privilege('reporting_reader', $1, 'SELECT') AS ok,
                coalesce((SELECT 'security_invoker=true' = ANY (c.reloptions) FROM pg_class c WHERE c.oid = $1::regclass), false) AS invoker`,
        [view.qualified],
      );
      expect(priv[0], view.name).toEqual({ ok: true, invoker: true });
    }
  });

  it('reporting_reader cannot read the API keys table', async () => {
    const { rows } = await db.pool.query<{ ok: boolean }>(`SELECT has_table_privilege('reporting_reader', 'reporting.api_keys', 'SELECT') AS ok`);
    expect(rows[0].ok).toBe(false);
  });
});
