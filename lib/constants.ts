/**
 * Names shared by workflows, activities, the worker, the CLI and tests — one place for each.
 *
 * This module is imported by workflow code, so it must stay free of Node built-ins and I/O
 * (the worker's webpack bundle would reject them).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Task queue for every ETL workflow and activity. */
export const TASK_QUEUE = 'lakehouse-etl';

/** Schedule IDs are a contract with operators (ARCHITECTURE §2). */
export const SCHEDULE_IDS = { hourly: 'etl-hourly', nightly: 'etl-nightly' } as const;
export type ScheduleKind = keyof typeof SCHEDULE_IDS;

/**
 * Custom search attributes, registered idempotently at start-up (lib/temporal/search-attributes.ts).
 * SQLite visibility in the dev server allows only 3 attributes per type (10 Keyword), so these
 * stay few.
 */
export const SEARCH_ATTRIBUTES = {
  kind: defineSearchAttributeKey('LakehouseKind', SearchAttributeType.KEYWORD),
  windowStart: defineSearchAttributeKey('LakehouseWindowStart', SearchAttributeType.DATETIME),
  tenants: defineSearchAttributeKey('LakehouseTenants', SearchAttributeType.KEYWORD_LIST),
  failedCount: defineSearchAttributeKey('LakehouseFailedCount', SearchAttributeType.INT),
} as const;

/** Set by Temporal on schedule-started runs. */
export const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/**
 * Non-retryable ApplicationFailure types. Activities throw `ApplicationFailure.nonRetryable(msg, type)`
 * with one of these; everything else retries under the activity's retry policy.
 */
export const ERROR_TYPES = {
  invalidInput: 'InvalidInput',
  unknownTenant: 'UnknownTenant',
  schemaMismatch: 'SchemaMismatch',
  constraintViolation: 'ConstraintViolation',
  configMissing: 'ConfigMissing',
  reconciliationFailed: 'ReconciliationFailed',
} as const;
export const NON_RETRYABLE_ERROR_TYPES: string[] = Object.values(ERROR_TYPES);

/** Incremental fact streams the hourly run loads, in the order operators read them. */
export const FACT_STREAMS = ['fact_txn', 'fact_qc', 'fact_export', 'fact_notify', 'fact_remit'] as const;
export type FactStream = (typeof FACT_STREAMS)[number];
export const DIM_STREAMS = ['dim_investor', 'dim_loan'] as const;
export type DimStream = (typeof DIM_STREAMS)[number];
export const SNAPSHOT_STREAMS = ['fact_servicing'] as const;
export const ALL_STREAMS = [...DIM_STREAMS, ...FACT_STREAMS, ...SNAPSHOT_STREAMS] as const;
export type Stream = (typeof ALL_STREAMS)[number];

export function isStream(s: string): s is Stream {
  return (ALL_STREAMS as readonly string[]).includes(s);
}
