/**
 * Helpers shared by the loader integration tests: activities over a test database, hand-made
 * source rows, and set comparisons of the reporting tables against the source (EXCEPT ALL both
 * ways, so a duplicated or missing fact row fails as surely as a wrong value).
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { expect } from 'vitest';
import { createLoaderActivities, type LoaderOptions } from '../../../activities/loaders';
import { loadConfig } from '../../../lib/config';

/** The loader activities over a test database; `env` overrides configuration (overlap, lag…). */
export function loaders(db: { pool: Pool; url: string }, env: Record<string, string> = {}, options: LoaderOptions = {}) {
  const config = loadConfig({ DB_URL: db.url, ...env });
  return createLoaderActivities({ pool: db.pool, config }, options);
}

export async function addTenant(pool: Pool, name: string, id = randomUUID()): Promise<string> {
  await pool.query('INSERT INTO public.tenants (id, name) VALUES ($1, $2)', [id, name]);
  return id;
}

/** Source rows of each fact stream, as the fact should hold them (the expected set). */
export const EXPECTED: Record<string, { fact: string; source: string }> = {
  fact_txn: {
    fact: `SELECT tenant_id, loan_id, d, type, amount, alloc_principal, alloc_interest, alloc_escrow, alloc_fees, ref, txn_id
           FROM reporting.fact_txn WHERE tenant_id = $1`,
    source: `SELECT tenant_id, loan_id, (ts AT TIME ZONE 'UTC')::date, type, amount, alloc_principal, alloc_interest, alloc_escrow, alloc_fees, ref, id
             FROM public.svc_txns WHERE tenant_id = $1`,
  },
  fact_qc: {
    fact: `SELECT tenant_id, loan_id, rule_code, severity, status, d, defect_id, status_at FROM reporting.fact_qc WHERE tenant_id = $1`,
    source: `SELECT q.tenant_id, q.loan_id, r.code, r.severity, q.status, (q.status_at AT TIME ZONE 'UTC')::date, q.id, q.status_at
             FROM public.qc_defects q JOIN public.qc_rules r ON r.id = q.rule_id WHERE q.tenant_id = $1`,
  },
  fact_export: {
    fact: `SELECT tenant_id, loan_id, template, status, d, export_id, status_at FROM reporting.fact_export WHERE tenant_id = $1`,
    source: `SELECT tenant_id, loan_id, template, status, (status_at AT TIME ZONE 'UTC')::date, id, status_at FROM public.exports WHERE tenant_id = $1`,
  },
  fact_notify: {
    fact: `SELECT tenant_id, loan_id, template_code, channel, status, d, notification_id, recipient, status_at FROM reporting.fact_notify WHERE tenant_id = $1`,
    source: `SELECT tenant_id, loan_id, template_code, channel, status, (status_at AT TIME ZONE 'UTC')::date, id, recipient, status_at
             FROM public.notifications WHERE tenant_id = $1`,
  },
  fact_remit: {
    fact: `SELECT tenant_id, investor_id, loan_id, d, principal, interest, escrow, svc_fee, strip_io, net, remit_item_id, remit_run_id
           FROM reporting.fact_remit WHERE tenant_id = $1`,
    source: `SELECT i.tenant_id, r.investor_id, i.loan_id, r.period_end, i.principal_collected, i.interest_collected, i.escrow_collected,
                    i.svc_fee, i.strip_io, i.net_remit, i.id, r.id
             FROM public.inv_remit_items i JOIN public.inv_remit_runs r ON r.id = i.run_id WHERE i.tenant_id = $1`,
  },
  dim_investor: {
    fact: `SELECT investor_id, investor_name, delivery_type, active, tenant_id FROM reporting.dim_investor WHERE tenant_id = $1`,
    source: `SELECT id, name, delivery_type, active, tenant_id FROM public.inv_investors WHERE tenant_id = $1`,
  },
  dim_loan: {
    fact: `SELECT loan_id, loan_number, borrower_name, property_city, property_state, program_code, investor_id, tenant_id, borrower_email, borrower_phone
           FROM reporting.dim_loan WHERE tenant_id = $1`,
    source: `SELECT loan_id, loan_number, borrower_name, property_city, property_state, program_code, investor_id, tenant_id, borrower_email, borrower_phone
             FROM reporting.v_dim_loan_source WHERE tenant_id = $1`,
  },
};

export async function count(pool: Pool, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM (${sql}) x`, params);
  return Number(rows[0].n);
}

/** Rows in a but not b, and in b but not a (multiset semantics). */
export async function setDiff(pool: Pool, a: string, b: string, params: unknown[]): Promise<{ missing: number; extra: number }> {
  const extra = await count(pool, `(${a}) EXCEPT ALL (${b})`, params);
  const missing = await count(pool, `(${b}) EXCEPT ALL (${a})`, params);
  return { missing, extra };
}

/** The stream's reporting rows for the tenant equal the expected set computed from the source. */
export async function expectStreamMatchesSource(pool: Pool, stream: string, tenantId: string): Promise<number> {
  const e = EXPECTED[stream];
  expect(await setDiff(pool, e.fact, e.source, [tenantId]), stream).toEqual({ missing: 0, extra: 0 });
  return count(pool, e.fact, [tenantId]);
}

export const ALL_LOADERS = ['loadDimInvestor', 'loadDimLoan', 'loadFactTxn', 'loadFactQc', 'loadFactExport', 'loadFactNotify', 'loadFactRemit'] as const;
export const LOADER_STREAM: Record<(typeof ALL_LOADERS)[number], string> = {
  loadDimInvestor: 'dim_investor',
  loadDimLoan: 'dim_loan',
  loadFactTxn: 'fact_txn',
  loadFactQc: 'fact_qc',
  loadFactExport: 'fact_export',
  loadFactNotify: 'fact_notify',
  loadFactRemit: 'fact_remit',
};

/** Every reporting row a load could write (for resetting between orderings in one test database). */
export async function resetReporting(pool: Pool): Promise<void> {
  await pool.query(`TRUNCATE reporting.fact_txn, reporting.fact_qc, reporting.fact_export, reporting.fact_notify, reporting.fact_remit,
                             reporting.fact_servicing, reporting.dim_loan, reporting.dim_investor, reporting.etl_watermark, reporting.etl_run_log`);
}

/** Minimal source rows for hand-written scenarios. `at` stamps created_at/updated_at. */
export async function insertTxn(
  pool: Pool,
  t: { tenantId: string; loanId: string; ts: string; type: string; amount: string; principal?: string; interest?: string; escrow?: string; fees?: string; at?: string; id?: string },
): Promise<string> {
  const id = t.id ?? randomUUID();
  await pool.query(
    `INSERT INTO public.svc_txns (id, tenant_id, loan_id, ts, type, amount, alloc_principal, alloc_interest, alloc_escrow, alloc_fees, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, COALESCE($11::timestamptz, now()), COALESCE($11::timestamptz, now()))`,
    [id, t.tenantId, t.loanId, t.ts, t.type, t.amount, t.principal ?? '0', t.interest ?? '0', t.escrow ?? '0', t.fees ?? '0', t.at ?? null],
  );
  return id;
}

/**
 * Window ends are JavaScript Dates (millisecond precision) while updated_at has microseconds: with
 * a safety lag of 0, a row stamped in the same millisecond as the load's now() falls just past the
 * window's end and is read by the next load (never lost — the next window starts at or before the
 * watermark). Tests that write a row and expect the very next lag-0 load to see it wait this long.
 */
export const nextMillisecond = () => new Promise((r) => setTimeout(r, 5));
