/**
 * Inputs, results and progress of the ETL workflows: shared by workflow code, the CLI and tests.
 * Pure types (imported by the workflow bundle).
 */
import type { Stream } from './constants';
import type { LakeExportResult, LakeReconcileResult, LoadResult } from './etl-types';

export type RunKind = 'hourly' | 'nightly' | 'backfill';

/** Manual runs pass these; schedule-started runs take their time from TemporalScheduledStartTime. */
export interface EtlRunInput {
  /** Restrict the run to these tenant IDs (validated); default: every active tenant. */
  tenants?: string[];
  /** ISO instant the run stands for, when not started by a schedule. */
  scheduledAt?: string;
  /** Tenants processed at once (children in flight). */
  concurrency?: number;
}

export interface BackfillInput {
  /** Inclusive UTC calendar dates, YYYY-MM-DD. */
  from: string;
  to: string;
  tenants?: string[];
  /** Default: every fact stream and the dimensions, plus servicing snapshots. */
  streams?: Stream[];
  /** Export the lake after loading (incremental from the lake checkpoint). */
  export?: boolean;
  /** Days per window (default 7). */
  windowDays?: number;
  concurrency?: number;
  /** ETL_MAX_LOOKBACK_DAYS, passed in because workflows never read the environment. */
  maxLookbackDays: number;
  /** Carried across continue-as-new. */
  resume?: BackfillResume;
}

export interface BackfillResume {
  nextWindow: number;
  windowsDone: number;
  rowsByStream: Record<string, number>;
  failed: FailedTenant[];
  tenantIds: string[];
}

export interface TenantEtlInput {
  tenantId: string;
  tenantName: string;
  kind: RunKind;
  /** Streams to load, in order: dimensions first, then facts (in parallel), then fact_servicing. */
  streams: Stream[];
  /** Explicit window (backfills): ISO instants, [from, to). */
  window?: { from: string; to: string };
  /** Snapshot dates for fact_servicing (YYYY-MM-DD). */
  snapshotDates: string[];
  /** The parent run's workflow ID, recorded in reporting.etl_run_log. */
  runId: string;
}

export interface TenantEtlResult {
  tenantId: string;
  tenantName: string;
  loads: LoadResult[];
  failedStreams: Array<{ stream: Stream | string; error: string }>;
}

export interface FailedTenant {
  tenantId: string;
  tenantName: string;
  error: string;
}

export interface LakeOutcome {
  exports: LakeExportResult[];
  reconciliations: LakeReconcileResult[];
}

export interface RunProgress {
  kind: RunKind;
  phase: 'starting' | 'loading' | 'exporting' | 'done' | 'failed';
  windowStart: string;
  windowEnd: string;
  tenantsTotal: number;
  tenantsDone: number;
  failed: FailedTenant[];
  /** Rows inserted per stream, summed over tenants. */
  rowsByStream: Record<string, number>;
  /** Rows inserted per tenant and stream (the UI's details table). */
  rowsByTenant: Record<string, Record<string, number>>;
  /** Backfills: windows walked so far / in all. */
  windowsDone?: number;
  windowsTotal?: number;
  lake?: { tablesExported: number; rowsExported: number; reconciled: number; mismatches: number };
}

export type RunResult = RunProgress;
