/**
 * dim_date: business days exclude weekends and observed US Federal Reserve holidays, and
 * reporting.ensure_dim_date extends the calendar idempotently so fact dates never break the FK.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/db';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('schema_dim_date');
});
afterAll(async () => {
  await db?.drop();
});

const day = async (d: string) =>
  (await db.pool.query(`SELECT is_busday, holiday_name, dow::int FROM reporting.dim_date WHERE d = $1`, [d])).rows[0];

describe('dim_date', () => {
  it.each([
    ['2026-07-03', false, 'Independence Day (observed)'], // July 4 2026 is a Saturday: observed Friday
    ['2026-07-04', false, null], // the Saturday itself: a weekend
    ['2026-11-26', false, 'Thanksgiving Day'], // fourth Thursday of November
    ['2026-11-27', true, null], // the Friday after is a business day
    ['2026-11-28', false, null], // Saturday
    ['2026-11-29', false, null], // Sunday
    ['2026-01-19', false, 'Birthday of Martin Luther King, Jr.'], // third Monday of January
    ['2026-02-16', false, 'Washington\'s Birthday'],
    ['2026-05-25', false, 'Memorial Day'], // last Monday of May
    ['2026-06-19', false, 'Juneteenth National Independence Day'],
    ['2026-09-07', false, 'Labor Day'],
    ['2026-10-12', false, 'Columbus Day'],
    ['2026-11-11', false, 'Veterans Day'],
    ['2026-12-25', false, 'Christmas Day'],
    ['2026-12-24', true, null],
    ['2022-06-20', false, 'Juneteenth National Independence Day (observed)'], // June 19 2022 is a Sunday: observed Monday
    ['2027-12-31', false, 'New Year\'s Day (observed)'], // January 1 2028 is a Saturday: observed the Friday before
    ['2020-06-19', true, null], // Juneteenth became a federal holiday in 2021
  ])('%s business day: %s (%s)', async (d, busday, name) => {
    expect(await day(d)).toMatchObject({ is_busday: busday, holiday_name: name });
  });

  it('2026 has 261 weekdays, 11 holidays on them, 250 business days', async () => {
    const r = await db.pool.query(
      `SELECT count(*) FILTER (WHERE dow BETWEEN 1 AND 5)::int AS weekdays,
              count(*) FILTER (WHERE holiday_name IS NOT NULL)::int AS holidays,
              count(*) FILTER (WHERE is_busday)::int AS busdays
       FROM reporting.dim_date WHERE y = 2026`,
    );
    expect(r.rows[0]).toEqual({ weekdays: 261, holidays: 11, busdays: 250 });
  });

  it('covers 2000-01-01 .. 2040-12-31 without gaps after migration', async () => {
    const r = await db.pool.query(`SELECT min(d)::text AS lo, max(d)::text AS hi, count(*)::int AS n FROM reporting.dim_date`);
    expect(r.rows[0]).toEqual({ lo: '2000-01-01', hi: '2040-12-31', n: 14976 });
  });

  it('ensure_dim_date extends the calendar, idempotently, in both directions', async () => {
    const add = async (from: string, to: string) =>
      (await db.pool.query<{ n: number }>(`SELECT reporting.ensure_dim_date($1, $2) AS n`, [from, to])).rows[0].n;
    expect(await add('2041-01-01', '2041-01-10')).toBe(10);
    expect(await add('2041-01-01', '2041-01-10')).toBe(0);
    expect(await add('2040-12-30', '2041-01-12')).toBe(2); // overlapping: only the missing days
    expect(await day('2041-01-01')).toMatchObject({ is_busday: false, holiday_name: 'New Year\'s Day' });
    expect(await add('1999-12-25', '1999-12-31')).toBe(7);
    // January 1 2000 is a Saturday: observed on Friday December 31 1999, a day the initial range did not hold.
    expect(await day('1999-12-31')).toMatchObject({ is_busday: false, holiday_name: 'New Year\'s Day (observed)' });
  });

  it('ensure_dim_date rejects a reversed range with a clear error and adds nothing', async () => {
    const before = (await db.pool.query(`SELECT count(*)::int AS n FROM reporting.dim_date`)).rows[0].n;
    await expect(db.pool.query(`SELECT reporting.ensure_dim_date('2050-01-02', '2050-01-01')`)).rejects.toMatchObject({
      code: '22023',
      message: expect.stringContaining('invalid range'),
    });
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM reporting.dim_date`)).rows[0].n).toBe(before);
  });
});
