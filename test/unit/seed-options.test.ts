/**
 * Seed options are validated before anything touches the database: bad input gets one message
 * naming every problem (the CLI prints it and exits 2).
 */
import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../lib/errors';
import { SEED_DEFAULTS, SEED_LIMITS, startOfUtcDay, validateSeedOptions } from '../../lib/seed';

describe('validateSeedOptions', () => {
  it('accepts the demo defaults and the benchmark size', () => {
    expect(SEED_DEFAULTS).toEqual({ tenants: 3, loans: 500, days: 90, seed: 42 });
    expect(() => validateSeedOptions({ ...SEED_DEFAULTS })).not.toThrow();
    expect(() => validateSeedOptions({ tenants: 10, loans: 10_000, days: 3 * 365, seed: 1 })).not.toThrow();
  });

  it('names every bad option in one message', () => {
    let err: unknown;
    try {
      validateSeedOptions({ tenants: 0, loans: 1.5, days: SEED_LIMITS.days + 1, seed: -1, asOf: new Date('nope') });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BadInputError);
    const message = (err as Error).message;
    expect(message).toBe(
      'invalid seed options: tenants must be a whole number from 1 to 100 (got 0); loans must be a whole number from 1 to 1000000 (got 1.5); ' +
        'days must be a whole number from 1 to 3650 (got 3651); seed must be a whole number from 0 to 9007199254740991 (got -1); asOf is not a valid date',
    );
  });
});

describe('startOfUtcDay', () => {
  it('truncates to 00:00 UTC (the default asOf)', () => {
    expect(startOfUtcDay(new Date('2026-11-27T23:59:59.999Z')).toISOString()).toBe('2026-11-27T00:00:00.000Z');
    expect(startOfUtcDay(new Date('2026-11-27T00:00:00.000Z')).toISOString()).toBe('2026-11-27T00:00:00.000Z');
  });
});
