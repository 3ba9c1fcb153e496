import { describe, expect, it } from 'vitest';
import { boundParam, watermarkWindow } from '../../activities/loaders/watermark';

const now = new Date('2025-03-10T12:00:00.000Z');

describe('watermarkWindow', () => {
  it('first load (no watermark) reads from -infinity up to now - safety lag', () => {
    const w = watermarkWindow({ watermark: null, now, overlapMinutes: 120, safetyLagSeconds: 60 });
    expect(w.from).toBeNull();
    expect(w.to.toISOString()).toBe('2025-03-10T11:59:00.000Z');
    expect(boundParam(w.from)).toBe('-infinity');
  });

  it('re-reads the overlap behind the watermark', () => {
    const w = watermarkWindow({ watermark: new Date('2025-03-10T11:14:00.000Z'), now, overlapMinutes: 120, safetyLagSeconds: 60 });
    expect(w.from!.toISOString()).toBe('2025-03-10T09:14:00.000Z');
    expect(w.to.toISOString()).toBe('2025-03-10T11:59:00.000Z');
  });

  it('with overlap 0 consecutive windows tile exactly: the next starts where the last ended', () => {
    const first = watermarkWindow({ watermark: null, now, overlapMinutes: 0, safetyLagSeconds: 60 });
    const second = watermarkWindow({ watermark: first.to, now: new Date(now.getTime() + 3_600_000), overlapMinutes: 0, safetyLagSeconds: 60 });
    expect(second.from!.getTime()).toBe(first.to.getTime());
    expect(second.to.toISOString()).toBe('2025-03-10T12:59:00.000Z');
  });

  it('full ignores the watermark', () => {
    const w = watermarkWindow({ watermark: new Date('2025-03-10T11:00:00Z'), now, overlapMinutes: 120, safetyLagSeconds: 60, full: true });
    expect(w.from).toBeNull();
    expect(w.to.toISOString()).toBe('2025-03-10T11:59:00.000Z');
  });

  it('a watermark ahead of now - lag gives an empty window, never a reversed one', () => {
    const w = watermarkWindow({ watermark: new Date('2025-03-10T14:00:00Z'), now, overlapMinutes: 30, safetyLagSeconds: 60 });
    expect(w.from!.toISOString()).toBe('2025-03-10T11:59:00.000Z');
    expect(w.to.toISOString()).toBe('2025-03-10T11:59:00.000Z');
  });
});
