import { describe, expect, it } from 'vitest';
import { createRandom, deriveSeed } from './random.ts';

function draws(seed: number, count: number): number[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => random.next());
}

function meanAndSd(values: readonly number[]): { mean: number; sd: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, sd: Math.sqrt(variance) };
}

describe('seeded random', () => {
  it('repeats the same sequence for the same seed and diverges for another', () => {
    expect(draws(7, 50)).toEqual(draws(7, 50));
    expect(draws(7, 50)).not.toEqual(draws(8, 50));
  });

  it('stays in [0, 1) and is roughly uniform', () => {
    const values = draws(123, 100_000);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const buckets = new Array<number>(10).fill(0);
    for (const v of values) buckets[Math.floor(v * 10)] += 1;
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it('derives distinct, stable seeds per stream so accounts replay independently', () => {
    expect(deriveSeed(42, 1, 2)).toBe(deriveSeed(42, 1, 2));
    const seeds = new Set<number>();
    for (let account = 0; account < 1000; account += 1) {
      for (const stream of [1, 2, 3]) seeds.add(deriveSeed(42, account, stream));
    }
    expect(seeds.size).toBe(3000);
    expect(deriveSeed(42, 1, 2)).not.toBe(deriveSeed(42, 2, 1));
  });

  it('draws normals, lognormals, Poisson counts and Bernoulli trials with the asked moments', () => {
    const random = createRandom(99);
    const normals = Array.from({ length: 50_000 }, () => random.normal(3, 2));
    const n = meanAndSd(normals);
    expect(n.mean).toBeCloseTo(3, 1);
    expect(n.sd).toBeCloseTo(2, 1);

    const logs = Array.from({ length: 50_000 }, () => Math.log(random.lognormal(1, 0.5)));
    expect(meanAndSd(logs).mean).toBeCloseTo(1, 1);
    expect(meanAndSd(logs).sd).toBeCloseTo(0.5, 1);

    for (const lambda of [0.3, 4, 50]) {
      const counts = Array.from({ length: 20_000 }, () => random.poisson(lambda));
      expect(counts.every((c) => Number.isInteger(c) && c >= 0)).toBe(true);
      expect(Math.abs(meanAndSd(counts).mean - lambda)).toBeLessThan(0.05 * lambda + 0.02);
    }
    expect(random.poisson(0)).toBe(0);

    const hits = Array.from({ length: 20_000 }, () => random.bernoulli(0.2)).filter(Boolean).length;
    expect(hits / 20_000).toBeCloseTo(0.2, 1);
  });

  it('picks by weight and within integer bounds', () => {
    const random = createRandom(5);
    const counts = { a: 0, b: 0 };
    for (let i = 0; i < 20_000; i += 1) counts[random.weighted([['a', 3], ['b', 1]] as const)] += 1;
    expect(counts.a / 20_000).toBeCloseTo(0.75, 1);
    const ints = Array.from({ length: 5000 }, () => random.int(2, 4));
    expect(new Set(ints)).toEqual(new Set([2, 3, 4]));
    expect(() => random.pick([])).toThrow(/empty/);
    expect(() => random.weighted([['a', 0]])).toThrow(/positive/);
  });
});
