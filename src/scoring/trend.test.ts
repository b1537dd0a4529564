import { describe, expect, it } from 'vitest';
import { computeTrend, leastSquaresSlope, type ScoreSnapshot } from './trend.ts';

const at = (day: number) => new Date(Date.UTC(2025, 5, day));
const snap = (day: number, score: number | null, modelVersion = 1): ScoreSnapshot => ({
  at: at(day), score, modelId: 'default', modelVersion,
});

describe('trend', () => {
  it('reports a decline over the 30-day window as customer movement', () => {
    const trend = computeTrend([snap(1, 80), snap(10, 75), snap(20, 70)], snap(31, 62));
    expect(trend).toMatchObject({ change: -18, customerChange: -18, cause: 'customer', direction: 'declining' });
    expect(trend.slopePerDay).toBeLessThan(0);
  });

  it('calls small movement stable', () => {
    expect(computeTrend([snap(1, 70)], snap(31, 72)).direction).toBe('stable');
  });

  it('reports a jump caused by a new model version as a model change, not as customer movement', () => {
    const trend = computeTrend([snap(1, 80), snap(10, 80), snap(20, 80, 1)], snap(31, 60, 2));
    expect(trend).toMatchObject({ change: -20, customerChange: 0, modelChange: -20, cause: 'model_change', direction: 'stable' });
  });

  it('separates customer movement from a version switch in the same window', () => {
    const trend = computeTrend([snap(1, 80), snap(15, 79, 2)], snap(31, 69, 2));
    expect(trend.customerChange).toBe(-10);
    expect(trend.modelChange).toBe(-1);
    expect(trend).toMatchObject({ cause: 'customer', direction: 'declining' });
  });

  it('skips insufficient-data snapshots and is unknown without history', () => {
    expect(computeTrend([snap(1, null)], snap(31, 50)).direction).toBe('unknown');
    expect(computeTrend([snap(1, 50)], snap(31, null)).direction).toBe('unknown');
  });

  it('fits a least-squares slope in points per day', () => {
    expect(leastSquaresSlope([snap(1, 10), snap(2, 12), snap(3, 14)])).toBeCloseTo(2, 9);
    expect(leastSquaresSlope([snap(1, 10)])).toBeNull();
  });
});
