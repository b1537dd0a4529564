import { describe, expect, it } from 'vitest';
import {
  addToConfusion,
  averagePrecision,
  baseRate,
  brierScore,
  confusionRates,
  emptyConfusion,
  rocAuc,
  tierOutcomes,
} from './metrics.ts';

describe('ranking metrics', () => {
  const risk = [0.9, 0.8, 0.7, 0.6, 0.55, 0.4];
  const labels = [1, 0, 1, 1, 0, 0];

  it('computes ROC-AUC as the share of positive/negative pairs ranked correctly', () => {
    // Pairs: 0.9 beats 3 negatives, 0.7 and 0.6 beat 2 each → 7 of 9.
    expect(rocAuc(risk, labels)).toBeCloseTo(7 / 9, 12);
  });

  it('counts a tied positive/negative pair as half', () => {
    expect(rocAuc([1, 1, 0, 0], [1, 0, 1, 0])).toBeCloseTo(0.5, 12);
    expect(rocAuc([2, 1, 1, 0], [1, 1, 0, 0])).toBeCloseTo((2 + 1.5) / 4, 12);
  });

  it('computes average precision as precision at each recall step', () => {
    // Positives found at ranks 1, 3, 4: (1/1 + 2/3 + 3/4) / 3.
    expect(averagePrecision(risk, labels)).toBeCloseTo(29 / 36, 12);
  });

  it('treats a tie group as one threshold in average precision', () => {
    expect(averagePrecision([1, 1, 0, 0], [1, 0, 1, 0])).toBeCloseTo(0.5 * 0.5 + 0.5 * 0.5, 12);
  });

  it('returns NaN when only one class is present', () => {
    expect(rocAuc([1, 2], [1, 1])).toBeNaN();
    expect(averagePrecision([1, 2], [0, 0])).toBeNaN();
  });

  it('is 1 for a perfect ranking and 0 for a reversed one', () => {
    expect(rocAuc([3, 2, 1], [1, 0, 0])).toBe(1);
    expect(rocAuc([1, 2, 3], [1, 0, 0])).toBe(0);
    expect(averagePrecision([3, 2, 1], [1, 0, 0])).toBe(1);
  });
});

describe('probability and rate metrics', () => {
  it('computes the Brier score as mean squared error', () => {
    expect(brierScore([0.9, 0.2], [1, 0])).toBeCloseTo((0.01 + 0.04) / 2, 12);
  });

  it('computes the base rate', () => {
    expect(baseRate([1, 0, 0, 0])).toBe(0.25);
  });

  it('derives precision, recall, FPR and FNR from confusion counts', () => {
    const counts = emptyConfusion();
    const flagged = [true, true, true, false, false, false, false, false];
    const churned = [true, true, false, true, false, false, false, false];
    flagged.forEach((f, i) => addToConfusion(counts, f, churned[i] as boolean));
    const rates = confusionRates(counts);
    expect(rates).toMatchObject({ truePositives: 2, falsePositives: 1, falseNegatives: 1, trueNegatives: 4 });
    expect(rates.precision).toBeCloseTo(2 / 3, 12);
    expect(rates.recall).toBeCloseTo(2 / 3, 12);
    expect(rates.falsePositiveRate).toBeCloseTo(1 / 5, 12);
    expect(rates.falseNegativeRate).toBeCloseTo(1 / 3, 12);
  });

  it('reports churn rate and lift over the base rate per tier', () => {
    const counts = new Map([
      ['Healthy', { snapshots: 60, positives: 3 }],
      ['At Risk', { snapshots: 30, positives: 6 }],
      ['Critical', { snapshots: 10, positives: 6 }],
    ]);
    const result = tierOutcomes(counts, ['Healthy', 'At Risk', 'Critical']);
    // Base rate 15/100; Critical 6/10 → lift 4.
    expect(result.map((t) => t.tier)).toEqual(['Healthy', 'At Risk', 'Critical']);
    expect(result[2]?.rate).toBeCloseTo(0.6, 12);
    expect(result[2]?.lift).toBeCloseTo(4, 12);
    expect(result[0]?.lift).toBeCloseTo(0.05 / 0.15, 12);
  });
});
