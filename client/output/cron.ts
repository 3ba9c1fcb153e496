/**
 * Temporal returns a schedule's spec as structured calendars, never as the cron string it was
 * created from (PITFALLS: "describe returns calendars"). Operators think in cron — ETL_HOURLY_CRON
 * is a cron string — so we render calendars back into the 5-field form. Anything cron cannot say
 * (seconds other than 0, a year restriction) is appended rather than silently dropped.
 */
import type { CalendarSpecDescription, Range } from '@temporalio/client';

const MONTHS = ['JANUARY', 'FEBRUARY', 'MARCH', 'APRIL', 'MAY', 'JUNE', 'JULY', 'AUGUST', 'SEPTEMBER', 'OCTOBER', 'NOVEMBER', 'DECEMBER'];
const DAYS = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];

function field(ranges: Array<Range<number>>, min: number, max: number): string {
  if (ranges.length === 0) return '*';
  return ranges
    .map(({ start, end, step }) => {
      const last = end < start ? start : end;
      const s = step > 1 ? step : 1;
      if (start === min && last === max) return s > 1 ? `*/${s}` : '*';
      if (last === start) return String(start);
      return `${start}-${last}${s > 1 ? `/${s}` : ''}`;
    })
    .join(',');
}

const named = <T extends string>(names: string[], ranges: Array<Range<T>>, offset: number): Array<Range<number>> =>
  ranges.map((r) => ({ start: names.indexOf(r.start) + offset, end: names.indexOf(r.end) + offset, step: r.step }));

export function calendarToCron(c: CalendarSpecDescription): string {
  const cron = [
    field(c.minute, 0, 59),
    field(c.hour, 0, 23),
    field(c.dayOfMonth, 1, 31),
    field(named(MONTHS, c.month, 1), 1, 12),
    field(named(DAYS, c.dayOfWeek, 0), 0, 6),
  ].join(' ');
  const extra: string[] = [];
  const sec = field(c.second, 0, 59);
  if (sec !== '0') extra.push(`second ${sec}`);
  if (c.year.length > 0) extra.push(`year ${field(c.year, 0, 9999)}`);
  return extra.length > 0 ? `${cron} (${extra.join(', ')})` : cron;
}
