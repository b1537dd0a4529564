import { describe, expect, it } from 'vitest';
import { fitLogisticRegression, predictProbability, sigmoid } from './logistic-regression.ts';
import { seededRandom } from './seeded-random.ts';

describe('logistic regression', () => {
  it('reaches the closed-form maximum-likelihood fit for one binary feature', () => {
    // x=0: 3 of 4 positive → logit log 3; x=1: 1 of 4 → logit −log 3.
    const rows = [[0], [0], [0], [0], [1], [1], [1], [1]];
    const y = [1, 1, 1, 0, 1, 0, 0, 0];
    const model = fitLogisticRegression(rows, y, { l2: 0 });
    expect(model.converged).toBe(true);
    expect(model.intercept).toBeCloseTo(Math.log(3), 6);
    expect(model.coefficients[0]).toBeCloseTo(-2 * Math.log(3), 6);
    expect(predictProbability(model, [1])).toBeCloseTo(0.25, 6);
  });

  it('recovers the coefficients that generated the data', () => {
    const random = seededRandom(42);
    const rows: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 20_000; i += 1) {
      const a = random() * 4 - 2;
      const b = random() * 10;
      rows.push([a, b]);
      y.push(random() < sigmoid(0.5 + 1.2 * a - 0.3 * b) ? 1 : 0);
    }
    const model = fitLogisticRegression(rows, y, { l2: 0.001 });
    expect(model.coefficients[0]).toBeCloseTo(1.2, 1);
    expect(model.coefficients[1]).toBeCloseTo(-0.3, 1);
    expect(model.intercept).toBeCloseTo(0.5, 0);
  });

  it('shrinks coefficients as the penalty grows and keeps them finite on separable data', () => {
    const rows = [[0], [1], [2], [3]];
    const y = [0, 0, 1, 1];
    const weak = fitLogisticRegression(rows, y, { l2: 0.01 });
    const strong = fitLogisticRegression(rows, y, { l2: 10 });
    expect(Number.isFinite(weak.coefficients[0])).toBe(true);
    expect(Math.abs(strong.coefficients[0] as number)).toBeLessThan(Math.abs(weak.coefficients[0] as number));
  });

  it('ignores a constant feature', () => {
    const model = fitLogisticRegression([[1, 5], [2, 5], [3, 5], [4, 5]], [0, 1, 0, 1], { l2: 1 });
    expect(model.coefficients[1]).toBe(0);
  });

  it('is deterministic', () => {
    const rows = [[1, 2], [2, 1], [3, 5], [4, 3], [0, 0]];
    const y = [0, 1, 0, 1, 1];
    expect(fitLogisticRegression(rows, y)).toEqual(fitLogisticRegression(rows, y));
  });

  it('treats a weight of k like k copies of a row', () => {
    const weighted = fitLogisticRegression([[0], [1], [2]], [0, 1, 1], { l2: 0.5, weights: [3, 1, 2] });
    const copied = fitLogisticRegression([[0], [0], [0], [1], [2], [2]], [0, 0, 0, 1, 1, 1], { l2: 0.5 });
    expect(weighted.coefficients[0]).toBeCloseTo(copied.coefficients[0] as number, 8);
    expect(weighted.intercept).toBeCloseTo(copied.intercept, 8);
  });
});
