/**
 * THE allow-list of what the reporting API serves — the only place a view name becomes SQL.
 *
 * The seed's rule is "allow-list only; do not enable arbitrary SQL". A request's `:view` is looked
 * up here by exact string; the identifier that reaches SQL is the constant `qualified` of the entry
 * found, never text from the request (no stripping of "bad" characters as the seed did: a name is
 * either on the list or refused).
 */
import { UUID_RE } from '../lib/db';

export interface ReportingView {
  /** Bare view name, also the download's file name: `v_cash_last_30`. */
  readonly name: string;
  /** Schema-qualified identifier used in SQL: `reporting.v_cash_last_30`. */
  readonly qualified: string;
  readonly description: string;
  /**
   * The view has a `tenant_id` column, so reads add an explicit `WHERE tenant_id = <key's tenant>`
   * on top of row-level security (rule 5: RLS is the second lock, not the only one). The seed's
   * three views keep their seed column lists, without tenant_id; for them RLS is the filter.
   */
  readonly tenantColumn: boolean;
  /**
   * Money columns whose type in the view is bare `numeric` (a SUM of numeric(18,2) loses the
   * typmod). Parquet writes them as DECIMAL(18,2), like the lake (rule 6). Columns already
   * declared numeric(p,s) keep their own precision and scale.
   */
  readonly money: readonly string[];
}

export interface ViewSpec {
  name: string;
  description?: string;
  tenantColumn?: boolean;
  money?: readonly string[];
}

/** Bare names of the views served. Adding one here (and granting it to reporting_reader) publishes it. */
export const REPORTING_VIEW_NAMES = [
  // the seed's three (section 7)
  'v_kpi_pipeline',
  'v_cash_last_30',
  'v_qc_open_by_severity',
  // KPI views added by the schema work
  'v_delinquency_by_bucket',
  'v_cash_by_month_type',
  'v_remit_by_investor_month',
  'v_export_success_rate',
  'v_notify_delivery_rate',
] as const;

export type ReportingViewName = (typeof REPORTING_VIEW_NAMES)[number];

// Column facts below mirror migrations/023_reporting_views.sql; test/integration/api checks them
// against the database, so a view change that breaks them fails a test instead of a download.
const SPECS: Record<ReportingViewName, Omit<ViewSpec, 'name'>> = {
  v_kpi_pipeline: { description: 'loans by pipeline state', tenantColumn: false },
  v_cash_last_30: { description: 'cash collected per day, last 30 days', tenantColumn: false, money: ['cash', 'interest', 'principal'] },
  v_qc_open_by_severity: { description: 'open QC defects by severity', tenantColumn: false },
  v_delinquency_by_bucket: { description: 'loans and UPB by delinquency bucket', tenantColumn: true },
  v_cash_by_month_type: {
    description: 'transactions by month and type',
    tenantColumn: true,
    money: ['amount', 'principal', 'interest', 'escrow', 'fees'],
  },
  v_remit_by_investor_month: {
    description: 'investor remittance by month',
    tenantColumn: true,
    money: ['principal', 'interest', 'escrow', 'svc_fee', 'strip_io', 'net'],
  },
  v_export_success_rate: { description: 'investor export success rate', tenantColumn: true },
  v_notify_delivery_rate: { description: 'borrower notification delivery rate', tenantColumn: true },
};

/** A lookup table keyed by the exact strings a request may use. */
export type ViewAllowList = ReadonlyMap<string, ReportingView>;

// Identifiers are interpolated into SQL (COPY takes no bind parameters), so each one is checked
// once, here, against a shape that cannot carry quotes, dots beyond the schema's, or whitespace.
const SAFE_VIEW_NAME = /^v_[a-z0-9_]{1,60}$/;

/**
 * Builds an allow-list that accepts both the seed's qualified form (`reporting.v_x`, as in
 * `/api/reporting/csv/reporting.v_cash_last_30`) and the bare name (`v_x`).
 * Exported so tests and the benchmark can serve a view of their own; the server defaults to
 * `REPORTING_VIEWS`.
 */
export function buildAllowList(entries: ReadonlyArray<ViewSpec>): ViewAllowList {
  const map = new Map<string, ReportingView>();
  for (const e of entries) {
    if (!SAFE_VIEW_NAME.test(e.name)) throw new Error(`allow-list entry "${e.name}" is not a plain view name`);
    const view: ReportingView = Object.freeze({
      name: e.name,
      qualified: `reporting.${e.name}`,
      description: e.description ?? '',
      tenantColumn: e.tenantColumn ?? false,
      money: Object.freeze([...(e.money ?? [])]),
    });
    map.set(view.name, view);
    map.set(view.qualified, view);
  }
  return map;
}

export const REPORTING_VIEWS: ViewAllowList = buildAllowList(
  REPORTING_VIEW_NAMES.map((name) => ({ name, ...SPECS[name] })),
);

/**
 * The entry for a request's view parameter, or undefined. A Map lookup (not an object property)
 * so names like `__proto__` or `constructor` cannot hit anything inherited.
 */
export function resolveView(allowList: ViewAllowList, requested: unknown): ReportingView | undefined {
  if (typeof requested !== 'string' || requested.length > 128) return undefined;
  return allowList.get(requested);
}

/** Distinct entries, in allow-list order (each view appears under two keys). */
export function listViews(allowList: ViewAllowList): ReportingView[] {
  return [...new Set(allowList.values())];
}

/**
 * The one SELECT the API runs for a view. COPY takes no bind parameters, so the tenant id is
 * rendered as a literal — only after it matches the UUID shape, which cannot carry a quote.
 */
export function viewSelect(view: ReportingView, tenantId: string): string {
  if (!UUID_RE.test(tenantId)) throw new Error('tenant id is not a UUID');
  return view.tenantColumn
    ? `SELECT * FROM ${view.qualified} WHERE tenant_id = '${tenantId.toLowerCase()}'::uuid`
    : `SELECT * FROM ${view.qualified}`;
}
