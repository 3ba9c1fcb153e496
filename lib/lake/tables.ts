/**
 * What the lake holds: for every exported `reporting` table, the columns (in file order), how each is
 * typed in Postgres and in Parquet, which are PII, and how files are partitioned.
 *
 * This list is the lake's schema contract. DDL for Athena/Trino/DuckDB, the COPY statements, the
 * Arrow schema, the schema check against Postgres and the reconciliation all derive from it, so a
 * column added here appears everywhere at once. Bump LAKE_SCHEMA_VERSION when a change is not purely
 * additive (readers see it in every file's key-value metadata).
 *
 * Deliberately absent: `tenant_id` (it is the Hive partition in the path; writing it into the file
 * as well makes engines disagree about which copy wins) and `fact_txn.ref` (free-text JSON that may
 * hold anything, PII included: ARCHITECTURE §3 rule 7).
 */
import type { LakeTable } from '../etl-types';

export const LAKE_SCHEMA_VERSION = 1;

/**
 * Column kinds the binary COPY decoder understands. Each maps to one Postgres type (checked before
 * every export) and one Parquet/Arrow type:
 *   int8 → INT64, int4 → INT32, bool → BOOLEAN, uuid → STRING (canonical lower-case text: Athena
 *   and Trino's Hive connector have no UUID type), text → STRING, date → DATE,
 *   timestamptz → TIMESTAMP(MICROS, isAdjustedToUTC), money → DECIMAL(18,2).
 */
export type ColumnKind = 'int8' | 'int4' | 'bool' | 'uuid' | 'text' | 'date' | 'timestamptz' | 'money';

export interface LakeColumn {
  name: string;
  kind: ColumnKind;
  /** false: NOT NULL in Postgres, REQUIRED in Parquet. */
  nullable: boolean;
  /** Tokenised with the keyed HMAC when ETL_PII_REDACT=true. Only text columns. */
  pii?: boolean;
}

export interface LakeTableSpec {
  table: LakeTable;
  /** Dimensions are exported as one full snapshot per tenant; facts incrementally by surrogate key. */
  kind: 'dimension' | 'fact';
  /** The bigserial surrogate key: the facts' export checkpoint, and the dimensions' snapshot bound. */
  skColumn: string;
  /** Facts: the data's own date, which files are partitioned by (year) and sorted on. */
  dateColumn?: string;
  columns: LakeColumn[];
  /** Summed by reconciliation, Postgres vs lake; the first one is reported. */
  moneyColumns: string[];
}

/** Postgres type (as `format_type` prints it) each kind decodes. */
export const PG_TYPE: Record<ColumnKind, string> = {
  int8: 'bigint',
  int4: 'integer',
  bool: 'boolean',
  uuid: 'uuid',
  text: 'text',
  date: 'date',
  timestamptz: 'timestamp with time zone',
  money: 'numeric(18,2)',
};

const c = (name: string, kind: ColumnKind, nullable = false, pii = false): LakeColumn => (pii ? { name, kind, nullable, pii } : { name, kind, nullable });

