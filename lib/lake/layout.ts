/**
 * Object keys in the lake (relative to the bucket), ARCHITECTURE §2:
 *
 *   <prefix>/<fact>/tenant_id=<uuid>/year=<YYYY>/part-<skFrom>-<skTo>.parquet
 *   <prefix>/<dimension>/tenant_id=<uuid>/snapshot.parquet
 *
 * A fact file's name is its export window (surrogate keys skFrom..skTo, both inclusive) — the same
 * for every partition the window touches — so a retry of the same window overwrites instead of
 * duplicating, and a file whose window ends beyond the table's checkpoint can only come from an
 * attempt that never committed (the export deletes those before it writes).
 *
 * Partition grain: tenant, then the year of the data's own date `d`. A month grain would split a
 * full backfill of a mid-size tenant into hundreds of sub-megabyte files (slow and costly on Athena);
 * within a year file rows are sorted by `d`, so row-group and page statistics still prune by month.
 */
import type { LakeTableSpec } from './tables';

export function tablePrefix(prefix: string, table: string): string {
  return `${prefix}/${table}/`;
}

export function tenantPrefix(prefix: string, table: string, tenantId: string): string {
  return `${tablePrefix(prefix, table)}tenant_id=${tenantId}/`;
}

export function factKey(prefix: string, table: string, tenantId: string, year: number, skFrom: bigint, skTo: bigint): string {
  return `${tenantPrefix(prefix, table, tenantId)}year=${String(year).padStart(4, '0')}/part-${skFrom}-${skTo}.parquet`;
}

export function snapshotKey(prefix: string, table: string, tenantId: string): string {
  return `${tenantPrefix(prefix, table, tenantId)}snapshot.parquet`;
}

const FACT_FILE = /\/year=(\d{4})\/part-(\d+)-(\d+)\.parquet$/;

/** The window a fact file covers, or null for a key that is not a fact part file. */
export function parseFactKey(key: string): { year: number; skFrom: bigint; skTo: bigint } | null {
  const m = FACT_FILE.exec(key);
  return m ? { year: Number(m[1]), skFrom: BigInt(m[2]), skTo: BigInt(m[3]) } : null;
}

/** Glob of a table's data files below `root` (a local folder or s3://bucket/prefix), for DuckDB. */
export function tableGlob(root: string, spec: LakeTableSpec): string {
  return spec.kind === 'fact' ? `${root}/${spec.table}/*/*/*.parquet` : `${root}/${spec.table}/*/*.parquet`;
}
