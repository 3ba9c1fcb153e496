/**
 * Hostile requests: each gets the right 4xx, a small JSON error that echoes nothing, and leaves no
 * trace in Postgres — no row added or changed anywhere we can count, and no statement sent other
 * than (for requests carrying a well-formed key) the read-only key lookup. In particular no
 * statement naming a view, no COPY, no cursor, no transaction.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../../../api/auth';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { insertApiFixture, type TenantFixture } from './fixtures';
import { rawRequest, startApi, waitForIdlePool, type RunningApi } from './helpers';

let db: TestDatabase;
let api: RunningApi;
let A: TenantFixture;
let revokedKey: string;

beforeAll(async () => {
  db = await createTestDatabase('api_hostile');
  [A] = await insertApiFixture(db.pool);
  const revoked = await createApiKey(db.pool, A.id, 'to be revoked');
  await revokeApiKey(db.pool, revoked.id);
  revokedKey = revoked.key;
  api = await startApi(db.url);
});

afterAll(async () => {
  await api?.close();
  await db?.drop();
});

/** Row counts of every table in public and reporting, plus the API keys' mutable columns. */
async function snapshot(): Promise<Record<string, string>> {
  const { rows: tables } = await db.pool.query<{ t: string }>(
    `SELECT format('%I.%I', schemaname, relname) AS t FROM pg_stat_user_tables
      WHERE schemaname IN ('public', 'reporting') ORDER BY 1`,
  );
  const out: Record<string, string> = {};
  for (const { t } of tables) {
    // Names come from the catalog and are quoted by format('%I'), not from input.
    const { rows } = await db.pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${t}`);
    out[t] = rows[0].n;
  }
  const { rows: keys } = await db.pool.query<{ s: string }>(
    `SELECT string_agg(id || ':' || coalesce(last_used_at::text, '-') || ':' || coalesce(revoked_at::text, '-'), ',' ORDER BY id) AS s FROM reporting.api_keys`,
  );
  out['api_keys state'] = keys[0].s;
  return out;
}

const forgedKey = () => `lhk_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('base64url')}`;
const wrongSecret = () => `${A.key.slice(0, 'lhk_'.length + 17)}${randomBytes(32).toString('base64url')}`;
const auth = (value: string) => ({ authorization: value });

interface Case {
  name: string;
  path: string;
  headers: () => Record<string, string>;
  status: number;
  method?: string;
}

const CSV = '/api/reporting/csv/';
const valid = () => auth(`Bearer ${A.key}`);

const CASES: Case[] = [
  // authentication
  { name: 'no Authorization header', path: `${CSV}v_cash_last_30`, headers: () => ({}), status: 401 },
  { name: 'wrong scheme (Basic)', path: `${CSV}v_cash_last_30`, headers: () => auth(`Basic ${Buffer.from(`x:${A.key}`).toString('base64')}`), status: 401 },
  { name: 'key without a scheme', path: `${CSV}v_cash_last_30`, headers: () => auth(A.key), status: 401 },
  { name: 'Bearer with garbage', path: `${CSV}v_cash_last_30`, headers: () => auth(`Bearer ' OR '1'='1`), status: 401 },
  { name: 'forged key (well-formed, unknown id)', path: `${CSV}v_cash_last_30`, headers: () => auth(`Bearer ${forgedKey()}`), status: 401 },
  { name: 'real key id with a forged secret', path: `${CSV}v_cash_last_30`, headers: () => auth(`Bearer ${wrongSecret()}`), status: 401 },
  { name: 'revoked key', path: `${CSV}v_cash_last_30`, headers: () => auth(`Bearer ${revokedKey}`), status: 401 },
  { name: 'no key and a view that is not allowed: 401 first', path: `${CSV}public.tenants`, headers: () => ({}), status: 401 },
  // view names (valid key)
  { name: 'path traversal, encoded slashes', path: `${CSV}..%2f..%2fetc%2fpasswd`, headers: valid, status: 404 },
  { name: 'path traversal, raw segments', path: `${CSV}../../../etc/passwd`, headers: valid, status: 404 },
  { name: 'encoded dots and slash', path: `${CSV}%2e%2e%2f%2e%2e%2fpublic.tenants`, headers: valid, status: 404 },
  { name: 'SQL in the view name', path: `${CSV}reporting.v_cash_last_30%3BDROP%20TABLE%20reporting.fact_txn`, headers: valid, status: 404 },
  { name: 'quote injection', path: `${CSV}v_cash_last_30'%20OR%20'1'%3D'1`, headers: valid, status: 404 },
  { name: 'subquery as a name', path: `${CSV}(SELECT%20*%20FROM%20public.tenants)`, headers: valid, status: 404 },
  { name: 'pg_catalog.pg_user', path: `${CSV}pg_catalog.pg_user`, headers: valid, status: 404 },
  { name: 'public.tenants', path: `${CSV}public.tenants`, headers: valid, status: 404 },
  { name: 'information_schema.tables as Parquet', path: '/api/reporting/parquet/information_schema.tables', headers: valid, status: 404 },
  { name: 'the API keys table', path: `${CSV}reporting.api_keys`, headers: valid, status: 404 },
  { name: 'a reporting fact table (not a published view)', path: `${CSV}reporting.fact_txn`, headers: valid, status: 404 },
  { name: 'PII helper view, encoded dot', path: `${CSV}reporting%2Ev_dim_loan_source`, headers: valid, status: 404 },
  { name: 'quoted identifiers', path: `${CSV}%22reporting%22.%22v_cash_last_30%22`, headers: valid, status: 404 },
  { name: 'case variant', path: `${CSV}REPORTING.V_CASH_LAST_30`, headers: valid, status: 404 },
  { name: 'trailing space', path: `${CSV}v_cash_last_30%20`, headers: valid, status: 404 },
  { name: 'NUL byte', path: `${CSV}v_cash_last_30%00`, headers: valid, status: 404 },
  { name: 'Unicode look-alike digit', path: `${CSV}v_cash_last_%EF%BC%930`, headers: valid, status: 404 },
  { name: 'prototype key', path: `${CSV}__proto__`, headers: valid, status: 404 },
  { name: 'very long name', path: `${CSV}${'v'.repeat(5000)}`, headers: valid, status: 414 },
  { name: 'malformed percent-encoding', path: `${CSV}%zz`, headers: valid, status: 400 },
  { name: 'unknown format', path: '/api/reporting/xml/v_cash_last_30', headers: valid, status: 404 },
  { name: 'POST to a download route', path: `${CSV}v_cash_last_30`, headers: valid, status: 404, method: 'POST' },
  { name: 'HEAD (would run the query for nothing)', path: `${CSV}v_cash_last_30`, headers: valid, status: 404, method: 'HEAD' },
];

describe('hostile requests', () => {
  it('has at least 15 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(15);
  });

  it.each(CASES.map((c) => [c.name, c]))('%s → the right 4xx, nothing echoed, no trace', async (_name, c) => {
    await waitForIdlePool(api.pool);
    const before = await snapshot();
    api.statements.length = 0;

    const res = await rawRequest(api.port, c.path, c.headers(), c.method ?? 'GET');

    expect(res.status).toBe(c.status);
    if (c.method !== 'HEAD') {
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = JSON.parse(res.body.toString()) as Record<string, unknown>;
      expect(Object.keys(body)).toEqual(['error']);
      expect(res.body.length).toBeLessThan(100);
      expect(res.body.toString()).not.toMatch(/SELECT|COPY|DROP|tenants|passwd|pg_|at \/|\.ts:|stack/i);
    }
    if (c.status === 401) expect(res.headers['www-authenticate']).toBe('Bearer realm="lakehouse-reporting"');

    await waitForIdlePool(api.pool);
    // At most the key lookup, which reads api_keys by id and nothing else.
    for (const sql of api.statements) {
      expect(sql).toMatch(/^SELECT k\.tenant_id, k\.key_hash, \(k\.revoked_at IS NOT NULL\) AS revoked\s+FROM reporting\.api_keys k\s+WHERE k\.id = \$1$/);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('the valid key used above still works (the refusals were not a broken server)', async () => {
    const res = await rawRequest(api.port, `${CSV}v_cash_last_30`, valid());
    expect(res.status).toBe(200);
    expect(res.body.toString().split('\n')[0]).toBe('d,cash,interest,principal');
    expect(api.statements.some((s) => s.startsWith('COPY (SELECT * FROM reporting.v_cash_last_30)'))).toBe(true);
  });

  it('a key revoked while in use is refused from the next request on', async () => {
    const k = await createApiKey(db.pool, A.id, 'revoke me');
    expect((await rawRequest(api.port, `${CSV}v_kpi_pipeline`, auth(`Bearer ${k.key}`))).status).toBe(200);
    await revokeApiKey(db.pool, k.id);
    expect((await rawRequest(api.port, `${CSV}v_kpi_pipeline`, auth(`Bearer ${k.key}`))).status).toBe(401);
  });

  it('/healthz needs no key and says only "ok"', async () => {
    const res = await rawRequest(api.port, '/healthz');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({ status: 'ok' });
  });
});
