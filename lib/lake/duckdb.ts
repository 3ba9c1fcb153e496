/**
 * DuckDB (@duckdb/node-api) over the lake: footer checks after writing, reconciliation, and
 * `lakehouse lake query`.
 *
 * S3: the npm package bundles only core extensions (parquet, json, icu); httpfs is downloaded from
 * the internet on first use, which machines without internet access (this one, CI) cannot do. So
 * `s3://` objects are copied to a temporary folder with the AWS SDK and queried there — only the
 * objects of the tables (and tenant) a query needs. The printed DuckDB DDL still uses s3:// and
 * httpfs, for machines that can install it.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { LAKE_TABLES, type LakeTable } from '../etl-types';
import { duckdbView, sqlString } from './ddl';
import { tablePrefix } from './layout';
import { LocalLakeStore, type LakeStore } from './store';
import { LAKE_TABLE_SPECS } from './tables';

export interface DuckDb {
  conn: DuckDBConnection;
  close(): void;
}

/** Defaults are for checks inside the worker: one thread and a memory cap, beside Postgres and the export. */
export async function openDuckDb(opts: { threads?: number; memoryLimit?: string } = {}): Promise<DuckDb> {
  // Loaded on first use: the native library adds ~15 MB of RSS that the COPY phase does not need.
  const { DuckDBInstance: Instance } = await import('@duckdb/node-api');
  const instance = await Instance.create(':memory:', {
    threads: String(opts.threads ?? 1),
    memory_limit: opts.memoryLimit ?? '256MB',
    // Offline machines: never try to download an extension mid-query.
    autoinstall_known_extensions: 'false',
  });
  const conn = await instance.connect();
  return {
    conn,
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

export async function withDuckDb<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  const db = await openDuckDb();
  try {
    return await fn(db.conn);
  } finally {
    db.close();
  }
}

export interface ParquetFooter {
  numRows: number;
  rowGroups: number;
  metadata: Record<string, string>;
}

/** Reads a Parquet file's footer with DuckDB: an independent reader, not the library that wrote it. */
export async function readParquetFooter(conn: DuckDBConnection, file: string): Promise<ParquetFooter> {
  const meta = await conn.runAndReadAll(`SELECT num_rows::BIGINT AS n, num_row_groups::BIGINT AS g FROM parquet_file_metadata(${sqlString(file)})`);
  const [row] = meta.getRowObjectsJS();
  const kv = await conn.runAndReadAll(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${sqlString(file)})`);
  const metadata: Record<string, string> = {};
  for (const r of kv.getRowObjectsJS()) metadata[String(r.k)] = String(r.v);
  return { numRows: Number(row.n), rowGroups: Number(row.g), metadata };
}

/**
 * A local folder laid out like the lake root (`<root>/<table>/tenant_id=…/…`) for DuckDB to read:
 * the local store's own folder, or a temporary copy of the needed S3 objects.
 */
export interface LakeMirror {
  root: string;
  /** Tables that have at least one data file. */
  tablesWithFiles: Set<LakeTable>;
  dispose(): Promise<void>;
}

export async function mirrorLake(store: LakeStore, prefix: string, opts: { tables?: readonly LakeTable[]; signal?: AbortSignal } = {}): Promise<LakeMirror> {
  const tables = opts.tables ?? LAKE_TABLES;
  const tablesWithFiles = new Set<LakeTable>();
  if (store instanceof LocalLakeStore) {
    for (const t of tables) if ((await store.list(tablePrefix(prefix, t))).some((o) => o.key.endsWith('.parquet'))) tablesWithFiles.add(t);
    return { root: store.uri(prefix), tablesWithFiles, dispose: async () => undefined };
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lakehouse-lake-'));
  try {
    for (const t of tables) {
      const keys = (await store.list(tablePrefix(prefix, t))).map((o) => o.key).filter((k) => k.endsWith('.parquet'));
      await downloadAll(store, keys, (k) => path.join(dir, ...k.slice(prefix.length + 1).split('/')), opts.signal);
      if (keys.length > 0) tablesWithFiles.add(t);
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return { root: dir, tablesWithFiles, dispose: () => rm(dir, { recursive: true, force: true }) };
}

async function downloadAll(store: LakeStore, keys: string[], localPath: (key: string) => string, signal?: AbortSignal): Promise<string[]> {
  const out: string[] = [];
  for (const key of keys) {
    const local = localPath(key);
    await mkdir(path.dirname(local), { recursive: true });
    await store.getToFile(key, local, signal);
    out.push(local);
  }
  return out;
}

/** Local paths DuckDB can read for these objects: the files themselves (local store) or temporary copies (S3). */
export async function localCopies(store: LakeStore, keys: string[], signal?: AbortSignal): Promise<{ files: string[]; dispose(): Promise<void> }> {
  if (store instanceof LocalLakeStore) return { files: keys.map((k) => store.uri(k)), dispose: async () => undefined };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lakehouse-lake-'));
  try {
    const files = await downloadAll(store, keys, (k) => path.join(dir, ...k.split('/')), signal);
    return { files, dispose: () => rm(dir, { recursive: true, force: true }) };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Creates one view per lake table (typed and empty for tables without files). */
export async function createLakeViews(conn: DuckDBConnection, mirror: LakeMirror, tables: readonly LakeTable[] = LAKE_TABLES): Promise<void> {
  for (const t of tables) await conn.run(duckdbView(LAKE_TABLE_SPECS[t], mirror.root, mirror.tablesWithFiles.has(t)));
}

/** Lake tables a SQL text mentions (so `lake query` copies only those from S3). */
export function tablesMentioned(sql: string): LakeTable[] {
  const lower = sql.toLowerCase();
  return LAKE_TABLES.filter((t) => new RegExp(`\\b${t}\\b`).test(lower));
}
