/**
 * Input checks that run before any SQL touches data (ARCHITECTURE §3 rule 10): a bad request fails
 * at once, non-retryable, with one line naming the problem, and changes nothing.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import { ERROR_TYPES } from '../../lib/constants';
import { UUID_RE } from '../../lib/db';

const DAY_MS = 86_400_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:?\d{2})$/;

export function invalidInput(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, ERROR_TYPES.invalidInput);
}

function validCalendarDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/**
 * Parses an ISO-8601 instant with an explicit offset (or a bare date, meaning 00:00 UTC). Returns
 * the text Postgres should parse — the caller's own text, so microseconds survive — and epoch ms.
 */
export function parseInstant(name: string, value: unknown): { text: string; ms: number } {
  if (typeof value !== 'string') throw invalidInput(`${name} must be an ISO-8601 instant (got ${JSON.stringify(value)})`);
  const date = DATE_RE.exec(value);
  if (date) {
    if (!validCalendarDate(+date[1], +date[2], +date[3])) throw invalidInput(`${name} is not a calendar date (got "${value}")`);
    const text = `${value}T00:00:00Z`;
    return { text, ms: Date.parse(text) };
  }
  const m = INSTANT_RE.exec(value);
  if (!m || !validCalendarDate(+m[1], +m[2], +m[3]) || +m[4] > 23 || +m[5] > 59 || (m[6] !== undefined && +m[6] > 59)) {
    throw invalidInput(`${name} must be an ISO-8601 instant with a time zone, e.g. 2025-01-31T00:00:00Z (got "${value}")`);
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw invalidInput(`${name} is not a valid instant (got "${value}")`);
  return { text: value, ms };
}

export function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

export interface ValidLoadInput {
  tenantId: string;
  window?: { from: string; to: string };
  workflowId: string | null;
  full: boolean;
}

interface Limits {
  maxLookbackDays: number;
  now: Date;
}

function checkTenantId(value: unknown): string {
  if (typeof value !== 'string' || !UUID_RE.test(value)) {
    throw invalidInput(`tenantId must be a uuid (got ${JSON.stringify(value)})`);
  }
  return value.toLowerCase();
}

function checkWorkflowId(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length > 1000) throw invalidInput('workflowId must be a string of at most 1000 characters');
  return value;
}

export function validateLoadInput(input: unknown, limits: Limits): ValidLoadInput {
  if (typeof input !== 'object' || input === null) throw invalidInput('load input must be an object { tenantId, window?, workflowId? }');
  const i = input as { tenantId?: unknown; window?: unknown; workflowId?: unknown; full?: unknown };
  const tenantId = checkTenantId(i.tenantId);
  const workflowId = checkWorkflowId(i.workflowId);
  if (i.full !== undefined && typeof i.full !== 'boolean') throw invalidInput('full must be true or false');
  const full = i.full === true;
  if (i.window === undefined || i.window === null) return { tenantId, workflowId, full };

  if (full) throw invalidInput('full and window are exclusive: a full load reads every row');
  if (typeof i.window !== 'object') throw invalidInput('window must be { from, to }');
  const w = i.window as { from?: unknown; to?: unknown };
  const from = parseInstant('window.from', w.from);
  const to = parseInstant('window.to', w.to);
  if (from.ms > to.ms) throw invalidInput(`window is reversed: from ${from.text} is after to ${to.text}`);
  if (from.ms === to.ms) throw invalidInput(`window is empty: from and to are both ${from.text} (to is exclusive)`);
  const oldest = startOfUtcDay(limits.now.getTime()) - limits.maxLookbackDays * DAY_MS;
  if (from.ms < oldest) {
    throw invalidInput(
      `window.from ${from.text} is more than ETL_MAX_LOOKBACK_DAYS=${limits.maxLookbackDays} days ago (earliest allowed ${new Date(oldest).toISOString().slice(0, 10)})`,
    );
  }
  return { tenantId, workflowId, full, window: { from: from.text, to: to.text } };
}

export interface ValidSnapshotInput {
  tenantId: string;
  asOf: string;
  /** The first instant after asOf (UTC): the snapshot sees only data before it. */
  cutoff: string;
  workflowId: string | null;
}

export function validateSnapshotInput(input: unknown, limits: Limits): ValidSnapshotInput {
  if (typeof input !== 'object' || input === null) throw invalidInput('snapshot input must be an object { tenantId, asOf, workflowId? }');
  const i = input as { tenantId?: unknown; asOf?: unknown; workflowId?: unknown };
  const tenantId = checkTenantId(i.tenantId);
  const workflowId = checkWorkflowId(i.workflowId);
  const m = typeof i.asOf === 'string' ? DATE_RE.exec(i.asOf) : null;
  if (!m) throw invalidInput(`asOf must be a date YYYY-MM-DD (got ${JSON.stringify(i.asOf)})`);
  if (!validCalendarDate(+m[1], +m[2], +m[3])) throw invalidInput(`asOf is not a calendar date (got "${i.asOf}")`);
  const asOf = i.asOf as string;
  const day = Date.parse(`${asOf}T00:00:00Z`);
  const today = startOfUtcDay(limits.now.getTime());
  if (day > today) throw invalidInput(`asOf ${asOf} is in the future (today is ${new Date(today).toISOString().slice(0, 10)} UTC)`);
  const oldest = today - limits.maxLookbackDays * DAY_MS;
  if (day < oldest) {
    throw invalidInput(`asOf ${asOf} is more than ETL_MAX_LOOKBACK_DAYS=${limits.maxLookbackDays} days ago (earliest allowed ${new Date(oldest).toISOString().slice(0, 10)})`);
  }
  return { tenantId, asOf, cutoff: new Date(day + DAY_MS).toISOString(), workflowId };
}

/** Unknown tenants are bad input: retrying will not make them exist. */
export async function assertTenantExists(pool: Pool, tenantId: string): Promise<void> {
  const { rowCount } = await pool.query('SELECT 1 FROM public.tenants WHERE id = $1', [tenantId]);
  if (!rowCount) throw ApplicationFailure.nonRetryable(`unknown tenant: ${tenantId}`, ERROR_TYPES.unknownTenant);
}