const TABLES: LakeTableSpec[] = [
  {
    table: 'dim_loan',
    kind: 'dimension',
    skColumn: 'loan_sk',
    columns: [
      c('loan_sk', 'int8'),
      c('loan_id', 'uuid'),
      c('loan_number', 'text', true),
      c('borrower_name', 'text', true, true),
      c('borrower_email', 'text', true, true),
      c('borrower_phone', 'text', true, true),
      c('property_city', 'text', true),
      c('property_state', 'text', true),
      c('program_code', 'text', true),
      c('investor_id', 'uuid', true),
      c('created_at', 'timestamptz'),
      c('updated_at', 'timestamptz'),
    ],
    moneyColumns: [],
  },
  {
    table: 'dim_investor',
    kind: 'dimension',
    skColumn: 'investor_sk',
    columns: [
      c('investor_sk', 'int8'),
      c('investor_id', 'uuid'),
      c('investor_name', 'text', true),
      c('delivery_type', 'text', true),
      c('active', 'bool', true),
      c('created_at', 'timestamptz'),
      c('updated_at', 'timestamptz'),
    ],
    moneyColumns: [],
  },
  {
    table: 'fact_txn',
    kind: 'fact',
    skColumn: 'txn_sk',
    dateColumn: 'd',
    columns: [
      c('txn_sk', 'int8'),
      c('txn_id', 'uuid'),
      c('loan_id', 'uuid'),
      c('d', 'date'),
      c('type', 'text'),
      c('amount', 'money'),
      c('alloc_principal', 'money'),
      c('alloc_interest', 'money'),
      c('alloc_escrow', 'money'),
      c('alloc_fees', 'money'),
      c('loaded_at', 'timestamptz'),
    ],
    moneyColumns: ['amount', 'alloc_principal', 'alloc_interest', 'alloc_escrow', 'alloc_fees'],
  },
  {
    table: 'fact_qc',
    kind: 'fact',
    skColumn: 'qc_sk',
    dateColumn: 'd',
    columns: [
      c('qc_sk', 'int8'),
      c('defect_id', 'uuid'),
      c('loan_id', 'uuid'),
      c('rule_code', 'text'),
      c('severity', 'text'),
      c('status', 'text'),
      c('d', 'date'),
      c('status_at', 'timestamptz'),
      c('loaded_at', 'timestamptz'),
    ],
    moneyColumns: [],
  },
  {
    table: 'fact_export',
    kind: 'fact',
    skColumn: 'export_sk',
    dateColumn: 'd',
    columns: [
      c('export_sk', 'int8'),
      c('export_id', 'uuid'),
      c('loan_id', 'uuid'),
      c('template', 'text'),
      c('status', 'text'),
      c('d', 'date'),
      c('status_at', 'timestamptz'),
      c('loaded_at', 'timestamptz'),
    ],
    moneyColumns: [],
  },
  {
    table: 'fact_notify',
    kind: 'fact',
    skColumn: 'notify_sk',
    dateColumn: 'd',
    columns: [
      c('notify_sk', 'int8'),
      c('notification_id', 'uuid'),
      c('loan_id', 'uuid', true),
      c('template_code', 'text'),
      c('channel', 'text'),
      c('status', 'text'),
      c('recipient', 'text', true, true),
      c('d', 'date'),
      c('status_at', 'timestamptz'),
      c('loaded_at', 'timestamptz'),
    ],
    moneyColumns: [],
  },
  {
    table: 'fact_servicing',
    kind: 'fact',
    skColumn: 'svc_sk',
    dateColumn: 'd',
    columns: [
      c('svc_sk', 'int8'),
      c('loan_id', 'uuid'),
      c('d', 'date'),
      c('upb', 'money'),
      c('escrow_balance', 'money'),
      c('delinquency_dpd', 'int4'),
      c('delinquency_bucket', 'text'),
      c('loaded_at', 'timestamptz'),
    ],
    moneyColumns: ['upb', 'escrow_balance'],
  },
  {
    table: 'fact_remit',
    kind: 'fact',
    skColumn: 'remit_sk',
    dateColumn: 'd',
    columns: [
      c('remit_sk', 'int8'),
      c('remit_item_id', 'uuid'),
      c('remit_run_id', 'uuid'),
      c('investor_id', 'uuid'),
      c('loan_id', 'uuid'),
      c('d', 'date'),
      c('principal', 'money'),
      c('interest', 'money'),
      c('escrow', 'money'),
      c('svc_fee', 'money'),
      c('strip_io', 'money'),
      c('net', 'money'),
      c('loaded_at', 'timestamptz'),
    ],
    moneyColumns: ['net', 'principal', 'interest', 'escrow', 'svc_fee', 'strip_io'],
  },
];

export const LAKE_TABLE_SPECS: Readonly<Record<LakeTable, LakeTableSpec>> = Object.fromEntries(TABLES.map((t) => [t.table, t])) as Record<LakeTable, LakeTableSpec>;

export function lakeTableSpec(table: string): LakeTableSpec | undefined {
  return Object.prototype.hasOwnProperty.call(LAKE_TABLE_SPECS, table) ? LAKE_TABLE_SPECS[table as LakeTable] : undefined;
}

/** Hive partition columns under `<table>/`, in path order (tenant first: the unit of isolation). */
export function partitionColumns(spec: LakeTableSpec): Array<{ name: string; type: 'string' | 'int' }> {
  return spec.kind === 'fact' ? [{ name: 'tenant_id', type: 'string' }, { name: 'year', type: 'int' }] : [{ name: 'tenant_id', type: 'string' }];
}
