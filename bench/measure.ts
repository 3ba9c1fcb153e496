/**
 * What a measurement produces and how it is summarised.
 *
 * Every row compares a measured series with a reference series taken in the same run (on the same
 * machine, at the same moment's load), so the ratio means something even when the absolute numbers
 * move with whatever else the 2-core machine is doing.
 */

export type Better = 'lower' | 'higher';

export interface Series {
  /** What was measured, e.g. "loadFactTxn, per tenant" or "bare COPY binary read". */
  label: string;
  unit: string;
  values: number[];
}

export interface Summary {
  label: string;
  unit: string;
  n: number;
  median: number;
  min: number;
  max: number;
  values: number[];
}

/**
 * A target on the row: on the ratio (`ratio <= 1.15`), or on the measured median in its unit
 * (`value >= 200000`). A row may carry several; it is met when all are.
 */
export interface Target {
  on: 'ratio' | 'value';
  op: '<=' | '>=' | '<';
  limit: number;
}

export interface ResultRow {
  /** "1", "4b", … — the measurement's number in issue 10. */
  id: string;
  title: string;
  better: Better;
  measured?: Summary;
  reference?: Summary;
  /** measured.median / reference.median. */
  ratio?: number;
  targets: Target[];
  /** Human text for the target column ("≤ 1.15× hand-written SQL"); "report" when there is none. */
  targetText: string;
  /** true/false when targets exist and the row ran; null when report-only or not run. */
  met: boolean | null;
  status: 'ok' | 'not yet available' | 'failed' | 'skipped';
  notes: string[];
}

export function median(values: number[]): number {
  const s = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 === 1 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

export function summarize(series: Series): Summary {
  // A sample that could not be taken (NaN) is left out rather than poisoning the median.
  const sorted = series.values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = sorted.length;
  return { label: series.label, unit: series.unit, n, median: median(sorted), min: sorted[0] ?? NaN, max: sorted[n - 1] ?? NaN, values: series.values };
}

function check(t: Target, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  if (t.op === '<=') return value <= t.limit;
  if (t.op === '<') return value < t.limit;
  return value >= t.limit;
}

export function row(opts: {
  id: string;
  title: string;
  better: Better;
  measured: Series;
  reference?: Series;
  targets?: Target[];
  targetText?: string;
  notes?: string[];
}): ResultRow {
  const measured = summarize(opts.measured);
  const reference = opts.reference ? summarize(opts.reference) : undefined;
  const r = reference && reference.median !== 0 ? measured.median / reference.median : NaN;
  const ratio = Number.isFinite(r) ? r : undefined;
  const targets = opts.targets ?? [];
  const met =
    targets.length === 0
      ? null
      : targets.every((t) => check(t, t.on === 'ratio' ? (ratio ?? NaN) : measured.median));
  return {
    id: opts.id,
    title: opts.title,
    better: opts.better,
    measured,
    reference,
    ratio,
    targets,
    targetText: opts.targetText ?? (targets.length === 0 ? 'report' : ''),
    met,
    status: 'ok',
    notes: opts.notes ?? [],
  };
}

/** A row for a measurement that could not run (its code has not landed, or it failed). */
export function unavailableRow(id: string, title: string, targetText: string, status: ResultRow['status'], note: string): ResultRow {
  return { id, title, better: 'lower', targets: [], targetText, met: null, status, notes: [note] };
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const t0 = process.hrtime.bigint();
  const result = await fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, result };
}
