import { describe, expect, it } from 'vitest';
import { WEEK_MS } from './calendar.ts';
import { usageDecline, valuesBefore } from './describe-portfolio.ts';

const EVENT = Date.UTC(2026, 0, 1);

/** Weekly points ending the week before the event, oldest first. */
function weekly(values: readonly number[]): [number, number][] {
  return values.map((v, i) => [EVENT - (values.length - i) * WEEK_MS, v]);
}

describe('usageDecline', () => {
  it('dates a real fall from the last peak and from when it became visible', () => {
    const flat = new Array<number>(20).fill(0.6);
    const falling = [0.6, 0.55, 0.5, 0.45, 0.4, 0.35, 0.3, 0.25];
    const decline = usageDecline(weekly([...flat, ...falling]), EVENT);
    expect(decline).not.toBeNull();
    // The 4-week average last stands at its 0.6 peak on the first falling week (still 0.6),
    // eight weeks before the event.
    expect(decline?.fromPeakWeeks).toBe(8);
    // It first sits 15 % below the peak (≤ 0.51) with 0.55, 0.5, 0.45, 0.4 (0.475): four weeks before.
    expect(decline?.visibleWeeks).toBe(4);
  });

  it('finds no decline in a flat, noisy series or one with too little history', () => {
    const noisy = Array.from({ length: 30 }, (_, i) => 0.6 + (i % 2 ? 0.03 : -0.03));
    expect(usageDecline(weekly(noisy), EVENT)).toBeNull();
    expect(usageDecline(weekly([0.6, 0.5, 0.3, 0.2]), EVENT)).toBeNull();
  });

  it('looks only at observations strictly before the event', () => {
    const points = weekly([1, 2, 3]);
    points.push([EVENT, 99]);
    expect(valuesBefore(points, EVENT, 2)).toEqual([2, 3]);
  });
});
