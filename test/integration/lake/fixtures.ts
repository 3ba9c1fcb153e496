/**
 * Shared by the lake integration tests: a seeded book loaded into `reporting` by the real loaders,
 * a lake config pointed at the run's S3 server (a bucket per test file), and Postgres-side totals
 * to compare the lake with.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import { createLakeActivities, type LakeActivityOptions } from '../../../activities/lake';
import { createLoaderActivities } from '../../../activities/loaders';
import type { Config } from '../../../lib/config';
import { LAKE_TABLES, type LakeTable } from '../../../lib/etl-types';
import { generateDdl } from '../../../lib/lake/ddl';
import { mirrorLake, openDuckDb, type DuckDb } from '../../../lib/lake/duckdb';
import { createLakeStore, S3LakeStore, type LakeStore } from '../../../lib/lake/store';
import { LAKE_TABLE_SPECS } from '../../../lib/lake/tables';
import { seedDatabase } from '../../../lib/seed';
import type { TestDatabase } from '../../support/db';
import { testConfig } from '../../support/stack';

// The AWS SDK reads credentials from the environment (the default chain), as in production; moto
// accepts any. Each test file runs in its own process, so this does not leak into other files.
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';

/** A fixed asOf keeps the book identical from run to run; 400 days spans two calendar years. */
export const SEED = { tenants: 2, loans: 40, days: 400, seed: 7, asOf: new Date('2026-06-01T00:00:00Z') } as const;
export const SERVICING_DATES = ['2025-12-31', '2026-03-31', '2026-05-31'];

/** Seeds the source tables and loads every reporting table for every tenant with the real loaders. */
export async function seedAndLoad(db: TestDatabase): Promise<string[]> {
  const summary = await seedDatabase(db.pool, { ...SEED });
  const config = testConfig(db);
  const loaders = createLoaderActivities({ pool: db.pool, config });
  const tenants = summary.tenants.map((t) => t.id);
  for (const tenantId of tenants) {
    for (const load of [loaders.loadDimInvestor, loaders.loadDimLoan, loaders.loadFactTxn, loaders.loadFactQc, loaders.loadFactExport, loaders.loadFactNotify, loaders.loadFactRemit]) {
      await load({ tenantId, workflowId: 'lake-test-load' });
    }
    for (const asOf of SERVICING_DATES) await loaders.loadFactServicing({ tenantId, asOf });
  }
  return tenants;
}

/** A config whose lake is a fresh bucket (created here) on the run's S3 server. */
export async function lakeConfig(db: TestDatabase, env: Record<string, string> = {}): Promise<Config> {
  const config = testConfig(db, env);
  if (config.lake.store === 's3') await (createLakeStore(config.lake) as S3LakeStore).ensureBucket();
  return config;
}

export function lakeActivities(db: TestDatabase, config: Config, options: LakeActivityOptions = {}) {
  return createLakeActivities({ pool: db.pool, config }, options);
}

export async function exportAll(acts: ReturnType<typeof lakeActivities>, tenants: string[], tables: readonly LakeTable[] = LAKE_TABLES) {
  const results = [];
  for (const tenantId of tenants) for (const table of tables) results.push(await acts.exportLakeTable({ tenantId, table, workflowId: 'lake-test' }));
  return results;
}

export interface Totals {
  rows: number;
  sums: Record<string, string>;
}

/** count(*) and every money column's sum for one table and tenant in Postgres, as exact text. */
export async function pgTotals(pool: Pool, table: LakeTable, tenantId: string): Promise<Totals> {
  const spec = LAKE_TABLE_SPECS[table];
  const sums = spec.moneyColumns.map((c) => `, coalesce(sum(${c}), 0)::numeric(38,2)::text AS ${c}`).join('');
  const { rows } = await pool.query(`SELECT count(*)::int AS n${sums} FROM reporting.${table} WHERE tenant_id = $1`, [tenantId]);
  const r = rows[0] as Record<string, string | number>;
  return { rows: Number(r.n), sums: Object.fromEntries(spec.moneyColumns.map((c) => [c, String(r[c])])) };
}

/** The same totals read through DuckDB views made from the DDL `lakehouse lake ddl --engine duckdb` prints. */
export async function lakeTotals(db: DuckDb, table: LakeTable, tenantId: string): Promise<Totals> {
  const spec = LAKE_TABLE_SPECS[table];
  const sums = spec.moneyColumns.map((c) => `, coalesce(sum(${c}), 0)::DECIMAL(38,2)::VARCHAR AS ${c}`).join('');
  const reader = await db.conn.runAndReadAll(`SELECT count(*)::INTEGER AS n${sums} FROM ${table} WHERE tenant_id = '${tenantId}'`);
  const r = reader.getRowObjectsJS()[0] as Record<string, unknown>;
  return { rows: Number(r.n), sums: Object.fromEntries(spec.moneyColumns.map((c) => [c, String(r[c])])) };
}

/**
 * DuckDB with the lake's views created by running the printed DuckDB DDL. DuckDB cannot reach S3
 * offline (no httpfs), so the bucket is copied to a folder first and the DDL is generated for it.
 */
export async function duckdbOverLake(store: LakeStore, prefix: string): Promise<{ db: DuckDb; root: string; tables: Set<LakeTable>; close(): Promise<void> }> {
  const mirror = await mirrorLake(store, prefix);
  const db = await openDuckDb();
  const ddl = generateDdl('duckdb', { root: mirror.root });
  for (const stmt of ddl.split('\n').filter((l) => l.startsWith('CREATE'))) {
    const table = /VIEW (\w+)/.exec(stmt)![1] as LakeTable;
    // A table without files yet has no glob to bind: skip it (the views created by `lake query` are typed and empty).
    if (mirror.tablesWithFiles.has(table)) await db.conn.run(stmt);
  }
  return {
    db,
    root: mirror.root,
    tables: mirror.tablesWithFiles,
    async close() {
      db.close();
      await mirror.dispose();
    },
  };
}

/** Keys under the lake prefix, relative to the bucket, sorted. */
export async function lakeKeys(store: LakeStore, prefix: string): Promise<string[]> {
  return (await store.list(`${prefix}/`)).map((o) => o.key).sort();
}

export async function tempDir(label: string): Promise<{ dir: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `lake-${label}-`));
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}
