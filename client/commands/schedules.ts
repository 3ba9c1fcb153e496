/**
 * `lakehouse schedules …`: the two Temporal Schedules (etl-hourly, etl-nightly) that replace the
 * seed's CronJobs. IDs are checked against the project's two before Temporal is contacted, so a
 * typo never pauses (or deletes) someone else's schedule in a shared namespace.
 */
import { ScheduleNotFoundError, type Client, type ScheduleDescription, type ScheduleHandle } from '@temporalio/client';
import type { Command } from 'commander';
import type { Config } from '../../lib/config';
import { SCHEDULE_IDS } from '../../lib/constants';
import { BadInputError } from '../../lib/errors';
import { temporalClient } from '../../lib/temporal/connection';
import { applySchedules } from '../../lib/temporal/schedules';
import { action, cliConfig, EXIT } from '../context';
import { calendarToCron } from '../output/cron';
import { formatDuration, formatTime } from '../output/format';
import { createOutput, type Output } from '../output/mode';
import { oneLineUsageErrors } from '../output/usage';
import { workflowUrl } from '../temporal-runs';

const KNOWN_IDS = Object.values(SCHEDULE_IDS) as string[];

/** What Temporal does with a trigger while the previous run is still going, per overlap policy. */
const OVERLAP_TEXT: Record<string, string> = {
  SKIP: 'skipped while a run is still going',
  BUFFER_ONE: 'queued behind a running run, at most one waiting',
  BUFFER_ALL: 'queued behind running runs',
  CANCEL_OTHER: 'cancels the running run first',
  TERMINATE_OTHER: 'terminates the running run first',
  ALLOW_ALL: 'runs alongside a running run',
};

export interface ScheduleView {
  id: string;
  exists: boolean;
  paused?: boolean;
  note?: string | null;
  cron?: string[];
  timezone?: string;
  workflowType?: string;
  taskQueue?: string;
  overlap?: string;
  catchupWindowMs?: number;
  nextRuns?: string[];
  recentActions?: Array<{ scheduledAt: string; takenAt: string; workflowId: string }>;
  running?: string[];
  actionsTaken?: number;
  skippedOverlap?: number;
  missedCatchupWindow?: number;
  createdAt?: string;
  updatedAt?: string | null;
}

function scheduleId(raw: string): string {
  if (!KNOWN_IDS.includes(raw)) throw new BadInputError(`unknown schedule "${raw}" (schedules: ${KNOWN_IDS.join(', ')})`);
  return raw;
}

function view(id: string, d: ScheduleDescription, nextCount: number): ScheduleView {
  return {
    id,
    exists: true,
    paused: d.state.paused,
    note: d.state.note ?? null,
    cron: (d.spec.calendars ?? []).map(calendarToCron),
    timezone: d.spec.timezone ?? 'UTC',
    workflowType: d.action.workflowType,
    taskQueue: d.action.taskQueue,
    overlap: d.policies.overlap,
    catchupWindowMs: d.policies.catchupWindow,
    nextRuns: d.info.nextActionTimes.slice(0, nextCount).map((t) => t.toISOString()),
    recentActions: d.info.recentActions.map((a) => ({ scheduledAt: a.scheduledAt.toISOString(), takenAt: a.takenAt.toISOString(), workflowId: a.action.workflow.workflowId })),
    running: d.info.runningActions.map((a) => a.workflow.workflowId),
    actionsTaken: d.info.numActionsTaken,
    skippedOverlap: d.info.numActionsSkippedOverlap,
    missedCatchupWindow: d.info.numActionsMissedCatchupWindow,
    createdAt: d.info.createdAt.toISOString(),
    updatedAt: d.info.lastUpdatedAt?.toISOString() ?? null,
  };
}

async function describeOrNull(client: Client, id: string): Promise<ScheduleDescription | null> {
  try {
    return await client.schedule.getHandle(id).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return null;
    throw err;
  }
}

