/**
 * A small seeded PRNG for the demo portfolio. The generator must be byte-for-byte reproducible
 * from a seed on every platform, so it never touches Math.random and only uses 32-bit integer
 * arithmetic (Math.imul) whose results are defined exactly by the language.
 */

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** Uniform integer in [min, max], both ends included. */
  int(min: number, max: number): number;
  normal(mean?: number, sd?: number): number;
  /** exp(N(mu, sigma)): a positive, right-skewed quantity such as seats or reply times. */
  lognormal(mu: number, sigma: number): number;
  bernoulli(p: number): boolean;
  poisson(lambda: number): number;
  pick<T>(items: readonly T[]): T;
  /** Picks by relative weight; weights need not sum to 1. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T;
}

/** Murmur3's 32-bit finaliser: spreads every input bit over the output so nearby seeds diverge. */
function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Combines a seed with stream coordinates (account index, purpose) into an independent seed, so
 * each account's story can be replayed on its own without drawing through every other account.
 */
export function deriveSeed(seed: number, ...parts: readonly number[]): number {
  let h = mix32(seed ^ 0x9e3779b9);
  for (const part of parts) {
    h = mix32(h ^ mix32(Math.imul(part | 0, 0x27d4eb2d) + 0x165667b1));
  }
  return h;
}

/** mulberry32: 32 bits of state, period 2^32, passes the statistical tests that matter here. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  // Box–Muller yields normals in pairs; keeping the spare halves the cost of normal draws.
  let spareNormal: number | null = null;

  function next(): number {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  function standardNormal(): number {
    if (spareNormal !== null) {
      const value = spareNormal;
      spareNormal = null;
      return value;
    }
    // 1 - next() lies in (0, 1], so the logarithm is always finite.
    const radius = Math.sqrt(-2 * Math.log(1 - next()));
    const angle = 2 * Math.PI * next();
    spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  const random: Random = {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    normal: (mean = 0, sd = 1) => mean + sd * standardNormal(),
    lognormal: (mu, sigma) => Math.exp(mu + sigma * standardNormal()),
    bernoulli: (p) => next() < p,
    poisson(lambda) {
      if (lambda <= 0) return 0;
      if (lambda > 30) {
        // Knuth's product method needs e^-lambda, which underflows usefulness for large rates.
        return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * standardNormal()));
      }
      const limit = Math.exp(-lambda);
      let count = 0;
      let product = next();
      while (product > limit) {
        count += 1;
        product *= next();
      }
      return count;
    },
    pick(items) {
      if (items.length === 0) throw new Error('cannot pick from an empty list');
      return items[Math.floor(next() * items.length)];
    },
    weighted(choices) {
      const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
      if (!(total > 0)) throw new Error('weighted choice needs a positive total weight');
      let threshold = next() * total;
      for (const [value, weight] of choices) {
        threshold -= weight;
        if (threshold < 0) return value;
      }
      // Floating-point rounding can leave a sliver above the last bucket.
      return choices[choices.length - 1][0];
    },
  };
  return random;
}
