/**
 * `lakehouse schedules …` through the real binary, in a namespace of this file's own (schedule IDs
 * are fixed and namespace-wide): apply, list (cron and next runs), pause with a note that survives
 * apply, trigger under the schedule's overlap policy (not Temporal's ALLOW_ALL default), unpause,
 * describe, delete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config';
import { SCHEDULE_IDS } from '../../../lib/constants';
import { temporalClient } from '../../../lib/temporal/connection';
import type { Client } from '@temporalio/client';
import { SCHEDULE_NAMESPACES } from '../../support/names';
import { inject } from 'vitest';
import { cliEnv, describeResult, json, lakehouse, type CliResult } from './harness';

interface ScheduleView {
  id: string;
  exists: boolean;
  paused?: boolean;
  note?: string | null;
  cron?: string[];
  overlap?: string;
  nextRuns?: string[];
  recentActions?: Array<{ workflowId: string }>;
  taskQueue?: string;
}

describe('lakehouse schedules', () => {
  let env: Record<string, string>;
  let client: Client;
  const started: string[] = [];
  const cli = (...args: string[]) => lakehouse(args, env);
  const ok = (r: CliResult, code = 0) => expect(r.code, describeResult(r)).toBe(code);
  const list = async () => {
    const r = await cli('schedules', 'list', '--json');
    ok(r);
    return new Map(json<{ schedules: ScheduleView[] }>(r).schedules.map((s) => [s.id, s]));
  };

  beforeAll(async () => {
    // No database is touched by these commands; the URL only has to be well-formed.
    env = cliEnv(inject('pgAdminUrl'), { TEMPORAL_NAMESPACE: SCHEDULE_NAMESPACES.cli, ETL_HOURLY_CRON: '7 * * * *', ETL_NIGHTLY_CRON: '30 3 * * 1-5' });
    client = await temporalClient(loadConfig(env));
  });
  afterAll(async () => {
    for (const id of started) await client?.workflow.getHandle(id).terminate('test cleanup').catch(() => undefined);
    for (const id of Object.values(SCHEDULE_IDS)) await client?.schedule.getHandle(id).delete().catch(() => undefined);
    await client?.connection.close();
  });

  it('list before apply says each schedule is not created', async () => {
    const r = await cli('schedules', 'list');
    ok(r);
    expect(r.stdout).toContain('etl-hourly  not created — run `lakehouse schedules apply`');
    expect(r.stdout).toContain('etl-nightly  not created');
  });

  it('apply creates both; list shows the cron (from the calendars Temporal returns) and the next run times', async () => {
    const r = await cli('schedules', 'apply', '--json');
    ok(r);
    expect(json(r)).toEqual({
      applied: [
        { id: 'etl-hourly', action: 'created', paused: false },
        { id: 'etl-nightly', action: 'created', paused: false },
      ],
    });
    const s = await list();
    expect(s.get('etl-hourly')).toMatchObject({ exists: true, paused: false, cron: ['7 * * * *'], overlap: 'SKIP', taskQueue: env.LAKEHOUSE_TASK_QUEUE });
    expect(s.get('etl-nightly')).toMatchObject({ exists: true, cron: ['30 3 * * 1-5'], overlap: 'BUFFER_ONE' });
    const next = s.get('etl-hourly')!.nextRuns!.map((t) => new Date(t));
    expect(next).toHaveLength(3);
    for (const t of next) {
      expect(t.getUTCMinutes()).toBe(7);
      expect(t.getTime()).toBeGreaterThan(Date.now());
    }
    expect(next[1].getTime() - next[0].getTime()).toBe(3_600_000);
    for (const t of s.get('etl-nightly')!.nextRuns!.map((x) => new Date(x))) {
      expect([t.getUTCHours(), t.getUTCMinutes()]).toEqual([3, 30]);
      expect([1, 2, 3, 4, 5]).toContain(t.getUTCDay());
    }

    const text = await cli('schedules', 'list');
    ok(text);
    expect(text.stdout).toMatch(/^etl-hourly {2}active {2}7 \* \* \* \* \(UTC\) {2}→ {2}hourlyEtlWorkflow on /m);
    expect(text.stdout).toMatch(/^ {2}next runs {2}\d{4}-\d{2}-\d{2} \d{2}:07:00Z, /m);
  });

  it('pause with a note; a later apply (a deploy) keeps the pause and the note', async () => {
    const r = await cli('schedules', 'pause', 'etl-nightly', '--note', 'month-end close, back on the 2nd');
    ok(r);
    expect(r.stdout).toBe('etl-nightly paused (note: month-end close, back on the 2nd)\n');
    const again = await cli('schedules', 'apply');
    ok(again);
    expect(again.stdout).toContain('etl-nightly  updated (still paused, as an operator left it)');
    expect((await list()).get('etl-nightly')).toMatchObject({ paused: true, note: 'month-end close, back on the 2nd' });
    expect((await cli('schedules')).stdout).toMatch(/^etl-nightly {2}PAUSED {2}/m);
  });

  it("trigger uses the schedule's overlap policy: a second trigger while the first run is going is skipped", async () => {
    // No worker polls this namespace, so the first triggered run stays running.
    const first = await cli('schedules', 'trigger', 'etl-hourly', '--json');
    ok(first);
    const doc = json<{ overlap: string; started: string | null; skipped: boolean; url: string }>(first);
    expect(doc.overlap).toBe('SKIP');
    expect(doc.started).toMatch(/^etl-hourly-\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    started.push(doc.started!);
    expect(doc.url).toBe(`${env.TEMPORAL_UI_URL}/namespaces/${SCHEDULE_NAMESPACES.cli}/workflows/${encodeURIComponent(doc.started!)}`);
    expect((await client.workflow.getHandle(doc.started!).describe()).status.name).toBe('RUNNING');

    // With Temporal's default (ALLOW_ALL) this would start a second hourly run beside the first.
    const second = await cli('schedules', 'trigger', 'etl-hourly');
    ok(second);
    expect(second.stdout).toContain(`etl-hourly triggered, but skipped by its overlap policy SKIP: a run is still going (${doc.started})`);
    const d = await client.schedule.getHandle('etl-hourly').describe();
    expect(d.info.recentActions.map((a) => a.action.workflow.workflowId)).toEqual([doc.started]);
    expect(d.info.numActionsSkippedOverlap).toBe(1);
  });

  it('describe shows the full picture, with the triggered run and its UI link', async () => {
    const r = await cli('schedules', 'describe', 'etl-hourly');
    ok(r);
    expect(r.stdout).toContain('overlap    SKIP (skipped while a run is still going); catch-up window 1h 00m');
    expect(r.stdout).toContain('counters   started 1 · skipped by overlap 1 · missed the catch-up window 0');
    expect(r.stdout).toContain(`${started[0]}  ${env.TEMPORAL_UI_URL}/namespaces/`);
    const v = json<ScheduleView>(await cli('schedules', 'describe', 'etl-hourly', '--json'));
    expect(v.nextRuns).toHaveLength(10);
    expect(v.recentActions?.map((a) => a.workflowId)).toEqual([started[0]]);
  });

  it('unpause resumes the nightly and names its next run', async () => {
    const r = await cli('schedules', 'unpause', 'etl-nightly');
    ok(r);
    expect(r.stdout).toMatch(/^etl-nightly unpaused; next run \d{4}-\d{2}-\d{2} 03:30:00Z\n$/);
    expect((await list()).get('etl-nightly')).toMatchObject({ paused: false });
  });

  it('delete removes a schedule; commands on it then exit 2 saying how to recreate it', async () => {
    const r = await cli('schedules', 'delete', 'etl-hourly');
    ok(r);
    expect(r.stdout).toBe('etl-hourly deleted; `lakehouse schedules apply` recreates it\n');
    for (const args of [['describe', 'etl-hourly'], ['pause', 'etl-hourly'], ['trigger', 'etl-hourly'], ['delete', 'etl-hourly']]) {
      const gone = await cli('schedules', ...args);
      ok(gone, 2);
      expect(gone.stderr).toBe(`lakehouse: schedule etl-hourly does not exist in namespace ${SCHEDULE_NAMESPACES.cli} at ${env.TEMPORAL_ADDRESS}; create it with \`lakehouse schedules apply\`\n`);
    }
    expect((await list()).get('etl-hourly')).toEqual({ id: 'etl-hourly', exists: false });
  });
});
