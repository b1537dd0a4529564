/** Value → 0–100 for one factor. Small scalar functions so the compiled hot path inlines them. */
import type { Direction } from './metric-catalogue.ts';
import type { Normalization } from './model-schema.ts';

/** 0 at the bad anchor, 100 at the good one, clamped; works for either direction because the anchors carry it. */
export function linearScore(value: number, bad: number, good: number): number {
  const t = (value - bad) / (good - bad);
  return t <= 0 ? 0 : t >= 1 ? 100 : t * 100;
}

/** linearScore with 100 / (good − bad) precomputed: the compiled hot path's form. */
export function scaledScore(value: number, bad: number, scale: number): number {
  const s = (value - bad) * scale;
  return s <= 0 ? 0 : s >= 100 ? 100 : s;
}

/** The log transform applied to values and anchors: ln(1 + x), with negatives treated as 0. */
export function logTransform(value: number): number {
  return Math.log1p(value > 0 ? value : 0);
}

/** thresholds ascending; value < thresholds[0] scores scores[0], and so on. */
export function bandScore(value: number, thresholds: Float64Array, scores: Float64Array): number {
  let i = 0;
  while (i < thresholds.length && value >= thresholds[i]!) i++;
  return scores[i]!;
}

/**
 * Mid-rank percentile of value within a sorted reference (the segment's values), turned so 100 is best.
 * Ties count half, so an account equal to everyone else scores 50, not 0 or 100.
 */
export function percentileScore(value: number, sortedReference: ArrayLike<number>, higherIsBetter: boolean): number {
  const n = sortedReference.length;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sortedReference[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  const below = lo;
  hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sortedReference[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  const pct = ((below + (lo - below) / 2) / n) * 100;
  return higherIsBetter ? pct : 100 - pct;
}

/** Sorted copy of a segment's values, the reference a percentile factor needs. */
export function segmentReference(values: Iterable<number>): Float64Array {
  const finite = Array.from(values).filter((v) => Number.isFinite(v));
  return Float64Array.from(finite).sort();
}

/** One value through one normalisation; the reference is needed only for percentile. */
export function normalize(
  normalization: Normalization,
  direction: Direction,
  value: number,
  reference?: ArrayLike<number>,
): number | null {
  switch (normalization.type) {
    case 'linear':
      return linearScore(value, normalization.bad, normalization.good);
    case 'log':
      return linearScore(logTransform(value), logTransform(normalization.bad), logTransform(normalization.good));
    case 'bands':
      return bandScore(value, Float64Array.from(normalization.thresholds), Float64Array.from(normalization.scores));
    case 'percentile':
      return reference && reference.length > 0 ? percentileScore(value, reference, direction === 'higher_is_better') : null;
  }
}
