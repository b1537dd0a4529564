import { describe, expect, it } from 'vitest';
import { averagePrecision, brierScore, rocAuc } from './metrics.ts';
import { seededRandom } from './seeded-random.ts';
import { ProbabilityAccumulator, scoreHistogram } from './streaming-metrics.ts';

describe('streaming metrics', () => {
  const random = seededRandom(7);
  const scores: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < 5000; i += 1) {
    const score = Math.round(random() * 100);
    scores.push(score);
    labels.push(random() < 0.6 - score / 200 ? 1 : 0);
  }

  it('gives exactly the array ROC-AUC and PR-AUC for integer scores', () => {
    const histogram = scoreHistogram();
    scores.forEach((s, i) => histogram.add(s, labels[i] === 1));
    const risk = scores.map((s) => -s);
    expect(histogram.rocAuc('low-bins-riskier')).toBeCloseTo(rocAuc(risk, labels), 12);
    expect(histogram.averagePrecision('low-bins-riskier')).toBeCloseTo(averagePrecision(risk, labels), 12);
  });

  it('keeps the same memory whatever the number of snapshots', () => {
    const histogram = scoreHistogram();
    for (let i = 0; i < 100_000; i += 1) histogram.add(i % 101, i % 3 === 0);
    expect(histogram.positives.length).toBe(101);
    expect(histogram.total()).toEqual({ positives: 33_334, negatives: 66_666 });
  });

  it('computes an exact Brier score and near-exact ranking metrics for probabilities', () => {
    const probabilities = scores.map((s) => 1 - s / 100 + 0.0000123);
    const clipped = probabilities.map((p) => Math.min(1, p));
    const accumulator = new ProbabilityAccumulator();
    clipped.forEach((p, i) => accumulator.add(p, labels[i] === 1));
    expect(accumulator.brierScore()).toBeCloseTo(brierScore(clipped, labels), 12);
    expect(accumulator.rocAuc()).toBeCloseTo(rocAuc(clipped, labels), 4);
    const bands = accumulator.reliability();
    expect(bands.reduce((a, b) => a + b.count, 0)).toBe(5000);
  });
});
