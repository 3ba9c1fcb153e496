/**
 * The `lakehouse` binary end to end, as an operator runs it: backfill (dry run, attach, --wait),
 * status (live and without a worker), run hourly (success and a failing tenant), runs, and
 * watermarks — each checked against what Postgres and Temporal actually hold.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_STREAMS } from '../../../lib/constants';
import { LAKE_TABLES } from '../../../lib/etl-types';
import { appendActivity, seedDatabase } from '../../../lib/seed';
import type { RunProgress } from '../../../lib/workflow-types';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { startTestWorker, testConfig, type TestWorker } from '../../support/stack';
import { cliEnv, describeResult, json, lakehouse, type CliResult } from './harness';

const DAY = 86_400_000;
const isoDate = (t: number) => new Date(t).toISOString().slice(0, 10);
const TODAY = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
// The seed writes 30 days of history up to today; the backfill range covers all of it.
const FROM = isoDate(TODAY - 35 * DAY);
const TO = isoDate(TODAY);

interface RunDoc {
  workflowId: string;
  url: string;
  attached: boolean;
  status: string;
  result: RunProgress | null;
  failedTenants: Array<{ tenantId: string; tenantName: string; error: string }>;
  error: { type: string; message: string } | null;
}

describe('lakehouse CLI: backfill, run, status, runs, watermarks', () => {
  let db: TestDatabase;
  let tw: TestWorker;
  let env: Record<string, string>;
  let tenants: Array<{ id: string; name: string }>;
  const ids: { attached?: string; backfill?: string; exported?: string; failedHourly?: string; hourly?: string } = {};

  const cli = (...args: string[]) => lakehouse(args, env);
  const ok = (r: CliResult, code = 0) => expect(r.code, describeResult(r)).toBe(code);
  const count = async (table: string) => Number((await db.pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`)).rows[0].n);
  /** A worker polls only while a test needs one: the first tests need *no* worker. */
  const withWorker = <T>(fn: () => Promise<T>) => tw.run(fn);

  beforeAll(async () => {
    db = await createTestDatabase('cli_runs');
    await seedDatabase(db.pool, { tenants: 2, loans: 20, days: 30, seed: 1 });
    tenants = (await db.pool.query<{ id: string; name: string }>('SELECT id::text AS id, name FROM tenants ORDER BY name')).rows;
    env = cliEnv(db.url);
    tw = await startTestWorker(db, testConfig(db, { LAKEHOUSE_TASK_QUEUE: env.LAKEHOUSE_TASK_QUEUE }));
  });
  afterAll(async () => {
    await tw?.close();
    await db?.drop();
  });

  it('backfill --dry-run prints the plan and starts nothing', async () => {
    const r = await cli('backfill', '--from', FROM, '--to', TO, '--dry-run', '--json');
    ok(r);
    const plan = json<{ dryRun: boolean; workflowId: string; windows: Array<{ fromDate: string; toDate: string }>; streams: string[]; export: boolean; tenants: { list: Array<{ id: string }> } }>(r);
    expect(plan.dryRun).toBe(true);
    expect(plan.streams).toEqual([...ALL_STREAMS]);
    expect(plan.export).toBe(false);
    expect(plan.tenants.list.map((t) => t.id)).toEqual(tenants.map((t) => t.id));
    // 36 days in windows of 7: five full windows and one of a day.
    expect(plan.windows.map((w) => [w.fromDate, w.toDate])[0]).toEqual([FROM, isoDate(Date.parse(FROM) + 6 * DAY)]);
    expect(plan.windows).toHaveLength(6);
    expect(plan.windows[5].toDate).toBe(TO);

    const text = await cli('backfill', '--from', FROM, '--to', TO, '--dry-run', '--export', '--window-days', '10');
    ok(text);
    expect(text.stdout).toContain('dry run: nothing started, nothing written');
    expect(text.stdout).toMatch(/lake\s+re-exported after loading/);
    expect(text.stdout).toMatch(/windows\s+4,/);

    // Describe is strongly consistent (visibility is not): the workflow does not exist.
    await expect(tw.client.workflow.getHandle(plan.workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await tw.client.workflow.count(`TaskQueue = '${env.LAKEHOUSE_TASK_QUEUE}'`)).count).toBe(0);
    expect(await count('reporting.fact_txn')).toBe(0);
  });

  it('attaches to a backfill already running for the same request, and status falls back to history without a worker', async () => {
    const args = ['backfill', '--from', isoDate(TODAY - 3 * DAY), '--to', TO, '--tenant', tenants[0].id, '--streams', 'fact_txn'];
    const first = await cli(...args, '--json');
    ok(first);
    const started = json<RunDoc & { runId?: string }>(first);
    expect(started).toMatchObject({ attached: false, status: 'RUNNING' });
    expect(started.url).toBe(`${env.TEMPORAL_UI_URL}/namespaces/default/workflows/${encodeURIComponent(started.workflowId)}`);
    ids.attached = started.workflowId;
    const runIdBefore = (await tw.client.workflow.getHandle(started.workflowId).describe()).runId;

    const second = await cli(...args);
    ok(second);
    expect(second.stdout).toContain(`attached to running backfill of ${isoDate(TODAY - 3 * DAY)} .. ${TO} ${started.workflowId}`);
    // Still the one run: a second start would have failed over to a new run ID.
    expect((await tw.client.workflow.getHandle(started.workflowId).describe()).runId).toBe(runIdBefore);

    const status = await cli('status', started.workflowId, '--json');
    ok(status);
    const report = json<{ status: string; progressSource: string; note: string; kind: string }>(status);
    expect(report).toMatchObject({ status: 'RUNNING', progressSource: 'history', kind: 'backfill' });
    expect(report.note).toContain(env.LAKEHOUSE_TASK_QUEUE);

    await tw.client.workflow.getHandle(started.workflowId).terminate('test: no worker for this one');
    const closed = await cli('status', started.workflowId);
    ok(closed, 1);
    expect(closed.stdout).toMatch(/status\s+TERMINATED/);
    expect(await count('reporting.fact_txn')).toBe(0);
  });

  it('backfill --wait --json completes and its row counts equal the database', async () => {
    const r = await withWorker(() => cli('backfill', '--from', FROM, '--to', TO, '--wait', '--json'));
    ok(r);
    const doc = json<RunDoc>(r);
    ids.backfill = doc.workflowId;
    expect(doc).toMatchObject({ status: 'COMPLETED', attached: false, failedTenants: [], error: null });
    const result = doc.result!;
    expect(result.windowsDone).toBe(6);
    expect(result.windowsTotal).toBe(6);
    expect(result.tenantsTotal).toBe(2);
    expect(Object.keys(result.rowsByStream).sort()).toEqual([...ALL_STREAMS].sort());
    for (const stream of ALL_STREAMS) expect(result.rowsByStream[stream], stream).toBe(await count(`reporting.${stream}`));
    // Every seeded transaction is in the range, so the backfill loaded each exactly once.
    expect(result.rowsByStream.fact_txn).toBe(await count('svc_txns'));
    expect(result.rowsByStream.fact_txn).toBeGreaterThan(0);
    // One daily snapshot per loan and day... of the loans that exist on that day: at least one per tenant-day.
    expect(result.rowsByStream.fact_servicing).toBeGreaterThanOrEqual(2 * 36);
  });

  it('re-running the same backfill, piped, prints plain progress lines and inserts no fact twice', async () => {
    const r = await withWorker(() => cli('backfill', '--from', FROM, '--to', TO, '--wait'));
    ok(r);
    expect(r.stdout).not.toContain('\x1b[');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(`started backfill of ${FROM} .. ${TO} ${ids.backfill}`);
    expect(lines[1]).toMatch(/^ {2}Temporal UI {2}http:\/\/.+\/workflows\/backfill-/);
    expect(r.stdout).toMatch(/^completed in .+: backfill-/m);
    for (const stream of ['fact_txn', 'fact_qc', 'fact_export', 'fact_notify', 'fact_remit', 'fact_servicing']) {
      expect(r.stdout, stream).toMatch(new RegExp(`^\\s+${stream}\\s+0$`, 'm'));
    }
  });

  it('backfill --export re-exports the lake after loading, and every table reconciles', async () => {
    const r = await withWorker(() => cli('backfill', '--from', isoDate(TODAY - 2 * DAY), '--to', TO, '--streams', 'fact_txn', '--export', '--wait', '--json'));
    ok(r);
    const doc = json<RunDoc>(r);
    ids.exported = doc.workflowId;
    expect(doc.workflowId).not.toBe(ids.backfill);
    expect(doc.status).toBe('COMPLETED');
    const lake = doc.result!.lake!;
    // Every lake table for each of the two tenants, each export followed by its reconciliation.
    expect(lake.tablesExported).toBe(LAKE_TABLES.length * 2);
    expect(lake.reconciled).toBe(lake.tablesExported);
    expect(lake.mismatches).toBe(0);
    expect(lake.rowsExported).toBeGreaterThan(0);
  });

  it('status of a completed backfill reports its result', async () => {
    const r = await cli('status', ids.backfill!, '--json');
    ok(r);
    const report = json<{ status: string; progressSource: string; progress: RunProgress; url: string }>(r);
    expect(report.status).toBe('COMPLETED');
    expect(report.progressSource).toBe('result');
    // The latest run is the idempotent re-run: it found everything loaded.
    expect(report.progress.rowsByStream.fact_txn).toBe(0);
    expect(report.progress.windowsDone).toBe(6);

    const text = await cli('status', ids.backfill!);
    ok(text);
    expect(text.stdout).toMatch(/status\s+COMPLETED/);
    expect(text.stdout).toContain(report.url);
  });

  it('run hourly --wait exits 1 and names the tenant whose load failed; the other tenant loads', async () => {
    const bad = tenants[1];
    await appendActivity(db.pool, { seed: 7, at: new Date(Date.now() - 1000), tenants: [bad.id] });
    // A constraint violation is non-retryable: the tenant fails at once instead of retrying.
    await db.pool.query(`ALTER TABLE reporting.fact_txn ADD CONSTRAINT cli_test_reject CHECK (tenant_id <> '${bad.id}'::uuid) NOT VALID`);
    let r: CliResult;
    try {
      r = await withWorker(() => cli('run', 'hourly', '--wait', '--json'));
    } finally {
      await db.pool.query('ALTER TABLE reporting.fact_txn DROP CONSTRAINT cli_test_reject');
    }
    ok(r, 1);
    const doc = json<RunDoc>(r);
    ids.failedHourly = doc.workflowId;
    expect(doc.workflowId).toMatch(/^etl-hourly-manual-\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(doc.status).toBe('FAILED');
    expect(doc.error?.type).toBe('TenantsFailed');
    expect(doc.failedTenants.map((f) => f.tenantId)).toEqual([bad.id]);
    expect(doc.failedTenants[0].error).toContain('cli_test_reject');
    expect(doc.result?.tenantsDone).toBe(2);

    const status = await cli('status', doc.workflowId);
    ok(status, 1);
    expect(status.stdout).toMatch(/status\s+FAILED/);
    expect(status.stdout).toContain(`${bad.name} (${bad.id}): `);
  });

  it('run hourly --wait on a terminal redraws progress and completes; watermarks then match etl_watermark', async () => {
    const r = await withWorker(() => lakehouse(['run', 'hourly', '--wait'], { ...env, LAKEHOUSE_FORCE_TTY: '1' }));
    ok(r);
    ids.hourly = /^started hourly run (\S+)$/m.exec(r.stdout)?.[1];
    expect(ids.hourly).toMatch(/^etl-hourly-manual-\d{4}-\d{2}-\d{2}T/);
    expect(r.stdout).toContain('\x1b[');
    // The live block is erased (cursor up, clear to end) and the report printed in its place.
    // eslint-disable-next-line no-control-regex -- terminal escape codes are what this checks
    expect(r.stdout).toMatch(/\x1b\[\d+F\x1b\[0Jcompleted in .+: etl-hourly-manual-/);

    const wm = await cli('watermarks', '--json');
    ok(wm);
    const doc = json<{ asOf: string; tenants: Array<{ tenantId: string; streams: Array<{ stream: string; watermark: string | null; lagSeconds: number | null }> }> }>(wm);
    const { rows } = await db.pool.query<{ tenant_id: string; stream: string; watermark: string }>(
      `SELECT tenant_id::text, stream, to_char(watermark AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS watermark FROM reporting.etl_watermark`,
    );
    expect(rows.length).toBeGreaterThan(0);
    const reported = doc.tenants.flatMap((t) => t.streams.filter((s) => s.watermark !== null).map((s) => ({ tenant_id: t.tenantId, stream: s.stream, watermark: s.watermark! })));
    const key = (x: { tenant_id: string; stream: string }) => `${x.tenant_id}/${x.stream}`;
    expect([...reported].sort((a, b) => key(a).localeCompare(key(b)))).toEqual([...rows].sort((a, b) => key(a).localeCompare(key(b))));
    // Lag is "now − watermark", read moments apart from asOf: equal to within a few seconds.
    for (const t of doc.tenants) {
      for (const s of t.streams) {
        if (s.watermark === null) continue;
        expect(Math.abs(s.lagSeconds! - (Date.parse(doc.asOf) - Date.parse(s.watermark)) / 1000)).toBeLessThan(5);
      }
    }
    expect(doc.tenants.map((t) => t.tenantId)).toEqual(tenants.map((t) => t.id));

    const one = await cli('watermarks', '--tenant', tenants[0].id);
    ok(one);
    expect(one.stdout).toContain(tenants[0].name);
    expect(one.stdout).not.toContain(tenants[1].name);
    expect(one.stdout).toMatch(/fact_txn\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z/);
  });

  it('runs lists those runs from visibility with kind, window, status and failed tenants', async () => {
    type Row = { workflowId: string; kind: string; status: string; windowStart: string | null; windowEnd: string | null; durationMs: number; failedCount: number | null; failedTenants: Array<{ tenantId: string }> };
    // Visibility is eventually consistent: wait until the last run shows as closed.
    let runs: Row[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await cli('runs', '--json');
      ok(r);
      runs = json<{ runs: Row[] }>(r).runs;
      if (runs.find((x) => x.workflowId === ids.hourly)?.status === 'COMPLETED') break;
      await new Promise((res) => setTimeout(res, 500));
    }
    const byId = new Map(runs.map((x) => [x.workflowId, x]));
    expect(byId.get(ids.hourly!)).toMatchObject({ kind: 'hourly', status: 'COMPLETED', failedCount: 0 });
    expect(byId.get(ids.failedHourly!)).toMatchObject({ kind: 'hourly', status: 'FAILED', failedCount: 1 });
    expect(byId.get(ids.failedHourly!)!.failedTenants.map((f) => f.tenantId)).toEqual([tenants[1].id]);
    expect(byId.get(ids.backfill!)).toMatchObject({ kind: 'backfill', status: 'COMPLETED', windowStart: FROM, windowEnd: TO });
    expect(byId.get(ids.attached!)).toMatchObject({ kind: 'backfill', status: 'TERMINATED' });
    const hourly = byId.get(ids.hourly!)!;
    expect(Date.parse(hourly.windowEnd!) - Date.parse(hourly.windowStart!)).toBe(3_600_000);
    expect(hourly.durationMs).toBeGreaterThan(0);
    // Six parent runs: the terminated backfill, the backfill and its re-run (same ID), the export
    // backfill, two hourlies.
    expect(runs).toHaveLength(6);
    expect(runs.filter((x) => x.workflowId === ids.backfill)).toHaveLength(2);

    const failed = json<{ runs: Row[] }>(await cli('runs', '--status', 'failed', '--json')).runs;
    expect(failed.map((x) => x.workflowId)).toEqual([ids.failedHourly]);
    const backfills = json<{ runs: Row[] }>(await cli('runs', '--kind', 'backfill', '--limit', '1', '--json')).runs;
    expect(backfills.map((x) => x.workflowId)).toEqual([ids.exported]);

    const text = await cli('runs', '--kind', 'hourly');
    ok(text);
    expect(text.stdout.split('\n')[0]).toMatch(/^WORKFLOW ID\s+KIND\s+WINDOW \(UTC\)\s+STATUS\s+STARTED \(UTC\)\s+DURATION\s+FAILED$/);
    expect(text.stdout).toContain(`${ids.failedHourly}: failed ${tenants[1].name} (${tenants[1].id})`);
  });
});
