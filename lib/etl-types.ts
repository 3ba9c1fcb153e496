/**
 * Inputs and results of the ETL activities: the contract between workflows and activities.
 * Pure types and constants (no I/O): imported by workflow code.
 */
import type { Stream } from './constants';

/** A load of one tenant and one stream. Without `window` the load is incremental from the watermark. */
export interface LoadInput {
  tenantId: string;
  /** Explicit [from, to] (ISO-8601 instants, from inclusive, to exclusive) for backfills: never moves the watermark backwards. */
  window?: { from: string; to: string };
  /** Recorded in reporting.etl_run_log so an operator can join a run to its rows. */
  workflowId?: string;
  /** Dimensions only: re-derive every row of the tenant (the nightly's full refresh). */
  full?: boolean;
}

export interface SnapshotInput {
  tenantId: string;
  /** The snapshot date, YYYY-MM-DD (UTC): balances as of the end of that day. */
  asOf: string;
  workflowId?: string;
}

export interface LoadResult {
  tenantId: string;
  stream: Stream;
  mode: 'incremental' | 'window' | 'snapshot';
  windowFrom: string | null;
  windowTo: string;
  rowsRead: number;
  rowsInserted: number;
  oldWatermark: string | null;
  newWatermark: string | null;
  durationMs: number;
}

/** Tables the nightly run exports to the lake: dimensions as snapshots, facts incrementally. */
export const LAKE_TABLES = ['dim_loan', 'dim_investor', 'fact_txn', 'fact_qc', 'fact_export', 'fact_notify', 'fact_servicing', 'fact_remit'] as const;
export type LakeTable = (typeof LAKE_TABLES)[number];

export interface LakeExportInput {
  tenantId: string;
  table: LakeTable;
  workflowId?: string;
}

export interface LakeExportResult {
  tenantId: string;
  table: LakeTable;
  rows: number;
  objects: string[];
  bytes: number;
  /** Checkpoint range covered (fact surrogate keys), null for dimension snapshots. */
  fromSk: string | null;
  toSk: string | null;
  durationMs: number;
}

export interface LakeReconcileResult {
  tenantId: string;
  table: LakeTable;
  ok: boolean;
  pgRows: number;
  lakeRows: number;
  pgAmount: string | null;
  lakeAmount: string | null;
}

/**
 * The activity surface workflows call. Workflows proxy this interface (never the implementations);
 * activities/index.ts checks at compile time that the real activities satisfy it.
 */
export interface EtlActivities {
  listTenants(only?: string[]): Promise<Array<{ id: string; name: string }>>;
  loadDimInvestor(input: LoadInput): Promise<LoadResult>;
  loadDimLoan(input: LoadInput): Promise<LoadResult>;
  loadFactTxn(input: LoadInput): Promise<LoadResult>;
  loadFactQc(input: LoadInput): Promise<LoadResult>;
  loadFactExport(input: LoadInput): Promise<LoadResult>;
  loadFactNotify(input: LoadInput): Promise<LoadResult>;
  loadFactRemit(input: LoadInput): Promise<LoadResult>;
  loadFactServicing(input: SnapshotInput): Promise<LoadResult>;
  exportLakeTable(input: LakeExportInput): Promise<LakeExportResult>;
  reconcileLakeTable(input: LakeExportInput): Promise<LakeReconcileResult>;
}
