/**
 * How a followed run is shown (live on a terminal, a line per change when piped, nothing but the
 * final document with --json) and how its end is read (failed tenants from the TenantsFailed
 * failure), plus the visibility query `lakehouse runs` sends.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, RetryState, TerminatedFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import type { Output, OutputMode } from '../../client/output/mode';
import { createProgressRenderer } from '../../client/output/progress';
import { outcomeFromError, RUN_FAILED_TYPE, runsQuery } from '../../client/temporal-runs';
import type { RunProgress } from '../../lib/workflow-types';

function fakeOutput(mode: OutputMode): Output & { written: string } {
  const o = {
    mode,
    written: '',
    stream: { write: (s: string) => ((o.written += s), true), columns: 60 } as unknown as NodeJS.WriteStream,
    line: (s = '') => {
      if (mode !== 'json') o.written += `${s}\n`;
    },
    json: (d: unknown) => (o.written += JSON.stringify(d)),
    note: () => undefined,
  };
  return o;
}

const progress = (over: Partial<RunProgress> = {}): RunProgress => ({
  kind: 'backfill',
  phase: 'loading',
  windowStart: '2026-01-01T00:00:00.000Z',
  windowEnd: '2026-02-01T00:00:00.000Z',
  tenantsTotal: 2,
  tenantsDone: 0,
  failed: [],
  rowsByStream: {},
  rowsByTenant: {},
  windowsDone: 0,
  windowsTotal: 5,
  ...over,
});

describe('progress rendering', () => {
  it('piped: one line per real change, none per poll', () => {
    const out = fakeOutput('plain');
    const r = createProgressRenderer(out, 'backfill-x', { now: () => Date.parse('2026-11-27T10:00:00Z') });
    r.update(progress());
    r.update(progress());
    r.update(progress({ rowsByStream: { fact_txn: 5 } })); // rows alone move every poll: not a change worth a line
    r.update(progress({ tenantsDone: 1, rowsByStream: { fact_txn: 12, fact_qc: 3 } }));
    r.update(progress({ tenantsDone: 2, failed: [{ tenantId: 't', tenantName: 'Blue Harbor', error: 'tenant Blue Harbor (3dd10b90-86aa-ba6e-f141-06119a5b74de): fact_txn: boom' }] }));
    const lines = out.written.trim().split('\n');
    expect(lines).toEqual([
      '2026-11-27 10:00:00Z  loading · tenants 0/2 · windows 0/5 · failed 0 · rows 0: no rows yet',
      '2026-11-27 10:00:00Z  loading · tenants 1/2 · windows 0/5 · failed 0 · rows 15: fact_txn 12 · fact_qc 3',
      '2026-11-27 10:00:00Z  loading · tenants 2/2 · windows 0/5 · failed 1 · rows 0: no rows yet',
    ]);
    expect(out.written).not.toContain('\x1b');
  });

  it('piped: says once that no worker answers, after a few silent polls', () => {
    const out = fakeOutput('plain');
    const r = createProgressRenderer(out, 'x', { taskQueue: 'lakehouse-etl' });
    for (let i = 0; i < 6; i++) r.update(null);
    expect(out.written.trim().split('\n')).toHaveLength(1);
    expect(out.written).toContain('waiting for a worker to answer (task queue lakehouse-etl)');
  });

  it('terminal: redraws the block in place and clears it at the end', () => {
    const out = fakeOutput('tty');
    const r = createProgressRenderer(out, 'backfill-x');
    r.update(progress({ tenantsDone: 1, rowsByStream: { fact_txn: 1200 } }));
    const first = out.written;
    expect(first).toContain('tenants 1/2 · windows 0/5 · failed 0');
    expect(first).toContain('rows 1,200: fact_txn 1,200');
    r.update(progress({ tenantsDone: 2 }));
    // Cursor back up over the previous block (header + 2 lines), then erase to the end of the screen.
    // eslint-disable-next-line no-control-regex -- terminal escape codes are what this checks
    expect(out.written.slice(first.length)).toMatch(/^\x1b\[3F\x1b\[0J/);
    r.finish();
    expect(out.written.endsWith('\x1b[3F\x1b[0J')).toBe(true);
    // Every drawn line fits the terminal (60 columns): a wrapped line would break the redraw.
    // eslint-disable-next-line no-control-regex -- terminal escape codes are what this checks
    for (const line of out.written.split('\n')) expect(line.replace(/\x1b\[\d+[A-Z]/g, '').length).toBeLessThanOrEqual(60);
  });

  it('--json: nothing until the final document', () => {
    const out = fakeOutput('json');
    const r = createProgressRenderer(out, 'x');
    r.update(progress());
    r.update(null);
    r.finish();
    expect(out.written).toBe('');
  });
});

describe('reading how a run ended', () => {
  it('a TenantsFailed failure carries the progress and names the failed tenants', () => {
    const p = progress({ phase: 'failed', tenantsDone: 2, failed: [{ tenantId: 'b', tenantName: 'Blue Harbor', error: 'boom' }], rowsByStream: { fact_txn: 4 } });
    const cause = ApplicationFailure.create({ type: RUN_FAILED_TYPE, nonRetryable: true, message: '1 of 2 tenants failed: Blue Harbor (boom)', details: [p] });
    const o = outcomeFromError('wf', new WorkflowFailedError('Workflow execution failed', cause, RetryState.NON_RETRYABLE_FAILURE));
    expect(o.status).toBe('FAILED');
    expect(o.failedTenants).toEqual(p.failed);
    expect(o.result?.rowsByStream).toEqual({ fact_txn: 4 });
    expect(o.error).toEqual({ type: RUN_FAILED_TYPE, message: '1 of 2 tenants failed: Blue Harbor (boom)' });
  });

  it('a terminated run has no result and says so', () => {
    const o = outcomeFromError('wf', new WorkflowFailedError('Workflow execution terminated', new TerminatedFailure('by operator'), RetryState.NON_RETRYABLE_FAILURE));
    expect(o).toMatchObject({ status: 'TERMINATED', result: null, failedTenants: [], error: { type: 'Terminated' } });
  });

  it('anything that is not a workflow failure is rethrown (a bug, not a failed run)', () => {
    expect(() => outcomeFromError('wf', new Error('socket hang up'))).toThrow('socket hang up');
  });
});

describe('runs query', () => {
  it('filters on the parent workflow types, hiding continued-as-new links unless asked', () => {
    expect(runsQuery({})).toBe("WorkflowType IN ('hourlyEtlWorkflow', 'nightlyEtlWorkflow', 'backfillWorkflow') AND ExecutionStatus != 'ContinuedAsNew'");
    expect(runsQuery({ kind: 'nightly', status: 'failed' })).toBe("WorkflowType = 'nightlyEtlWorkflow' AND ExecutionStatus = 'Failed'");
    expect(runsQuery({ kind: 'backfill', status: 'timed-out' })).toBe("WorkflowType = 'backfillWorkflow' AND ExecutionStatus = 'TimedOut'");
    expect(runsQuery({ kind: 'hourly', taskQueue: 'lakehouse-etl' })).toBe("WorkflowType = 'hourlyEtlWorkflow' AND TaskQueue = 'lakehouse-etl' AND ExecutionStatus != 'ContinuedAsNew'");
  });
});
