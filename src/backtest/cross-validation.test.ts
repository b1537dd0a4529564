import { describe, expect, it } from 'vitest';
import { crossValidate, dedupe, stratifiedFolds, stratifiedGroupFolds } from './cross-validation.ts';
import { applyPlatt, fitPlatt } from './calibration.ts';

describe('stratified k-fold', () => {
  const labels = Array.from({ length: 103 }, (_, i) => (i % 5 === 0 ? 1 : 0));

  it('spreads positives evenly across folds', () => {
    const folds = stratifiedFolds(labels, 5, 1);
    for (let f = 0; f < 5; f += 1) {
      const positives = labels.filter((y, i) => y === 1 && folds[i] === f).length;
      const size = labels.filter((_, i) => folds[i] === f).length;
      expect(positives === 4 || positives === 5).toBe(true);
      expect(size === 20 || size === 21).toBe(true);
    }
  });

  it('assigns the same folds for the same seed and different folds for another', () => {
    expect(stratifiedFolds(labels, 5, 1)).toEqual(stratifiedFolds(labels, 5, 1));
    expect(stratifiedFolds(labels, 5, 1)).not.toEqual(stratifiedFolds(labels, 5, 2));
  });

  it('refuses folds without enough positives', () => {
    expect(() => stratifiedFolds([1, 0, 0, 0, 0, 0], 5, 1)).toThrow(/at least 5 positives/);
  });

  it('predicts every row exactly once from a model that did not train on it', () => {
    const seen = new Array<number>(labels.length).fill(0);
    const result = crossValidate(labels, { folds: 5, seed: 3, predictionsAreProbabilities: false }, (train, test) => {
      const trainSet = new Set(train);
      for (const t of test) {
        expect(trainSet.has(t)).toBe(false);
        seen[t] = (seen[t] as number) + 1;
      }
      return test.map((i) => labels[i] as number);
    });
    expect(seen.every((count) => count === 1)).toBe(true);
    expect(result.rocAuc).toBe(1);
  });

  it('drops exact duplicates before folding', () => {
    const { kept, removed } = dedupe([[1, 2], [1, 2], [2, 1]], (r) => r.join(','));
    expect(kept).toEqual([[1, 2], [2, 1]]);
    expect(removed).toBe(1);
  });
});

describe('Platt calibration', () => {
  it('maps a predictor to observed frequencies', () => {
    const x: number[] = [];
    const y: number[] = [];
    // At x=0 20% churn, at x=1 80% churn.
    for (let i = 0; i < 500; i += 1) {
      x.push(0, 1);
      y.push(i % 5 === 0 ? 1 : 0, i % 5 === 0 ? 0 : 1);
    }
    const platt = fitPlatt(x, y);
    expect(applyPlatt(platt, 0)).toBeCloseTo(0.2, 2);
    expect(applyPlatt(platt, 1)).toBeCloseTo(0.8, 2);
  });

  it('fits binned counts exactly like the rows they summarise', () => {
    const binned = fitPlatt([0, 0, 1, 1], [1, 0, 1, 0], [20, 80, 80, 20]);
    const rows = fitPlatt(
      [...Array(100).fill(0), ...Array(100).fill(1)],
      [...Array(20).fill(1), ...Array(80).fill(0), ...Array(80).fill(1), ...Array(20).fill(0)],
    );
    expect(binned.slope).toBeCloseTo(rows.slope, 8);
    expect(binned.intercept).toBeCloseTo(rows.intercept, 8);
  });
});

describe('stratified group folds', () => {
  it('keeps every snapshot of an account in one fold', () => {
    const groups = Array.from({ length: 300 }, (_, i) => Math.floor(i / 3));
    const labels = groups.map((g) => (g % 4 === 0 ? 1 : 0));
    const folds = stratifiedGroupFolds(labels, groups, 5, 9);
    for (let i = 0; i < 300; i += 3) {
      expect(folds[i + 1]).toBe(folds[i]);
      expect(folds[i + 2]).toBe(folds[i]);
    }
  });
});
