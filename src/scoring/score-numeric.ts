/**
 * The hot path: one account's metric values → factor, category and overall scores, with no
 * allocation. scoreAccount, the CLI and the backtest all go through here.
 */
import { CATEGORY_IDS } from './metric-catalogue.ts';
import {
  NORM_BANDS,
  NORM_LINEAR,
  NORM_LOG,
  type CompiledModel,
} from './compile-model.ts';
import { bandScore, logTransform, percentileScore, scaledScore } from './normalizations.ts';

export const STATUS_OK = 0;
export const STATUS_MISSING = 1;
export const STATUS_STALE = 2;
export const STATUS_NO_SEATS = 3;
export const STATUS_NO_REFERENCE = 4;

export const FACTOR_STATUSES = ['ok', 'missing', 'stale', 'no_seats', 'no_reference'] as const;
export type FactorStatus = (typeof FACTOR_STATUSES)[number];

const CATEGORY_COUNT = CATEGORY_IDS.length;

/** Reusable output buffers; create one per worker with createNumericScore and pass it to every call. */
export interface NumericScore {
  /** Weighted mean of the categories with data, unrounded; NaN when no factor had fresh data. */
  rawScore: number;
  /** Share of configured weight that had fresh data (0–1). */
  confidence: number;
  /** NaN where the factor's status is not ok. */
  readonly factorScores: Float64Array;
  readonly factorStatus: Uint8Array;
  /** NaN for a category with no usable factor. */
  readonly categoryScores: Float64Array;
  /** Sum of within-category factor weights that had data, per category (the redistribution divisor). */
  readonly categoryPresentWeight: Float64Array;
  /** Sum of category weights that had data (the across-category divisor). */
  presentCategoryWeight: number;
}

export function createNumericScore(compiled: CompiledModel): NumericScore {
  return {
    rawScore: Number.NaN,
    confidence: 0,
    factorScores: new Float64Array(compiled.factorCount),
    factorStatus: new Uint8Array(compiled.factorCount),
    categoryScores: new Float64Array(CATEGORY_COUNT),
    categoryPresentWeight: new Float64Array(CATEGORY_COUNT),
    presentCategoryWeight: 0,
  };
}

/**
 * values[offset + m] is the latest value of metric m (compiled.metrics order) at or before as-of, NaN when
 * absent; ageDays[offset + m] is its age in days. Missing, stale and unscalable factors lend their weight to
 * the rest of their category, an empty category to the other categories — never imputed as neutral.
 */
export function scoreNumeric(
  c: CompiledModel,
  values: Float64Array,
  ageDays: Float64Array,
  offset: number,
  seats: number,
  out: NumericScore,
  references?: ReadonlyArray<ArrayLike<number> | undefined>,
): void {
  const sums = out.categoryScores;
  const present = out.categoryPresentWeight;
  for (let k = 0; k < CATEGORY_COUNT; k++) {
    sums[k] = 0;
    present[k] = 0;
  }
  // Locals, not property loads, inside the loop: this runs a million times a second.
  const factorMetric = c.factorMetric;
  const maxAgeDays = c.maxAgeDays;
  const perSeat = c.perSeat;
  const normKind = c.normKind;
  const bad = c.anchorBad;
  const scale = c.anchorScale;
  const factorCategory = c.factorCategory;
  const factorWeight = c.factorWeight;
  const configuredShare = c.configuredShare;
  const factorScores = out.factorScores;
  const factorStatus = out.factorStatus;
  let confidence = 0;
  const n = c.factorCount;
  for (let i = 0; i < n; i++) {
    const m = offset + factorMetric[i]!;
    let x = values[m]!;
    let status = STATUS_OK;
    let score = Number.NaN;
    if (x !== x) {
      status = STATUS_MISSING;
    } else if (ageDays[m]! > maxAgeDays[i]!) {
      status = STATUS_STALE;
    } else {
      if (perSeat[i] === 1) {
        if (seats > 0) x = x / seats;
        else status = STATUS_NO_SEATS;
      }
      if (status === STATUS_OK) {
        const kind = normKind[i];
        if (kind === NORM_LINEAR) score = scaledScore(x, bad[i]!, scale[i]!);
        else if (kind === NORM_LOG) score = scaledScore(logTransform(x), bad[i]!, scale[i]!);
        else if (kind === NORM_BANDS) score = bandScore(x, c.bandThresholds[i]!, c.bandScores[i]!);
        else {
          const reference = references?.[i];
          if (reference && reference.length > 0) score = percentileScore(x, reference, c.higherIsBetter[i] === 1);
          else status = STATUS_NO_REFERENCE;
        }
      }
    }
    factorScores[i] = score;
    factorStatus[i] = status;
    if (status === STATUS_OK) {
      const k = factorCategory[i]!;
      const w = factorWeight[i]!;
      sums[k] = sums[k]! + w * score;
      present[k] = present[k]! + w;
      confidence += configuredShare[i]!;
    }
  }
  let total = 0;
  let weight = 0;
  for (let k = 0; k < CATEGORY_COUNT; k++) {
    const p = present[k]!;
    if (p > 0) {
      const categoryScore = sums[k]! / p;
      sums[k] = categoryScore;
      total += c.categoryWeight[k]! * categoryScore;
      weight += c.categoryWeight[k]!;
    } else {
      sums[k] = Number.NaN;
    }
  }
  out.presentCategoryWeight = weight;
  out.rawScore = weight > 0 ? total / weight : Number.NaN;
  // Float sums of shares can land at 1.0000000002; confidence is a share, so keep it in [0, 1].
  out.confidence = confidence > 1 ? 1 : confidence;
}

/**
 * Points each factor adds to or takes from the score relative to a neutral 50:
 * contribution = effective weight × (factor score − 50), where the effective weight is the share the
 * factor actually carried after redistribution. Contributions sum to rawScore − 50.
 */
export function factorContribution(c: CompiledModel, out: NumericScore, factor: number): number {
  if (out.factorStatus[factor] !== STATUS_OK) return 0;
  return effectiveWeight(c, out, factor) * (out.factorScores[factor]! - 50);
}

/** The share of the score this factor carried in this result (0 when it had no data). */
export function effectiveWeight(c: CompiledModel, out: NumericScore, factor: number): number {
  if (out.factorStatus[factor] !== STATUS_OK) return 0;
  const k = c.factorCategory[factor]!;
  return (c.categoryWeight[k]! / out.presentCategoryWeight) * (c.factorWeight[factor]! / out.categoryPresentWeight[k]!);
}
