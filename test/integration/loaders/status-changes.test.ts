/**
 * Status changes (ARCHITECTURE §3 rule 4): a defect resolved, an export that succeeds, a notice that
 * is sent after the first load each add a fact row; the BI views read the latest status; no fact row
 * that existed before is updated or deleted (compared whole: surrogate key and loaded_at included).
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { addTenant, count, expectStreamMatchesSource, loaders, nextMillisecond } from './fixtures';

/** A BI view as the API reads it: reporting_reader, tenant set, row-level security applied. */
async function asReader<T extends Record<string, unknown>>(pool: Pool, tenantId: string, sql: string): Promise<T[]> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query('SET LOCAL ROLE reporting_reader');
    await c.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.query('ROLLBACK');
    c.release();
  }
}

/** Every column of every row, surrogate key and loaded_at included, as of now. */
async function frozen(pool: Pool, table: string, tenantId: string): Promise<string> {
  // `table` is one of this file's literals, never input.
  const { rows } = await pool.query(`SELECT json_agg(t ORDER BY t) AS rows FROM (SELECT * FROM reporting.${table} WHERE tenant_id = $1) t`, [tenantId]);
  return JSON.stringify(rows[0].rows);
}

describe('loaders: status changes append rows, never rewrite them', () => {
  let db: TestDatabase;
  let T: string;
  let OTHER: string;
  const LOAN = randomUUID();
  const defects = { d1: randomUUID(), d2: randomUUID(), d3: randomUUID() };
  const EXPORT = randomUUID();
  const NOTICE = randomUUID();

  beforeAll(async () => {
    db = await createTestDatabase('loaders_status');
    T = await addTenant(db.pool, 'Status Tenant');
    OTHER = await addTenant(db.pool, 'Other Tenant');
    const rules = { critical: randomUUID(), major: randomUUID() };
    for (const [sev, id] of Object.entries(rules)) {
      await db.pool.query(`INSERT INTO public.qc_rules (id, tenant_id, code, severity) VALUES ($1, $2, $3, $4)`, [id, T, `R-${sev}`, sev]);
    }
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const insDefect = (id: string, rule: string, statusAt: string, tenant = T) =>
      db.pool.query(`INSERT INTO public.qc_defects (id, tenant_id, loan_id, rule_id, status, status_at, updated_at) VALUES ($1, $2, $3, $4, 'open', $5, $6)`, [
        id,
        tenant,
        LOAN,
        rule,
        statusAt,
        hourAgo,
      ]);
    await insDefect(defects.d1, rules.critical, '2026-11-20T09:00:00Z');
    await insDefect(defects.d2, rules.major, '2026-11-21T09:00:00Z');
    await insDefect(defects.d3, rules.major, '2026-11-22T09:00:00Z');
    // Another tenant's open major defect: never in T's view, never loaded by T's load.
    const otherRule = randomUUID();
    await db.pool.query(`INSERT INTO public.qc_rules (id, tenant_id, code, severity) VALUES ($1, $2, 'R-major', 'major')`, [otherRule, OTHER]);
    await insDefect(randomUUID(), otherRule, '2026-11-22T09:00:00Z', OTHER);

    await db.pool.query(`INSERT INTO public.exports (id, tenant_id, loan_id, template, status, status_at, updated_at) VALUES ($1, $2, $3, 'fannie', 'queued', '2026-11-22T10:00:00Z', $4)`, [
      EXPORT,
      T,
      LOAN,
      hourAgo,
    ]);
    await db.pool.query(
      `INSERT INTO public.notifications (id, tenant_id, loan_id, template_code, channel, recipient, status, status_at, updated_at)
       VALUES ($1, $2, $3, 'PAYMENT_DUE', 'email', 'pat@example.com', 'queued', '2026-11-22T11:00:00Z', $4)`,
      [NOTICE, T, LOAN, hourAgo],
    );
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('a resolved defect adds a row, the view follows, earlier rows stay byte for byte', async () => {
    // Lag 0: the status updates below are stamped now() and must be visible to the very next load.
    const acts = loaders(db, { ETL_SAFETY_LAG_SECONDS: '0' });
    const view = `SELECT severity, open_count::int AS open_count FROM reporting.v_qc_open_by_severity ORDER BY severity`;

    expect((await acts.loadFactQc({ tenantId: T })).rowsInserted).toBe(3);
    expect(await asReader(db.pool, T, view)).toEqual([
      { severity: 'critical', open_count: 1 },
      { severity: 'major', open_count: 2 },
    ]);
    const before = await frozen(db.pool, 'fact_qc', T);

    // Resolved: the trigger bumps updated_at, status_at records the change.
    await db.pool.query(`UPDATE public.qc_defects SET status = 'resolved', status_at = '2026-11-25T08:30:00Z' WHERE id = $1`, [defects.d2]);
    await nextMillisecond();
    const r = await acts.loadFactQc({ tenantId: T });
    expect([r.rowsRead, r.rowsInserted]).toEqual([3, 1]); // all three defects are inside the overlap; one change is new

    expect(await count(db.pool, 'SELECT 1 FROM reporting.fact_qc WHERE tenant_id = $1', [T])).toBe(4);
    const d2 = await db.pool.query(`SELECT status, d::text, status_at FROM reporting.fact_qc WHERE defect_id = $1 ORDER BY status_at`, [defects.d2]);
    expect(d2.rows.map((x) => [x.status, x.d, x.status_at.toISOString()])).toEqual([
      ['open', '2026-11-21', '2026-11-21T09:00:00.000Z'],
      ['resolved', '2026-11-25', '2026-11-25T08:30:00.000Z'],
    ]);
    // The three earlier rows, with their surrogate keys and loaded_at, are exactly as before.
    const still = await db.pool.query(
      `SELECT count(*)::int AS n FROM json_populate_recordset(NULL::reporting.fact_qc, $1::json) old
       JOIN reporting.fact_qc cur USING (qc_sk)
       WHERE (cur.*)::text = (old.*)::text`,
      [before],
    );
    expect(still.rows[0].n).toBe(3);
    expect(await asReader(db.pool, T, view)).toEqual([
      { severity: 'critical', open_count: 1 },
      { severity: 'major', open_count: 1 },
    ]);

    // Re-opened later: another row, and the view counts it open again.
    await db.pool.query(`UPDATE public.qc_defects SET status = 'open', status_at = '2026-11-26T12:00:00Z' WHERE id = $1`, [defects.d2]);
    await nextMillisecond();
    expect((await acts.loadFactQc({ tenantId: T })).rowsInserted).toBe(1);
    expect(await asReader(db.pool, T, view)).toEqual([
      { severity: 'critical', open_count: 1 },
      { severity: 'major', open_count: 2 },
    ]);
    // Re-running changes nothing.
    expect((await acts.loadFactQc({ tenantId: T })).rowsInserted).toBe(0);
    expect(await count(db.pool, 'SELECT 1 FROM reporting.fact_qc WHERE tenant_id = $1', [T])).toBe(5);
    expect(await count(db.pool, 'SELECT 1 FROM reporting.fact_qc WHERE tenant_id = $1', [OTHER])).toBe(0);
  });

  it('an export that succeeds and a notice that is sent each add a row; the rate views use the latest status', async () => {
    const acts = loaders(db, { ETL_SAFETY_LAG_SECONDS: '0' });
    expect((await acts.loadFactExport({ tenantId: T })).rowsInserted).toBe(1);
    expect((await acts.loadFactNotify({ tenantId: T })).rowsInserted).toBe(1);
    const exportsBefore = await frozen(db.pool, 'fact_export', T);
    const noticesBefore = await frozen(db.pool, 'fact_notify', T);

    await db.pool.query(`UPDATE public.exports SET status = 'running', status_at = '2026-11-22T10:05:00Z' WHERE id = $1`, [EXPORT]);
    await nextMillisecond();
    expect((await acts.loadFactExport({ tenantId: T })).rowsInserted).toBe(1);
    await db.pool.query(`UPDATE public.exports SET status = 'succeeded', status_at = '2026-11-22T10:20:00Z' WHERE id = $1`, [EXPORT]);
    await db.pool.query(`UPDATE public.notifications SET status = 'sent', status_at = '2026-11-22T11:01:00Z' WHERE id = $1`, [NOTICE]);
    await nextMillisecond();
    expect((await acts.loadFactExport({ tenantId: T })).rowsInserted).toBe(1);
    expect((await acts.loadFactNotify({ tenantId: T })).rowsInserted).toBe(1);

    expect((await db.pool.query(`SELECT string_agg(status, ',' ORDER BY status_at) AS s FROM reporting.fact_export WHERE export_id = $1`, [EXPORT])).rows[0].s).toBe(
      'queued,running,succeeded',
    );
    expect(await asReader(db.pool, T, `SELECT template, exports::int, succeeded::int, in_flight::int, success_rate::text FROM reporting.v_export_success_rate`)).toEqual([
      { template: 'fannie', exports: 1, succeeded: 1, in_flight: 0, success_rate: '1.0000' },
    ]);
    expect(await asReader(db.pool, T, `SELECT channel, notifications::int, sent::int, pending::int FROM reporting.v_notify_delivery_rate`)).toEqual([
      { channel: 'email', notifications: 1, sent: 1, pending: 0 },
    ]);
    // The first rows are untouched (a prefix of the current rows in surrogate-key order).
    const e = JSON.parse(exportsBefore) as Array<{ export_sk: number }>;
    const n = JSON.parse(noticesBefore) as Array<{ notify_sk: number }>;
    expect(JSON.stringify((JSON.parse(await frozen(db.pool, 'fact_export', T)) as typeof e).filter((r) => r.export_sk === e[0].export_sk))).toBe(exportsBefore);
    expect(JSON.stringify((JSON.parse(await frozen(db.pool, 'fact_notify', T)) as typeof n).filter((r) => r.notify_sk === n[0].notify_sk))).toBe(noticesBefore);
    // The latest state of the source is always among the facts.
    for (const s of ['fact_export', 'fact_notify']) {
      const diff = await db.pool.query(
        s === 'fact_export'
          ? `SELECT count(*)::int AS n FROM public.exports e WHERE e.tenant_id = $1 AND NOT EXISTS (SELECT 1 FROM reporting.fact_export f WHERE f.export_id = e.id AND f.status = e.status AND f.status_at = e.status_at)`
          : `SELECT count(*)::int AS n FROM public.notifications e WHERE e.tenant_id = $1 AND NOT EXISTS (SELECT 1 FROM reporting.fact_notify f WHERE f.notification_id = e.id AND f.status = e.status AND f.status_at = e.status_at)`,
        [T],
      );
      expect(diff.rows[0].n, s).toBe(0);
    }
  });

  it('loading the source after the fact holds only its current status: expected set check', async () => {
    // A fresh tenant's qc stream loaded once equals the source's current state exactly.
    const acts = loaders(db, { ETL_SAFETY_LAG_SECONDS: '0' });
    await acts.loadFactQc({ tenantId: OTHER });
    expect(await expectStreamMatchesSource(db.pool, 'fact_qc', OTHER)).toBe(1);
  });
});
