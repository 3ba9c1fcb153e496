/**
 * Progress of a run being followed (`--wait`, `status --watch`):
 *
 * - on a terminal, a small block redrawn in place (phase, tenants done/failed, windows, rows per
 *   stream), clipped to the terminal's width so a redraw never leaves wrapped debris behind;
 * - when piped, one plain line per real change (a tenant or window finished, the phase moved, a
 *   tenant failed) — never per poll, so CI logs stay short;
 * - with --json, nothing until the final document.
 */
import { ALL_STREAMS } from '../../lib/constants';
import type { RunProgress } from '../../lib/workflow-types';
import { formatCount, formatDuration, formatRowsByStream, formatTime, oneLine, sumRows, tenantError } from './format';
import type { Output } from './mode';

export interface ProgressRenderer {
  update(progress: RunProgress | null): void;
  /** Clears the live block (the final report replaces it). */
  finish(): void;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function progressLines(p: RunProgress): string[] {
  const parts = [`${p.phase}`, `tenants ${p.tenantsDone}/${p.tenantsTotal}`];
  if (p.windowsTotal !== undefined) parts.push(`windows ${p.windowsDone ?? 0}/${p.windowsTotal}`);
  parts.push(`failed ${p.failed.length}`);
  const lines = [parts.join(' · '), `rows ${formatCount(sumRows(p.rowsByStream))}: ${formatRowsByStream(p.rowsByStream, ALL_STREAMS)}`];
  if (p.lake) lines.push(`lake ${p.lake.tablesExported} table exports, ${formatCount(p.lake.rowsExported)} rows, ${p.lake.reconciled} reconciled, ${p.lake.mismatches} mismatches`);
  for (const f of p.failed) lines.push(`failed: ${f.tenantName} — ${oneLine(tenantError(f.error), 160)}`);
  return lines;
}

export function createProgressRenderer(out: Output, label: string, opts: { taskQueue?: string; now?: () => number } = {}): ProgressRenderer {
  const now = opts.now ?? Date.now;
  const started = now();
  const noWorker = `waiting for a worker to answer${opts.taskQueue ? ` (task queue ${opts.taskQueue})` : ''} — the run is queued or its worker is busy or down`;

  if (out.mode === 'json') return { update: () => undefined, finish: () => undefined };

  if (out.mode === 'plain') {
    let last = '';
    let misses = 0;
    let warned = false;
    return {
      update(p) {
        if (!p) {
          // One missed answer is normal (a busy worker); several in a row deserve one line.
          misses += 1;
          if (misses >= 3 && !warned) {
            warned = true;
            out.line(`${formatTime(new Date(now()))}  ${noWorker}`);
          }
          return;
        }
        misses = 0;
        warned = false;
        const signature = JSON.stringify([p.phase, p.tenantsDone, p.tenantsTotal, p.windowsDone, p.failed.length, p.lake?.tablesExported]);
        if (signature === last) return;
        last = signature;
        const [head, rows] = progressLines(p);
        out.line(`${formatTime(new Date(now()))}  ${head} · ${rows}`);
      },
      finish: () => undefined,
    };
  }

  // tty
  let drawn = 0;
  let frame = 0;
  let lastProgress: RunProgress | null = null;
  let misses = 0;
  const width = () => Math.max(20, (out.stream.columns ?? 100) - 1);
  const clip = (s: string) => (s.length > width() ? `${s.slice(0, width() - 1)}…` : s);
  const clear = () => {
    if (drawn > 0) out.stream.write(`\x1b[${drawn}F\x1b[0J`);
    drawn = 0;
  };
  const draw = (lines: string[]) => {
    clear();
    out.stream.write(`${lines.map(clip).join('\n')}\n`);
    drawn = lines.length;
  };
  // Something on screen at once: the first answer can take a few seconds.
  draw([`${SPINNER[frame++]} ${label} · 0s`]);
  return {
    update(p) {
      if (p) {
        lastProgress = p;
        misses = 0;
      } else misses += 1;
      const lines = [`${SPINNER[frame++ % SPINNER.length]} ${label} · ${formatDuration(now() - started)}`];
      if (lastProgress) lines.push(...progressLines(lastProgress).map((l) => `  ${l}`));
      if (misses >= 3 || (!lastProgress && misses >= 1)) lines.push(`  ${noWorker}`);
      draw(lines);
    },
    finish: clear,
  };
}
