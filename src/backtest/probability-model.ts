/**
 * The predictive layer beside the transparent score: churn probability (or expansion
 * likelihood) from a logistic regression over factor scores, Platt-calibrated. It is a
 * small, reviewable object — coefficients per factor plus two calibration numbers — that
 * can be stored with a model version and evaluated wherever factor scores exist.
 *
 * Unlike the score, a linear predictor needs a value for every factor, so a missing factor
 * is filled with its mean in the training data: "no evidence either way". The confidence
 * beside the score tells how much of that happened.
 */
import { z } from 'zod';
import { applyPlatt, fitPlatt } from './calibration.ts';
import { stratifiedFolds, stratifiedGroupFolds, foldIndices } from './cross-validation.ts';
import { fitLogisticRegression, logit } from './logistic-regression.ts';

export const PROBABILITY_OUTCOMES = ['churned', 'expanded'] as const;
export type ProbabilityOutcome = (typeof PROBABILITY_OUTCOMES)[number];

export const ValidationFiguresSchema = z.strictObject({
  folds: z.number().int().min(2),
  seed: z.number().int(),
  rows: z.number().int().min(0),
  positives: z.number().int().min(0),
  rocAuc: z.number().nullable(),
  averagePrecision: z.number().nullable(),
  brierScore: z.number().nullable(),
});
export type ValidationFigures = z.output<typeof ValidationFiguresSchema>;

export const ProbabilityModelSchema = z.strictObject({
  outcome: z.enum(PROBABILITY_OUTCOMES),
  /** Days after the scoring date the probability speaks about; null when the labels had no horizon (a wide file's end state). */
  horizonDays: z.number().positive().nullable(),
  intercept: z.number(),
  features: z
    .array(z.strictObject({ factorId: z.string().min(1), coefficient: z.number(), fillValue: z.number() }))
    .min(1),
  calibration: z.strictObject({ kind: z.literal('platt'), slope: z.number(), intercept: z.number() }),
  /** Cross-validated figures of this very procedure, measured when it was fitted. */
  validation: ValidationFiguresSchema.optional(),
});
export type ProbabilityModel = z.output<typeof ProbabilityModelSchema>;

export interface ProbabilityFitOptions {
  outcome: ProbabilityOutcome;
  horizonDays: number | null;
  l2: number;
  /** Folds used inside the training data to get honest logits for calibration. */
  calibrationFolds: number;
  seed: number;
  /** Rows sharing a group (an account's snapshots) stay in one calibration fold. */
  groups?: ArrayLike<number>;
}

/** Fits on rows of factor scores (NaN = missing) aligned with `factorIds`. */
export function fitProbabilityModel(
  rows: readonly Float64Array[],
  labels: ArrayLike<number>,
  factorIds: readonly string[],
  options: ProbabilityFitOptions,
): ProbabilityModel {
  const fill = columnMeans(rows, factorIds.length);
  const filled = rows.map((row) => fillMissing(row, fill));
  const folds =
    options.groups === undefined
      ? stratifiedFolds(labels, options.calibrationFolds, options.seed)
      : stratifiedGroupFolds(labels, options.groups, options.calibrationFolds, options.seed);
  // Out-of-fold logits: Platt scaling must see the regression's predictions on rows it did not fit.
  const outOfFold = new Float64Array(rows.length);
  for (let fold = 0; fold < options.calibrationFolds; fold += 1) {
    const { train, test } = foldIndices(folds, fold);
    const model = fitLogisticRegression(
      train.map((i) => filled[i] as Float64Array),
      train.map((i) => labels[i] as number),
      { l2: options.l2 },
    );
    for (const i of test) outOfFold[i] = logit(model, filled[i] as Float64Array);
  }
  const calibration = fitPlatt(outOfFold, labels);
  const final = fitLogisticRegression(filled, labels, { l2: options.l2 });
  return {
    outcome: options.outcome,
    horizonDays: options.horizonDays,
    intercept: final.intercept,
    features: factorIds.map((factorId, j) => ({
      factorId,
      coefficient: final.coefficients[j] as number,
      fillValue: fill[j] as number,
    })),
    calibration,
  };
}

/** Probability for one account, from its factor scores (null/undefined/NaN = missing). */
export function predictOutcomeProbability(
  model: ProbabilityModel,
  factorScore: (factorId: string) => number | null | undefined,
): number {
  let eta = model.intercept;
  for (const feature of model.features) {
    const value = factorScore(feature.factorId);
    const x = value === null || value === undefined || Number.isNaN(value) ? feature.fillValue : value;
    eta += feature.coefficient * x;
  }
  return applyPlatt(model.calibration, eta);
}

/** Same as predictOutcomeProbability for a row aligned with the fitted factor order. */
export function predictRow(model: ProbabilityModel, row: Float64Array): number {
  let eta = model.intercept;
  model.features.forEach((feature, j) => {
    const value = row[j] as number;
    eta += feature.coefficient * (Number.isNaN(value) ? feature.fillValue : value);
  });
  return applyPlatt(model.calibration, eta);
}

function columnMeans(rows: readonly Float64Array[], width: number): Float64Array {
  const sums = new Float64Array(width);
  const counts = new Float64Array(width);
  for (const row of rows) {
    for (let j = 0; j < width; j += 1) {
      const v = row[j] as number;
      if (!Number.isNaN(v)) {
        sums[j] = (sums[j] as number) + v;
        counts[j] = (counts[j] as number) + 1;
      }
    }
  }
  // A factor never observed in training contributes nothing; 50 is the middle of the 0–100 scale.
  return sums.map((s, j) => ((counts[j] as number) > 0 ? s / (counts[j] as number) : 50));
}

function fillMissing(row: Float64Array, fill: Float64Array): Float64Array {
  return row.map((v, j) => (Number.isNaN(v) ? (fill[j] as number) : v));
}
