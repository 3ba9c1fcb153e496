import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { validateLoadInput, validateSnapshotInput } from '../../activities/loaders/input';
import { streamLockKey } from '../../activities/loaders/lock';
import { ERROR_TYPES } from '../../lib/constants';

const T = '0b9a3f4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const limits = { maxLookbackDays: 3650, now: new Date('2025-03-10T12:00:00Z') };

function failure(fn: () => unknown): ApplicationFailure {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ApplicationFailure);
    return e as ApplicationFailure;
  }
  throw new Error('expected a failure');
}

describe('validateLoadInput', () => {
  it('accepts an incremental load and lower-cases the tenant', () => {
    expect(validateLoadInput({ tenantId: T.toUpperCase() }, limits)).toEqual({ tenantId: T, workflowId: null, full: false });
  });

  it('keeps the caller\'s instant text (microseconds survive) and turns bare dates into UTC midnight', () => {
    expect(validateLoadInput({ tenantId: T, window: { from: '2025-03-01T00:00:00.123456Z', to: '2025-03-08' } }, limits).window).toEqual({
      from: '2025-03-01T00:00:00.123456Z',
      to: '2025-03-08T00:00:00Z',
    });
  });

  it.each([
    [{ tenantId: 'nope' }, 'tenantId must be a uuid (got "nope")'],
    [{ tenantId: T, window: { from: '2025-03-08T00:00:00Z', to: '2025-03-01T00:00:00Z' } }, 'window is reversed: from 2025-03-08T00:00:00Z is after to 2025-03-01T00:00:00Z'],
    [{ tenantId: T, window: { from: '2025-03-01T00:00:00Z', to: '2025-03-01T00:00:00Z' } }, 'window is empty: from and to are both 2025-03-01T00:00:00Z (to is exclusive)'],
    [{ tenantId: T, window: { from: '2025-02-30', to: '2025-03-01' } }, 'window.from is not a calendar date (got "2025-02-30")'],
    [{ tenantId: T, window: { from: '2025-03-01 00:00', to: '2025-03-02' } }, 'window.from must be an ISO-8601 instant with a time zone, e.g. 2025-01-31T00:00:00Z (got "2025-03-01 00:00")'],
    [{ tenantId: T, window: { from: '2015-03-01', to: '2015-03-02' } }, 'window.from 2015-03-01T00:00:00Z is more than ETL_MAX_LOOKBACK_DAYS=3650 days ago (earliest allowed 2015-03-13)'],
  ])('rejects %j: %s', (input, message) => {
    const f = failure(() => validateLoadInput(input, limits));
    expect(f.message).toBe(message);
    expect(f.type).toBe(ERROR_TYPES.invalidInput);
    expect(f.nonRetryable).toBe(true);
  });
});

describe('validateSnapshotInput', () => {
  it('computes the cutoff as the next UTC midnight', () => {
    expect(validateSnapshotInput({ tenantId: T, asOf: '2025-03-09' }, limits)).toEqual({ tenantId: T, asOf: '2025-03-09', cutoff: '2025-03-10T00:00:00.000Z', workflowId: null });
  });

  it('accepts today and rejects tomorrow and malformed dates', () => {
    expect(validateSnapshotInput({ tenantId: T, asOf: '2025-03-10' }, limits).asOf).toBe('2025-03-10');
    expect(failure(() => validateSnapshotInput({ tenantId: T, asOf: '2025-03-11' }, limits)).message).toBe('asOf 2025-03-11 is in the future (today is 2025-03-10 UTC)');
    expect(failure(() => validateSnapshotInput({ tenantId: T, asOf: '10/03/2025' }, limits)).message).toBe('asOf must be a date YYYY-MM-DD (got "10/03/2025")');
  });
});

describe('streamLockKey', () => {
  it('is a stable signed int64 per (tenant, stream), case-insensitive in the tenant', () => {
    const k = streamLockKey(T, 'fact_txn');
    expect(k).toMatch(/^-?\d+$/);
    expect(BigInt(k) >= -(2n ** 63n) && BigInt(k) < 2n ** 63n).toBe(true);
    expect(streamLockKey(T.toUpperCase(), 'fact_txn')).toBe(k);
    expect(streamLockKey(T, 'fact_qc')).not.toBe(k);
  });
});
