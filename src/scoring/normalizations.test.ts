import { describe, expect, it } from 'vitest';
import { bandScore, linearScore, normalize, percentileScore, segmentReference } from './normalizations.ts';

describe('normalisations', () => {
  it('is linear between the anchors and clamped outside them, in either direction', () => {
    expect(linearScore(0.4, 0.1, 0.7)).toBeCloseTo(50, 9);
    expect(linearScore(-1, 0.1, 0.7)).toBe(0);
    expect(linearScore(5, 0.1, 0.7)).toBe(100);
    expect(linearScore(52, 90, 14)).toBeCloseTo(50, 9);
  });

  it('is linear in ln(1 + x) for the log scale', () => {
    const half = Math.expm1((Math.log1p(0) + Math.log1p(6)) / 2);
    expect(normalize({ type: 'log', bad: 0, good: 6 }, 'higher_is_better', half)).toBeCloseTo(50, 9);
    expect(normalize({ type: 'log', bad: 0, good: 6 }, 'higher_is_better', 1)!).toBeGreaterThan(100 / 6);
  });

  it('steps through bands', () => {
    const thresholds = Float64Array.from([1, 2, 3]);
    const scores = Float64Array.from([100, 50, 20, 0]);
    expect([0, 1, 2.5, 3, 9].map((v) => bandScore(v, thresholds, scores))).toEqual([100, 50, 20, 0, 0]);
  });

  it('ranks within the segment, ties counting half, best at 100', () => {
    const reference = segmentReference([10, 20, 30, 40, Number.NaN]);
    expect(reference.length).toBe(4);
    expect(percentileScore(25, reference, true)).toBe(50);
    expect(percentileScore(40, reference, true)).toBe(87.5);
    expect(percentileScore(40, reference, false)).toBe(12.5);
    expect(normalize({ type: 'percentile' }, 'higher_is_better', 5)).toBeNull();
  });
});
