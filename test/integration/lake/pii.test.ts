/**
 * PII stays out of the lake (ARCHITECTURE §3 rule 7): with ETL_PII_REDACT=true no seeded borrower
 * name, email or phone is in any Parquet file — not in the decoded values, not in the raw bytes
 * (dictionary pages, statistics) — only keyed HMAC tokens that are stable across runs, join across
 * tables, and change with the key. With redaction off the values go out as they are; with it on and
 * no key, nothing is exported at all.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAKE_TABLES } from '../../../lib/etl-types';
import { createLakeStore, type LakeStore } from '../../../lib/lake/store';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { duckdbOverLake, exportAll, lakeActivities, lakeConfig, lakeKeys, seedAndLoad } from './fixtures';

const TOKEN = /^tok_[A-Za-z0-9_-]{22}$/;

describe('lake PII governance', () => {
  let db: TestDatabase;
  let tenants: string[];
  let pii: Set<string>;

  beforeAll(async () => {
    db = await createTestDatabase('lake_pii');
    tenants = await seedAndLoad(db);
    const { rows } = await db.pool.query<{ v: string }>(
      `SELECT v FROM (SELECT unnest(ARRAY[borrower_name, borrower_email, borrower_phone]) AS v FROM reporting.dim_loan
                      UNION SELECT recipient FROM reporting.fact_notify) x WHERE v IS NOT NULL`,
    );
    pii = new Set(rows.map((r) => r.v));
  });
  afterAll(async () => {
    await db?.drop();
  });

  /** Every string cell of every lake view, plus the raw bytes of every file. */
  async function scan(store: LakeStore, prefix: string) {
    const lake = await duckdbOverLake(store, prefix);
    const cells: string[] = [];
    const files: Buffer[] = [];
    try {
      for (const table of lake.tables) {
        const reader = await lake.db.conn.runAndReadAll(`SELECT * FROM ${table}`);
        for (const row of reader.getRowObjectsJS()) for (const v of Object.values(row)) if (typeof v === 'string') cells.push(v);
      }
      for (const key of await lakeKeys(store, prefix)) files.push(await readFile(path.join(lake.root, ...key.slice(prefix.length + 1).split('/'))));
    } finally {
      await lake.close();
    }
    return { cells, files };
  }

  async function tokensOf(store: LakeStore, prefix: string) {
    const lake = await duckdbOverLake(store, prefix);
    try {
      const r = await lake.db.conn.runAndReadAll('SELECT loan_id, borrower_name, borrower_email, borrower_phone FROM dim_loan ORDER BY loan_id');
      return r.getRowObjectsJS() as Array<Record<string, string | null>>;
    } finally {
      await lake.close();
    }
  }

  it('the seeded book has names, emails and phones to leak (so the scan below is not vacuous)', () => {
    expect([...pii].filter((v) => v.includes('@')).length).toBeGreaterThan(20);
    expect([...pii].filter((v) => /^\+?[\d-]{10,}$/.test(v)).length).toBeGreaterThan(20);
    expect([...pii].filter((v) => /^[A-Z][a-z]+ [A-Z][a-z]+$/.test(v)).length).toBeGreaterThan(20);
  });

  it('no seeded name, email or phone is in any Parquet file; the PII columns hold tokens; recipients join to borrowers', async () => {
    const config = await lakeConfig(db, { LAKE_PREFIX: 'redacted' });
    const store = createLakeStore(config.lake);
    await exportAll(lakeActivities(db, config), tenants);

    const { cells, files } = await scan(store, 'redacted');
    expect(cells.length).toBeGreaterThan(1000);
    expect(cells.filter((c) => pii.has(c))).toEqual([]);
    expect(cells.filter((c) => c.includes('@'))).toEqual([]);
    expect(files.length).toBeGreaterThanOrEqual(LAKE_TABLES.length * tenants.length);
    for (const bytes of files) for (const v of pii) expect(bytes.includes(v), v).toBe(false);

    const lake = await duckdbOverLake(store, 'redacted');
    try {
      const pcols = await lake.db.conn.runAndReadAll(
        `SELECT v FROM (SELECT unnest([borrower_name, borrower_email, borrower_phone]) AS v FROM dim_loan UNION ALL SELECT recipient FROM fact_notify) WHERE v IS NOT NULL`,
      );
      const values = pcols.getRowObjectsJS().map((r) => String(r.v));
      expect(values.length).toBeGreaterThan(100);
      expect(values.filter((v) => !TOKEN.test(v))).toEqual([]);

      // Joinable: a notification sent to the borrower's email carries the same token as dim_loan.
      const pg = await db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM reporting.fact_notify n JOIN reporting.dim_loan l ON l.loan_id = n.loan_id AND l.tenant_id = n.tenant_id
          WHERE n.recipient IN (l.borrower_email, l.borrower_name, l.borrower_phone)`,
      );
      const lk = await lake.db.conn.runAndReadAll(
        `SELECT count(*)::INTEGER AS n FROM fact_notify n JOIN dim_loan l ON l.loan_id = n.loan_id AND l.tenant_id = n.tenant_id
          WHERE n.recipient IN (l.borrower_email, l.borrower_name, l.borrower_phone)`,
      );
      expect(pg.rows[0].n).toBeGreaterThan(10);
      expect(lk.getRowObjectsJS()[0].n).toBe(pg.rows[0].n);
    } finally {
      await lake.close();
    }
  });

  it('tokens are stable across runs and differ under another key', async () => {
    const a = await lakeConfig(db, { LAKE_PREFIX: 'key1' });
    const storeA = createLakeStore(a.lake);
    const actsA = lakeActivities(db, a);
    for (const tenantId of tenants) await actsA.exportLakeTable({ tenantId, table: 'dim_loan' });
    const first = await tokensOf(storeA, 'key1');
    for (const tenantId of tenants) await actsA.exportLakeTable({ tenantId, table: 'dim_loan' });
    expect(await tokensOf(storeA, 'key1')).toEqual(first);
    expect(first.length).toBeGreaterThan(50);

    const b = await lakeConfig(db, { LAKE_PREFIX: 'key2', ETL_PII_TOKEN_KEY: 'a-different-token-key-9876543210' });
    const actsB = lakeActivities(db, b);
    for (const tenantId of tenants) await actsB.exportLakeTable({ tenantId, table: 'dim_loan' });
    const second = await tokensOf(createLakeStore(b.lake), 'key2');
    expect(second.map((r) => r.loan_id)).toEqual(first.map((r) => r.loan_id));
    for (let i = 0; i < first.length; i++) {
      for (const col of ['borrower_name', 'borrower_email', 'borrower_phone']) {
        if (first[i][col] === null) continue;
        expect(TOKEN.test(String(second[i][col]))).toBe(true);
        expect(second[i][col]).not.toBe(first[i][col]);
      }
    }
  });

  it('with ETL_PII_REDACT=false the values are exported as they are', async () => {
    const config = await lakeConfig(db, { LAKE_PREFIX: 'plain', ETL_PII_REDACT: 'false' });
    const acts = lakeActivities(db, config);
    for (const tenantId of tenants) await acts.exportLakeTable({ tenantId, table: 'dim_loan' });
    const lake = await tokensOf(createLakeStore(config.lake), 'plain');
    const pg = await db.pool.query('SELECT loan_id::text, borrower_name, borrower_email, borrower_phone FROM reporting.dim_loan ORDER BY loan_id::text');
    expect(lake).toEqual(pg.rows);
    // The scan used above does find plain PII when it is there.
    const { cells } = await scan(createLakeStore(config.lake), 'plain');
    expect(cells.filter((c) => pii.has(c)).length).toBeGreaterThan(100);
  });

  it('refuses to export without a token key while redaction is on: non-retryable ConfigMissing, nothing written, no checkpoint', async () => {
    const config = await lakeConfig(db, { LAKE_PREFIX: 'nokey', ETL_PII_TOKEN_KEY: '' });
    expect(config.etl.piiTokenKey).toBeUndefined();
    const acts = lakeActivities(db, config);
    const before = await db.pool.query('SELECT count(*)::int AS n FROM reporting.lake_checkpoint');
    for (const table of ['fact_notify', 'fact_txn'] as const) {
      const err = await acts.exportLakeTable({ tenantId: tenants[0], table }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect(err).toMatchObject({ type: 'ConfigMissing', nonRetryable: true });
      expect((err as Error).message).toMatch(/ETL_PII_TOKEN_KEY/);
    }
    expect(await lakeKeys(createLakeStore(config.lake), 'nokey')).toEqual([]);
    const after = await db.pool.query('SELECT count(*)::int AS n FROM reporting.lake_checkpoint');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });
});
