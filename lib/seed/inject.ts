/**
 * Test helpers that simulate what makes incremental loading hard (PITFALLS: Watermarks):
 * a row that commits late with an older timestamp, and a status change after a row was loaded.
 */
import type { Pool } from 'pg';
import { BadInputError } from '../errors';
import { UUID_RE } from '../db';

export interface LateRowOptions {
  tenantId: string;
  /** The row's updated_at (and created_at): typically behind a watermark a loader already passed. */
  updatedAt: Date;
  /** Business time of the transaction; defaults to updatedAt. */
  ts?: Date;
  /** Defaults to the tenant's first loan (by id). */
  loanId?: string;
  /** Decimal string; defaults to "123.45". */
  amount?: string;
  /** Defaults to a random uuid. */
  id?: string;
}

export interface InjectedRow {
  id: string;
  tenantId: string;
  loanId: string;
  ts: Date;
  updatedAt: Date;
  amount: string;
}

/**
 * Inserts a PAYMENT into svc_txns whose updated_at lies in the past — what a loader sees when a
 * transaction stamped at updatedAt commits only after a later-stamped row was loaded. The amount
 * is allocated to interest so the loan's balances stay consistent.
 */
export async function injectLateRow(pool: Pool, opts: LateRowOptions): Promise<InjectedRow> {
  if (!UUID_RE.test(opts.tenantId)) throw new BadInputError(`not a tenant id: ${opts.tenantId}`);
  if (opts.loanId !== undefined && !UUID_RE.test(opts.loanId)) throw new BadInputError(`not a loan id: ${opts.loanId}`);
  if (opts.id !== undefined && !UUID_RE.test(opts.id)) throw new BadInputError(`not a uuid: ${opts.id}`);
  const amount = opts.amount ?? '123.45';
  if (!/^-?\d{1,16}(\.\d{1,2})?$/.test(amount)) throw new BadInputError(`amount must be a decimal with at most 2 places (got ${amount})`);
  const r = await pool.query<{ id: string; loan_id: string; ts: Date; updated_at: Date; amount: string }>(
    `INSERT INTO public.svc_txns (id, tenant_id, loan_id, ts, type, amount, alloc_interest, ref, created_at, updated_at)
     SELECT COALESCE($1::uuid, gen_random_uuid()), $2::uuid, l.id, COALESCE($3::timestamptz, $4::timestamptz), 'PAYMENT',
            $5::numeric, $5::numeric, '{"injected": "late_commit"}'::jsonb, $4::timestamptz, $4::timestamptz
     FROM (SELECT id FROM public.loan_candidates
           WHERE tenant_id = $2::uuid AND ($6::uuid IS NULL OR id = $6::uuid)
           ORDER BY id LIMIT 1) l
     RETURNING id::text, loan_id::text, ts, updated_at, amount::text`,
    [opts.id ?? null, opts.tenantId, opts.ts?.toISOString() ?? null, opts.updatedAt.toISOString(), amount, opts.loanId ?? null],
  );
  if (r.rowCount === 0) {
    throw new BadInputError(opts.loanId ? `loan ${opts.loanId} not found for tenant ${opts.tenantId}` : `tenant ${opts.tenantId} has no loans`);
  }
  const row = r.rows[0];
  return { id: row.id, tenantId: opts.tenantId, loanId: row.loan_id, ts: row.ts, updatedAt: row.updated_at, amount: row.amount };
}

export type StatusTable = 'qc_defects' | 'exports' | 'notifications';

const STATUSES: Record<StatusTable, readonly string[]> = {
  qc_defects: ['open', 'resolved', 'waived'],
  exports: ['queued', 'running', 'succeeded', 'failed'],
  notifications: ['queued', 'rendered', 'sent', 'failed', 'suppressed'],
};

// One fixed statement per table: the table name is chosen from this map, never taken from input.
const UPDATE_STATUS: Record<StatusTable, string> = {
  qc_defects: `UPDATE public.qc_defects SET status = $2, status_at = $3, updated_at = $4 WHERE id = $1`,
  exports: `UPDATE public.exports SET status = $2, status_at = $3, updated_at = $4 WHERE id = $1`,
  notifications: `UPDATE public.notifications SET status = $2, status_at = $3, updated_at = $4 WHERE id = $1`,
};

export interface StatusChangeOptions {
  table: StatusTable;
  id: string;
  status: string;
  statusAt: Date;
  /** Defaults to statusAt; set it behind a watermark to simulate a late-committed change. */
  updatedAt?: Date;
}

/** Changes one source row's status (as the platform would), stamped explicitly. */
export async function injectStatusChange(pool: Pool, opts: StatusChangeOptions): Promise<void> {
  const sql = UPDATE_STATUS[opts.table];
  if (!sql) throw new BadInputError(`not a status table: ${String(opts.table)}`);
  if (!STATUSES[opts.table].includes(opts.status)) {
    throw new BadInputError(`status for ${opts.table} must be one of ${STATUSES[opts.table].join(', ')} (got ${opts.status})`);
  }
  if (!UUID_RE.test(opts.id)) throw new BadInputError(`not a uuid: ${opts.id}`);
  const r = await pool.query(sql, [opts.id, opts.status, opts.statusAt.toISOString(), (opts.updatedAt ?? opts.statusAt).toISOString()]);
  if (r.rowCount === 0) throw new BadInputError(`${opts.table} row ${opts.id} not found`);
}
