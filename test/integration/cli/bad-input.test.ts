/**
 * ARCHITECTURE §3 rule 10 through the real binary: every bad input gets exit 2, one line on stderr
 * naming the problem, nothing on stdout — and afterwards no workflow has started on this file's
 * task queue, no schedule exists, and not one row in the database has changed.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDatabase } from '../../../lib/seed';
import { temporalClient } from '../../../lib/temporal/connection';
import { loadConfig } from '../../../lib/config';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { cliEnv, describeResult, lakehouse } from './harness';

const DAY = 86_400_000;
const isoDate = (t: number) => new Date(t).toISOString().slice(0, 10);
const TODAY = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
const WEEK_AGO = isoDate(TODAY - 7 * DAY);
const YESTERDAY = isoDate(TODAY - DAY);

interface Case {
  name: string;
  /** `KNOWN_TENANT` is replaced by a real tenant's ID when the case runs. */
  args: string[];
  /** What the one line must say (the problem, named). */
  says: RegExp;
  env?: Record<string, string>;
}

describe('bad input: exit 2, one line naming the problem, nothing started, nothing written', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let tenant: string;
  // Nothing listens on port 1 of the loopback interface: connections are refused at once.
  const closedPort = 1;
  let before: string;
  const unknownTenant = randomUUID();

  /** Row counts of every table in public and reporting: any write shows up here. */
  const dbFingerprint = async () =>
    JSON.stringify(
      (
        await db.pool.query<{ t: string; n: string }>(`
          SELECT format('%I.%I', schemaname, relname) AS t,
                 (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', schemaname, relname), false, true, '')))[1]::text AS n
            FROM pg_stat_user_tables WHERE schemaname IN ('public', 'reporting') ORDER BY 1`)
      ).rows,
    );

  beforeAll(async () => {
    db = await createTestDatabase('cli_bad');
    await seedDatabase(db.pool, { tenants: 2, loans: 5, days: 10, seed: 2 });
    tenant = (await db.pool.query<{ id: string }>('SELECT id::text AS id FROM tenants ORDER BY name LIMIT 1')).rows[0].id;
    env = cliEnv(db.url);
    before = await dbFingerprint();
  });
  afterAll(async () => {
    await db?.drop();
  });

  const cases = (): Case[] => [
    // backfill: dates
    { name: 'backfill: malformed --from', args: ['backfill', '--from', '2026/01/01', '--to', YESTERDAY], says: /^lakehouse: --from must be a date YYYY-MM-DD \(got "2026\/01\/01"\)$/ },
    { name: 'backfill: impossible calendar date', args: ['backfill', '--from', '2026-02-30', '--to', YESTERDAY], says: /--from is not a calendar date \(got "2026-02-30"\)/ },
    { name: 'backfill: malformed --to', args: ['backfill', '--from', WEEK_AGO, '--to', 'yesterday'], says: /--to must be a date YYYY-MM-DD \(got "yesterday"\)/ },
    { name: 'backfill: reversed range', args: ['backfill', '--from', YESTERDAY, '--to', WEEK_AGO], says: new RegExp(`--from ${YESTERDAY} is after --to ${WEEK_AGO}`) },
    { name: 'backfill: range in the future', args: ['backfill', '--from', WEEK_AGO, '--to', isoDate(TODAY + 2 * DAY)], says: /--to \d{4}-\d{2}-\d{2} is in the future \(today is/ },
    {
      name: 'backfill: beyond ETL_MAX_LOOKBACK_DAYS',
      args: ['backfill', '--from', isoDate(TODAY - 40 * DAY), '--to', YESTERDAY],
      env: { ETL_MAX_LOOKBACK_DAYS: '30' },
      says: /--from \d{4}-\d{2}-\d{2} is more than ETL_MAX_LOOKBACK_DAYS=30 days ago \(earliest allowed/,
    },
    { name: 'backfill: missing --to', args: ['backfill', '--from', WEEK_AGO], says: /required option '--to <date>' not specified/ },
    { name: 'backfill: misspelt option', args: ['backfill', '--from', WEEK_AGO, '--to', YESTERDAY, '--dry-rn'], says: /unknown option '--dry-rn' \(Did you mean --dry-run\?\)/ },
    // backfill: what to load
    { name: 'backfill: unknown stream', args: ['backfill', '--from', WEEK_AGO, '--to', YESTERDAY, '--streams', 'fact_txn,fact_bogus'], says: /unknown stream: fact_bogus \(streams: dim_investor,/ },
    { name: 'backfill: empty --streams', args: ['backfill', '--from', WEEK_AGO, '--to', YESTERDAY, '--streams', ''], says: /--streams must be a comma-separated list/ },
    { name: 'backfill: tenant not a uuid', args: ['backfill', '--from', WEEK_AGO, '--to', YESTERDAY, '--tenant', 'acme'], says: /--tenant must be a tenant ID \(uuid\): not a uuid: acme/ },
    { name: 'backfill: unknown tenant', args: ['backfill', '--from', WEEK_AGO, '--to', YESTERDAY, '--tenant', unknownTenant], says: new RegExp(`unknown tenant: ${unknownTenant}`) },
    { name: 'backfill: one known and one unknown tenant', args: ['backfill', '--from', WEEK_AGO, '--to', YESTERDAY, '--tenant', `KNOWN_TENANT,${unknownTenant}`, '--wait'], says: new RegExp(`unknown tenant: ${unknownTenant} \\(`) },
    { name: 'backfill: --window-days 0', args: ['backfill', '--from', WEEK_AGO, '--to', YESTERDAY, '--window-days', '0'], says: /--window-days must be a whole number from 1 to 366 \(got "0"\)/ },
    // run
    { name: 'run: unknown kind', args: ['run', 'weekly'], says: /run needs "hourly" or "nightly" \(got "weekly"\)/ },
    { name: 'run: no kind', args: ['run'], says: /missing required argument 'kind'/ },
    { name: 'run: unknown tenant', args: ['run', 'hourly', '--tenant', unknownTenant, '--wait'], says: new RegExp(`unknown tenant: ${unknownTenant}`) },
    { name: 'run: empty tenant', args: ['run', 'nightly', '--tenant', ''], says: /--tenant needs a tenant ID \(uuid\), got an empty value/ },
    // status, runs, watermarks
    { name: 'status: no such workflow', args: ['status', 'etl-hourly-manual-1999-01-01T00:00:00Z'], says: /no workflow with ID "etl-hourly-manual-1999-01-01T00:00:00Z" in namespace default at 127\.0\.0\.1:\d+/ },
    { name: 'runs: unknown kind', args: ['runs', '--kind', 'weekly'], says: /--kind must be one of hourly, nightly, backfill \(got "weekly"\)/ },
    { name: 'runs: unknown status', args: ['runs', '--status', 'sleeping'], says: /--status must be one of running, completed, failed, cancelled, terminated/ },
    { name: 'runs: --limit 0', args: ['runs', '--limit', '0'], says: /--limit must be a whole number from 1 to 1000 \(got "0"\)/ },
    { name: 'watermarks: unknown tenant', args: ['watermarks', '--tenant', unknownTenant], says: new RegExp(`unknown tenant: ${unknownTenant}`) },
    // schedules: refused before Temporal is contacted
    { name: 'schedules pause: unknown ID', args: ['schedules', 'pause', 'etl-weekly'], says: /unknown schedule "etl-weekly" \(schedules: etl-hourly, etl-nightly\)/ },
    { name: 'schedules trigger: unknown ID', args: ['schedules', 'trigger', 'etl-hourly-2026'], says: /unknown schedule "etl-hourly-2026"/ },
    { name: 'schedules delete: unknown ID', args: ['schedules', 'delete', 'ETL-HOURLY'], says: /unknown schedule "ETL-HOURLY"/ },
    { name: 'schedules pause: empty note', args: ['schedules', 'pause', 'etl-nightly', '--note', ' '], says: /--note must not be empty/ },
    { name: 'schedules: unknown subcommand', args: ['schedules', 'stop', 'etl-hourly'], says: /unknown schedules command "stop" \(commands: apply, list,/ },
    // configuration and unreachable services
    { name: 'bad ETL_MAX_LOOKBACK_DAYS', args: ['backfill', '--from', WEEK_AGO, '--to', YESTERDAY], env: { ETL_MAX_LOOKBACK_DAYS: 'ten' }, says: /invalid configuration: ETL_MAX_LOOKBACK_DAYS must be a whole number/ },
    { name: 'bad LAKEHOUSE_TASK_QUEUE', args: ['run', 'hourly'], env: { LAKEHOUSE_TASK_QUEUE: 'has spaces' }, says: /LAKEHOUSE_TASK_QUEUE must be letters, digits/ },
    {
      name: 'database unreachable',
      args: ['backfill', '--from', WEEK_AGO, '--to', YESTERDAY],
      env: { DB_URL: `postgres://postgres:secret@127.0.0.1:${closedPort}/nowhere` },
      says: new RegExp(`cannot reach the database at postgres://postgres:\\*\\*\\*@127\\.0\\.0\\.1:${closedPort}/nowhere \\(ECONNREFUSED\\); check DB_URL`),
    },
    {
      name: 'Temporal unreachable',
      args: ['run', 'hourly'],
      env: { TEMPORAL_ADDRESS: `127.0.0.1:${closedPort}` },
      says: new RegExp(`cannot reach Temporal at 127\\.0\\.0\\.1:${closedPort} .*check TEMPORAL_ADDRESS`),
    },
  ];

  it('has at least 20 cases', () => {
    expect(cases().length).toBeGreaterThanOrEqual(20);
  });

  // Concurrent: each case is a separate process; three at a time keeps two shared cores busy.
  describe.concurrent('each case', () => {
    for (const c of cases()) {
      it(c.name, async () => {
        const r = await lakehouse(c.args.map((a) => a.replace('KNOWN_TENANT', tenant)), { ...env, ...c.env });
        expect(r.code, describeResult(r)).toBe(2);
        expect(r.stdout, describeResult(r)).toBe('');
        const lines = r.stderr.trimEnd().split('\n');
        expect(lines, describeResult(r)).toHaveLength(1);
        expect(lines[0]).toMatch(/^lakehouse: /);
        expect(lines[0]).toMatch(c.says);
        // The database password never appears in a message.
        expect(r.stderr).not.toContain('secret');
      });
    }
  });

  it('afterwards: no workflow started, no schedule created, no row written', async () => {
    expect(await dbFingerprint()).toBe(before);
    const client = await temporalClient(loadConfig(env));
    try {
      // Visibility is eventually consistent: give a (wrongly) started run time to appear.
      await new Promise((r) => setTimeout(r, 2000));
      expect((await client.workflow.count(`TaskQueue = '${env.LAKEHOUSE_TASK_QUEUE}'`)).count).toBe(0);
      const schedules: string[] = [];
      for await (const s of client.schedule.list()) schedules.push(s.scheduleId);
      expect(schedules.filter((id) => id.startsWith('etl-'))).toEqual([]);
    } finally {
      await client.connection.close();
    }
  });
});
