/**
 * `--wait` / `--watch`: follow a run to its end with progress, then report it. Shared by `run`,
 * `backfill` and `status --watch` so all three look and exit the same way.
 */
import type { Client } from '@temporalio/client';
import type { Config } from '../../lib/config';
import { EXIT } from '../context';
import { followRun, workflowUrl, type RunOutcome } from '../temporal-runs';
import type { Output } from './mode';
import { createProgressRenderer } from './progress';
import { announceRun, reportOutcome, runDocument } from './run-report';

export interface FollowResult {
  outcome: RunOutcome;
  durationMs: number;
  exitCode: number;
}

export async function followAndReport(
  client: Client,
  config: Config,
  out: Output,
  run: { workflowId: string; attached: boolean; url: string; label: string; startedAt?: number },
  opts: { pollMs?: number } = {},
): Promise<FollowResult> {
  const t0 = run.startedAt ?? Date.now();
  const renderer = createProgressRenderer(out, run.label, { taskQueue: config.temporal.taskQueue });
  // Ctrl-C detaches, it does not cancel: the run belongs to Temporal, not to this terminal.
  const onSigint = () => {
    renderer.finish();
    process.stderr.write(`\ndetached; ${run.workflowId} keeps running. Follow it with: lakehouse status ${run.workflowId} --watch\n`);
    process.exit(130);
  };
  process.once('SIGINT', onSigint);
  let outcome: RunOutcome;
  try {
    outcome = await followRun(client, run.workflowId, {
      pollMs: opts.pollMs ?? (out.mode === 'tty' ? 500 : 1_000),
      onProgress: (p) => renderer.update(p),
    });
  } finally {
    process.removeListener('SIGINT', onSigint);
    renderer.finish();
  }
  // A run this command started: measured here (covers a whole continue-as-new chain). One it
  // attached to, or is only watching: the server's start and close times of its latest run.
  let durationMs = Date.now() - t0;
  if (run.attached || run.startedAt === undefined) {
    try {
      const d = await client.workflow.getHandle(run.workflowId).describe();
      durationMs = (d.closeTime ?? new Date()).getTime() - d.startTime.getTime();
    } catch {
      /* keep the local measure */
    }
  }
  if (out.mode === 'json') out.json(runDocument(run, run.url, outcome, durationMs));
  else reportOutcome(out, outcome, run.url, durationMs);
  return { outcome, durationMs, exitCode: outcome.status === 'COMPLETED' ? EXIT.ok : EXIT.runFailed };
}

/**
 * What `run` and `backfill` do once a run is started (or attached to): print its ID and UI link,
 * then either say how to follow it or, with --wait, follow it to the end. Returns the exit code.
 */
export async function announceAndFollow(
  client: Client,
  config: Config,
  out: Output,
  what: string,
  started: { workflowId: string; attached: boolean },
  opts: { wait: boolean; startedAt: number },
): Promise<number> {
  const url = workflowUrl(config, started.workflowId);
  announceRun(out, what, started, url);
  if (!opts.wait) {
    if (out.mode === 'json') out.json(runDocument(started, url, null, null));
    else out.line(`  follow it    lakehouse status ${started.workflowId} --watch`);
    return EXIT.ok;
  }
  const { exitCode } = await followAndReport(client, config, out, { ...started, url, label: started.workflowId, startedAt: started.attached ? undefined : opts.startedAt });
  return exitCode;
}
