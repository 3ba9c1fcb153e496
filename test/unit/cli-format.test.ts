/**
 * The CLI's pure pieces: formatting, cron rendering of the calendars Temporal returns, request
 * parsing and the workflow IDs a request maps to.
 */
import type { CalendarSpecDescription } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../lib/errors';
import { calendarToCron } from '../../client/output/cron';
import { formatDuration, formatTable, formatTime, tenantError } from '../../client/output/format';
import { backfillWorkflowId, collectList, manualRunId, parseStreams, parseTenantIds } from '../../client/run-inputs';

/** A calendar exactly as ScheduleHandle.describe() returned it for "15 * * * *" on the dev server. */
const HOURLY: CalendarSpecDescription = {
  second: [{ start: 0, end: 0, step: 1 }],
  minute: [{ start: 15, end: 15, step: 1 }],
  hour: [{ start: 0, end: 23, step: 1 }],
  dayOfMonth: [{ start: 1, end: 31, step: 1 }],
  month: [{ start: 'JANUARY', end: 'DECEMBER', step: 1 }],
  year: [],
  dayOfWeek: [{ start: 'SUNDAY', end: 'SATURDAY', step: 1 }],
  comment: '',
};

describe('calendarToCron', () => {
  it('renders the calendars describe() returns back into the cron the schedule was made from', () => {
    expect(calendarToCron(HOURLY)).toBe('15 * * * *');
    // "0 2 * * 1-5" as the server returned it.
    expect(calendarToCron({ ...HOURLY, minute: [{ start: 0, end: 0, step: 1 }], hour: [{ start: 2, end: 2, step: 1 }], dayOfWeek: [{ start: 'MONDAY', end: 'FRIDAY', step: 1 }] })).toBe('0 2 * * 1-5');
    expect(calendarToCron({ ...HOURLY, minute: [{ start: 0, end: 59, step: 15 }], month: [{ start: 'MARCH', end: 'MARCH', step: 1 }, { start: 'JUNE', end: 'JUNE', step: 1 }] })).toBe('*/15 * * 3,6 *');
    expect(calendarToCron({ ...HOURLY, hour: [{ start: 8, end: 18, step: 2 }] })).toBe('15 8-18/2 * * *');
  });

  it('says what cron cannot express instead of dropping it', () => {
    expect(calendarToCron({ ...HOURLY, second: [{ start: 30, end: 30, step: 1 }], year: [{ start: 2027, end: 2027, step: 1 }] })).toBe('15 * * * * (second 30, year 2027)');
  });
});

describe('formatting', () => {
  it('durations read at a glance, two units at most', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(42_400)).toBe('42s');
    expect(formatDuration(192_000)).toBe('3m 12s');
    expect(formatDuration(2 * 3_600_000 + 5 * 60_000 + 59_000)).toBe('2h 05m');
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000)).toBe('3d 04h');
    expect(formatDuration(null)).toBe('—');
  });

  it('times are UTC with a Z', () => {
    expect(formatTime('2026-11-27T10:15:03.123456Z')).toBe('2026-11-27 10:15:03Z');
    expect(formatTime(null)).toBe('—');
  });

  it('tables align text left and numbers right, without trailing blanks', () => {
    const t = formatTable(['stream', 'rows'], [['fact_txn', '1,200'], ['fact_qc', '7']]);
    expect(t.split('\n')).toEqual(['stream     rows', 'fact_txn  1,200', 'fact_qc       7']);
    expect(formatTable(['a', 'note'], [['x', 'long text'], ['yy', 'z']]).split('\n')).toEqual(['a   note', 'x   long text', 'yy  z']);
  });

  it('drops the tenant prefix the workflow puts on a failed tenant error', () => {
    expect(tenantError('tenant Blue Harbor (3dd10b90-86aa-ba6e-f141-06119a5b74de): fact_txn: boom')).toBe('fact_txn: boom');
    expect(tenantError('lake fact_txn: mismatch')).toBe('lake fact_txn: mismatch');
  });
});

describe('request parsing', () => {
  const A = '2b34f7ad-dd12-03d6-4983-747b1640e8cf';
  const B = '3dd10b90-86aa-ba6e-f141-06119a5b74de';

  it('--tenant is repeatable and takes comma lists; IDs must be UUIDs', () => {
    expect(parseTenantIds(collectList(B, collectList(`${A},${A.toUpperCase()}`)))).toEqual([A, B]);
    expect(parseTenantIds(undefined)).toEqual([]);
    expect(() => parseTenantIds(['acme'])).toThrow(BadInputError);
    expect(() => parseTenantIds(['acme'])).toThrow('--tenant must be a tenant ID (uuid): not a uuid: acme');
    expect(() => parseTenantIds(collectList(`${A},`))).toThrow('--tenant needs a tenant ID');
  });

  it('--streams is a non-empty comma list', () => {
    expect(parseStreams(undefined)).toBeUndefined();
    expect(parseStreams('fact_txn, fact_qc,fact_txn')).toEqual(['fact_txn', 'fact_qc']);
    expect(() => parseStreams('')).toThrow('--streams must be a comma-separated list');
    expect(() => parseStreams('fact_txn,,fact_qc')).toThrow(BadInputError);
  });

  it('the same backfill request always maps to the same workflow ID; a different one does not', () => {
    const base = { from: '2026-01-01', to: '2026-01-31', tenants: [A, B], streams: ['fact_txn', 'fact_qc'], export: false };
    const id = backfillWorkflowId(base);
    expect(id).toMatch(/^backfill-2026-01-01-2026-01-31-[0-9a-f]{8}$/);
    expect(backfillWorkflowId({ ...base, tenants: [B, A.toUpperCase()], streams: ['fact_qc', 'fact_txn'] })).toBe(id);
    expect(backfillWorkflowId({ ...base, export: true })).not.toBe(id);
    expect(backfillWorkflowId({ ...base, tenants: [A] })).not.toBe(id);
    expect(backfillWorkflowId({ ...base, tenants: [] })).not.toBe(id);
    expect(backfillWorkflowId({ ...base, to: '2026-02-01' })).not.toBe(id);
  });

  it('manual run IDs read like scheduled ones, marked manual', () => {
    expect(manualRunId('hourly', new Date('2026-11-27T10:15:03.456Z'))).toBe('etl-hourly-manual-2026-11-27T10:15:03Z');
  });
});