/** The handle of a schedule that exists; a missing one is bad input with the fix in the message. */
async function existing(client: Client, config: Config, id: string): Promise<{ handle: ScheduleHandle; desc: ScheduleDescription }> {
  const desc = await describeOrNull(client, id);
  if (!desc) throw new BadInputError(`schedule ${id} does not exist in namespace ${config.temporal.namespace} at ${config.temporal.address}; create it with \`lakehouse schedules apply\``);
  return { handle: client.schedule.getHandle(id), desc };
}

async function withClient(fn: (client: Client, config: Config) => Promise<number | void>): Promise<number | void> {
  const config = cliConfig();
  const client = await temporalClient(config, 5_000);
  try {
    return await fn(client, config);
  } finally {
    await client.connection.close();
  }
}

function printView(out: Output, config: Config, v: ScheduleView, detailed: boolean): void {
  if (!v.exists) {
    out.line(`${v.id}  not created — run \`lakehouse schedules apply\``);
    return;
  }
  out.line(`${v.id}  ${v.paused ? 'PAUSED' : 'active'}  ${(v.cron ?? []).join(' | ')} (${v.timezone})  →  ${v.workflowType} on ${v.taskQueue}`);
  out.line(`  overlap    ${v.overlap} (${OVERLAP_TEXT[v.overlap ?? ''] ?? ''}); catch-up window ${formatDuration(v.catchupWindowMs ?? 0)}`);
  if (v.note) out.line(`  note       ${v.note}`);
  out.line(`  next runs  ${v.paused ? '(paused; would be) ' : ''}${(v.nextRuns ?? []).map((t) => formatTime(t)).join(', ') || '—'}`);
  const recent = v.recentActions ?? [];
  const last = recent[recent.length - 1];
  out.line(`  last run   ${last ? `${last.workflowId} (scheduled ${formatTime(last.scheduledAt)})` : 'none yet'}`);
  if ((v.running ?? []).length > 0) out.line(`  running    ${v.running!.join(', ')}`);
  if (detailed) {
    out.line(`  counters   started ${v.actionsTaken} · skipped by overlap ${v.skippedOverlap} · missed the catch-up window ${v.missedCatchupWindow}`);
    out.line(`  created    ${formatTime(v.createdAt)}; last updated ${formatTime(v.updatedAt ?? null)}`);
    if (recent.length > 0) {
      out.line('  recent runs (oldest first):');
      for (const a of recent) out.line(`    ${formatTime(a.scheduledAt)}  ${a.workflowId}  ${workflowUrl(config, a.workflowId)}`);
    }
  }
}

const jsonOpt = ['--json', 'print one JSON document instead of text'] as const;

function listSchedules(opts: { next: number; json?: boolean }): Promise<number | void> {
  return withClient(async (client, config) => {
    const out = createOutput(opts);
    const views: ScheduleView[] = [];
    for (const id of KNOWN_IDS) {
      const d = await describeOrNull(client, id);
      views.push(d ? view(id, d, opts.next) : { id, exists: false });
    }
    if (out.mode === 'json') out.json({ namespace: config.temporal.namespace, schedules: views });
    else views.forEach((v) => printView(out, config, v, false));
    return EXIT.ok;
  });
}

