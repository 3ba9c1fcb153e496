/**
 * Validates a backfill request and splits it into windows. Pure and deterministic, so the CLI
 * (`--dry-run`, and rejecting bad input before anything starts) and the workflow (which re-checks,
 * since anyone can start it) share one implementation.
 */
import { ALL_STREAMS, isStream, type Stream } from './constants';

export interface BackfillWindow {
  /** Inclusive first and last calendar dates of the window. */
  fromDate: string;
  toDate: string;
  /** The load window in instants: [from 00:00Z, day after toDate 00:00Z). */
  from: string;
  to: string;
  /** Servicing snapshot dates in the window (when fact_servicing is backfilled). */
  snapshotDates: string[];
}

export interface BackfillPlan {
  from: string;
  to: string;
  days: number;
  streams: Stream[];
  windows: BackfillWindow[];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

export class BackfillInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackfillInputError';
  }
}

export function parseUtcDate(name: string, value: string): number {
  if (!DATE.test(value)) throw new BackfillInputError(`${name} must be a date YYYY-MM-DD (got "${value}")`);
  const t = Date.parse(`${value}T00:00:00Z`);
  if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== value) throw new BackfillInputError(`${name} is not a calendar date (got "${value}")`);
  return t;
}

export const isoDate = (t: number): string => new Date(t).toISOString().slice(0, 10);

export function planBackfill(
  req: { from: string; to: string; streams?: string[]; windowDays?: number; maxLookbackDays: number },
  now: Date,
): BackfillPlan {
  const from = parseUtcDate('--from', req.from);
  const to = parseUtcDate('--to', req.to);
  if (from > to) throw new BackfillInputError(`--from ${req.from} is after --to ${req.to}`);
  const today = Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00Z`);
  if (to > today) throw new BackfillInputError(`--to ${req.to} is in the future (today is ${isoDate(today)} UTC)`);
  const oldest = today - req.maxLookbackDays * DAY_MS;
  if (from < oldest) {
    throw new BackfillInputError(`--from ${req.from} is more than ETL_MAX_LOOKBACK_DAYS=${req.maxLookbackDays} days ago (earliest allowed ${isoDate(oldest)})`);
  }
  const streams = req.streams && req.streams.length > 0 ? req.streams : [...ALL_STREAMS];
  const unknown = streams.filter((s) => !isStream(s));
  if (unknown.length > 0) throw new BackfillInputError(`unknown stream: ${unknown.join(', ')} (streams: ${ALL_STREAMS.join(', ')})`);
  const windowDays = req.windowDays ?? 7;
  if (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > 366) throw new BackfillInputError(`window days must be 1..366 (got ${windowDays})`);

  const ordered = ALL_STREAMS.filter((s) => streams.includes(s));
  const windows: BackfillWindow[] = [];
  for (let start = from; start <= to; start += windowDays * DAY_MS) {
    const last = Math.min(start + (windowDays - 1) * DAY_MS, to);
    const snapshotDates: string[] = [];
    // A snapshot is frozen when first written, so today's (a day not yet over) is left to the nightly.
    if (ordered.includes('fact_servicing')) for (let d = start; d <= last && d < today; d += DAY_MS) snapshotDates.push(isoDate(d));
    windows.push({ fromDate: isoDate(start), toDate: isoDate(last), from: new Date(start).toISOString(), to: new Date(last + DAY_MS).toISOString(), snapshotDates });
  }
  return { from: req.from, to: req.to, days: Math.round((to - from) / DAY_MS) + 1, streams: ordered, windows };
}
