/**
 * Fits category and factor weights to outcomes. The score is a weighted mean of factor
 * scores, so it ranks accounts exactly like a linear predictor Σ wᵢ·sᵢ with wᵢ ≥ 0. A
 * logistic regression of churn on the factor scores gives such a predictor: a factor's
 * weight is proportional to minus its coefficient (per point of factor score), since a
 * higher — healthier — factor score should lower the odds of churn.
 *
 * Negative weights cannot be written into a weighted mean. A factor whose coefficient says
 * "healthier means more churn" is configured in the wrong direction (or only proxies for
 * another factor); it is removed and the regression refitted without it, one factor at a
 * time, largest offender first. Those factors are listed in the report with the reason,
 * never silently flipped: flipping a factor's direction is an admin's decision.
 */
import { CATEGORY_IDS, parseModel, type CategoryId, type Model, type ModelInput } from '../scoring/index.ts';
import { fitLogisticRegression } from './logistic-regression.ts';

export type FactorFitStatus = 'kept' | 'dropped_wrong_direction' | 'dropped_no_variation';

export interface FactorWeightFit {
  readonly factorId: string;
  readonly category: CategoryId;
  /** Share of the whole score under the current model (0–1). */
  readonly currentShare: number;
  /** Share of the whole score under the fitted weights (0–1); 0 when dropped. */
  readonly fittedShare: number;
  /** Change in churn log-odds per point of factor score in the final fit; null when dropped. */
  readonly coefficient: number | null;
  readonly status: FactorFitStatus;
}

export interface WeightFit {
  readonly factors: readonly FactorWeightFit[];
}

export interface WeightFitOptions {
  l2: number;
}

/** rows: factor scores aligned with model.factors (NaN = missing, filled with the column mean). */
export function fitFactorWeights(
  model: Model,
  rows: readonly Float64Array[],
  churned: ArrayLike<number>,
  options: WeightFitOptions,
): WeightFit {
  const width = model.factors.length;
  const { filled, usable } = fillAndCheck(rows, width);
  const status: FactorFitStatus[] = model.factors.map((_, j) => (usable[j] ? 'kept' : 'dropped_no_variation'));
  const coefficients = new Array<number | null>(width).fill(null);
  for (;;) {
    const kept = status.flatMap((s, j) => (s === 'kept' ? [j] : []));
    if (kept.length === 0) {
      throw new RangeError(
        'no factor lowers the churn odds as its score rises; check the factor directions and the outcome labels',
      );
    }
    const fit = fitLogisticRegression(
      filled.map((row) => kept.map((j) => row[j] as number)),
      churned,
      { l2: options.l2 },
    );
    let worst = -1;
    let worstStandardized = 0;
    kept.forEach((j, k) => {
      const standardized = fit.standardizedCoefficients[k] as number;
      if (standardized > worstStandardized) {
        worst = j;
        worstStandardized = standardized;
      }
    });
    if (worst === -1) {
      kept.forEach((j, k) => (coefficients[j] = fit.coefficients[k] as number));
      break;
    }
    status[worst] = 'dropped_wrong_direction';
  }
  const raw = coefficients.map((c) => (c === null ? 0 : -c));
  const total = raw.reduce((a, b) => a + b, 0);
  const currentShares = configuredShares(model);
  return {
    factors: model.factors.map((f, j) => ({
      factorId: f.id,
      category: f.category,
      currentShare: currentShares[j] as number,
      fittedShare: total > 0 ? (raw[j] as number) / total : 0,
      coefficient: coefficients[j] as number | null,
      status: status[j] as FactorFitStatus,
    })),
  };
}

/**
 * The current model with fitted weights, as a draft (no version). Factor weights are written
 * as percentages of the whole score, and each category's weight is the sum of its factors',
 * so the file reads directly: "failed payments carries 12.5 % of the score".
 */
export function draftModelFromFit(current: Model, fit: WeightFit, description: string): { input: ModelInput; model: Model } {
  const weightOf = new Map(fit.factors.map((f) => [f.factorId, roundWeight(f.fittedShare * 100)]));
  const factors = current.factors
    .filter((f) => (weightOf.get(f.id) ?? 0) > 0)
    .map((f) => ({ ...f, weight: weightOf.get(f.id) as number }));
  const categories: Partial<Record<CategoryId, number>> = {};
  for (const category of CATEGORY_IDS) {
    const sum = factors.filter((f) => f.category === category).reduce((a, f) => a + f.weight, 0);
    if (sum > 0) categories[category] = roundWeight(sum);
  }
  const { version: _published, ...unversioned } = current;
  const input: ModelInput = {
    ...unversioned,
    name: current.name.endsWith('(fitted draft)') ? current.name : `${current.name} (fitted draft)`,
    description,
    categories,
    factors,
  };
  return { input, model: parseModel(input) };
}

/** Two decimals keep the file readable; a weight that would round to 0 keeps the smallest step. */
function roundWeight(percent: number): number {
  if (!(percent > 0)) return 0;
  return Math.max(0.01, Math.round(percent * 100) / 100);
}

export function configuredShares(model: Model): number[] {
  const categoryTotal = CATEGORY_IDS.reduce((sum, c) => sum + (model.categories[c] ?? 0), 0);
  const factorTotals = new Map<CategoryId, number>();
  for (const f of model.factors) factorTotals.set(f.category, (factorTotals.get(f.category) ?? 0) + f.weight);
  return model.factors.map(
    (f) => ((model.categories[f.category] ?? 0) / categoryTotal) * (f.weight / (factorTotals.get(f.category) ?? f.weight)),
  );
}

function fillAndCheck(rows: readonly Float64Array[], width: number): { filled: Float64Array[]; usable: boolean[] } {
  const means = new Float64Array(width);
  const counts = new Float64Array(width);
  const min = new Float64Array(width).fill(Number.POSITIVE_INFINITY);
  const max = new Float64Array(width).fill(Number.NEGATIVE_INFINITY);
  for (const row of rows) {
    for (let j = 0; j < width; j += 1) {
      const v = row[j] as number;
      if (Number.isNaN(v)) continue;
      means[j] = (means[j] as number) + v;
      counts[j] = (counts[j] as number) + 1;
      min[j] = Math.min(min[j] as number, v);
      max[j] = Math.max(max[j] as number, v);
    }
  }
  for (let j = 0; j < width; j += 1) means[j] = (counts[j] as number) > 0 ? (means[j] as number) / (counts[j] as number) : 50;
  const usable = Array.from({ length: width }, (_, j) => (counts[j] as number) > 0 && (max[j] as number) > (min[j] as number));
  const filled = rows.map((row) => row.map((v, j) => (Number.isNaN(v) ? (means[j] as number) : v)));
  return { filled, usable };
}