export function registerSchedulesCommands(program: Command): void {
  const schedules = program
    .command('schedules')
    .description('Manage the etl-hourly and etl-nightly Temporal Schedules: apply, list, describe, pause, unpause, trigger, delete.')
    .addHelpText(
      'after',
      `
The schedules start the hourly ETL ("${'15 * * * *'}" by default, ETL_HOURLY_CRON) and the nightly ETL
("0 2 * * *", ETL_NIGHTLY_CRON), in UTC, on the task queue LAKEHOUSE_TASK_QUEUE. Schedule IDs are
fixed: ${KNOWN_IDS.join(', ')}; any other ID is refused before Temporal is contacted (exit 2).

Examples:
  $ lakehouse schedules apply
  $ lakehouse schedules list
  $ lakehouse schedules pause etl-nightly --note "month-end close, resume after 2026-12-02"
  $ lakehouse schedules unpause etl-nightly
  $ lakehouse schedules trigger etl-hourly`,
    );
  oneLineUsageErrors(schedules, 'schedules');
  // `lakehouse schedules` alone lists them (the question an operator usually has); a word that is
  // not a subcommand lands here too, and is named as the problem.
  schedules
    .usage('[command] [options]')
    .argument('[command]')
    .allowExcessArguments()
    .action(
    action((command: string | undefined) => {
      if (command !== undefined) throw new BadInputError(`unknown schedules command "${command}" (commands: apply, list, describe, pause, unpause, trigger, delete)`);
      return listSchedules({ next: 3 });
    }),
  );

  const sub = (name: string, path = `schedules ${name}`) => {
    const c = schedules.command(name);
    oneLineUsageErrors(c, path);
    return c;
  };

  sub('apply')
    .description('Create both schedules, or update them to the current configuration (crons, task queue, policies).')
    .option(...jsonOpt)
    .addHelpText(
      'after',
      `
Idempotent: run it on every deploy. An update keeps an operator's pause and note (a schedule update
replaces the whole schedule, so without this a deploy would silently un-pause a paused schedule).
Policies: etl-hourly skips a slot while the previous run is still going (watermarks catch up) and
catches up at most 1 hour after an outage; etl-nightly buffers one run (a night is never dropped)
and catches up at most 1 day.

Example:
  $ ETL_NIGHTLY_CRON="30 1 * * *" lakehouse schedules apply`,
    )
    .action(
      action((opts: { json?: boolean }) =>
        withClient(async (client, config) => {
          const out = createOutput(opts);
          const applied = await applySchedules(client, config);
          if (out.mode === 'json') out.json({ applied });
          else for (const s of applied) out.line(`${s.id}  ${s.action}${s.paused ? ' (still paused, as an operator left it)' : ''}`);
          return EXIT.ok;
        }),
      ),
    );

  sub('list')
    .description('Show both schedules: state, cron (UTC), overlap policy, next run times, last run.')
    .option('--next <n>', 'how many next run times to show', (v) => {
      if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 10) throw new BadInputError(`--next must be a whole number from 1 to 10 (got "${v}")`);
      return Number(v);
    }, 3)
    .option(...jsonOpt)
    .addHelpText(
      'after',
      `
Temporal stores a schedule's spec as calendars; they are shown here in cron form.

Example:
  $ lakehouse schedules list --json | jq '.schedules[] | {id, paused, nextRuns}'`,
    )
    .action(action((opts: { next: number; json?: boolean }) => listSchedules(opts)));

  sub('describe')
    .argument('<id>', KNOWN_IDS.join(' or '))
    .description('Show one schedule in full: cron, policies, next 10 run times, counters, recent runs with UI links.')
    .option(...jsonOpt)
    .addHelpText('after', `\nExample:\n  $ lakehouse schedules describe etl-nightly`)
    .action(
      action((rawId: string, opts: { json?: boolean }) => {
        const id = scheduleId(rawId);
        return withClient(async (client, config) => {
          const out = createOutput(opts);
          const { desc } = await existing(client, config, id);
          const v = view(id, desc, 10);
          if (out.mode === 'json') out.json(v);
          else printView(out, config, v, true);
          return EXIT.ok;
        });
      }),
    );

  sub('pause')
    .argument('<id>', KNOWN_IDS.join(' or '))
    .description('Pause a schedule: no new runs start until it is unpaused (a running run is not stopped).')
    .option('--note <text>', 'why, and until when — shown by `schedules list` and in the Temporal UI')
    .addHelpText(
      'after',
      `
The pause survives \`lakehouse schedules apply\` (deploys). Slots missed while paused are not run
afterwards; reload a gap with \`lakehouse backfill\`.

Example:
  $ lakehouse schedules pause etl-nightly --note "source migration INC-4211; resume after 02:00Z"`,
    )
    .action(
      action((rawId: string, opts: { note?: string }) => {
        const id = scheduleId(rawId);
        if (opts.note !== undefined && opts.note.trim() === '') throw new BadInputError('--note must not be empty (say why the schedule is paused)');
        return withClient(async (client, config) => {
          const { handle } = await existing(client, config, id);
          const note = opts.note ?? `paused with lakehouse CLI at ${formatTime(new Date())}`;
          await handle.pause(note);
          process.stdout.write(`${id} paused (note: ${note})\n`);
          return EXIT.ok;
        });
      }),
    );

  sub('unpause')
    .argument('<id>', KNOWN_IDS.join(' or '))
    .description('Resume a paused schedule from its next slot.')
    .option('--note <text>', 'replaces the pause note')
    .addHelpText('after', `\nExample:\n  $ lakehouse schedules unpause etl-nightly`)
    .action(
      action((rawId: string, opts: { note?: string }) => {
        const id = scheduleId(rawId);
        return withClient(async (client, config) => {
          const { handle, desc } = await existing(client, config, id);
          await handle.unpause(opts.note ?? `unpaused with lakehouse CLI at ${formatTime(new Date())}`);
          const next = (await handle.describe()).info.nextActionTimes[0];
          process.stdout.write(`${id} ${desc.state.paused ? 'unpaused' : 'was not paused; left running'}; next run ${formatTime(next ?? null)}\n`);
          return EXIT.ok;
        });
      }),
    );

  sub('trigger')
    .argument('<id>', KNOWN_IDS.join(' or '))
    .description("Start the schedule's workflow now, once, under the schedule's own overlap policy.")
    .option(...jsonOpt)
    .addHelpText(
      'after',
      `
Temporal's trigger defaults to "allow all" (a second run beside a running one); this command passes
the schedule's own policy instead, so a trigger of etl-hourly while an hourly run is still going is
skipped, and one of etl-nightly waits behind it. Works on a paused schedule too.
Prints the started run's workflow ID and Temporal UI link.

Example:
  $ lakehouse schedules trigger etl-hourly && lakehouse runs --kind hourly --limit 1`,
    )
    .action(
      action((rawId: string, opts: { json?: boolean }) => {
        const id = scheduleId(rawId);
        return withClient(async (client, config) => {
          const out = createOutput(opts);
          const { handle, desc } = await existing(client, config, id);
          const overlap = desc.policies.overlap;
          const before = new Set(desc.info.recentActions.map((a) => a.action.workflow.workflowId));
          const skippedBefore = desc.info.numActionsSkippedOverlap;
          await handle.trigger(overlap);
          // The trigger is asynchronous on the server: watch the schedule for the run it started
          // (or for the skip counter) for a few seconds so the operator gets an ID and a link.
          let startedId: string | undefined;
          let skipped = false;
          for (let i = 0; i < 20 && !startedId && !skipped; i++) {
            await new Promise((r) => setTimeout(r, 250));
            const d = await handle.describe();
            startedId = d.info.recentActions.map((a) => a.action.workflow.workflowId).find((w) => !before.has(w));
            skipped = d.info.numActionsSkippedOverlap > skippedBefore;
          }
          const doc = { id, overlap, started: startedId ?? null, skipped, url: startedId ? workflowUrl(config, startedId) : null };
          if (out.mode === 'json') out.json(doc);
          else if (startedId) out.line(`${id} triggered (overlap ${overlap}): started ${startedId}\n  Temporal UI  ${doc.url}`);
          else if (skipped) out.line(`${id} triggered, but skipped by its overlap policy ${overlap}: a run is still going (${desc.info.runningActions.map((a) => a.workflow.workflowId).join(', ') || 'see schedules describe'})`);
          else out.line(`${id} triggered (overlap ${overlap}: ${OVERLAP_TEXT[overlap ?? ''] ?? ''}); no new run seen yet — check \`lakehouse runs --kind ${id.replace('etl-', '')}\``);
          return EXIT.ok;
        });
      }),
    );

  sub('delete')
    .argument('<id>', KNOWN_IDS.join(' or '))
    .description('Delete a schedule (runs it already started keep going). `schedules apply` recreates it.')
    .addHelpText('after', `\nTo stop runs for a while, prefer \`schedules pause\`: it keeps the history and counters.\n\nExample:\n  $ lakehouse schedules delete etl-hourly`)
    .action(
      action((rawId: string) => {
        const id = scheduleId(rawId);
        return withClient(async (client, config) => {
          const { handle } = await existing(client, config, id);
          await handle.delete();
          process.stdout.write(`${id} deleted; \`lakehouse schedules apply\` recreates it\n`);
          return EXIT.ok;
        });
      }),
    );
}
