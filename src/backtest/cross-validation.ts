/**
 * Stratified k-fold cross-validation with seeded fold assignment. Each fold keeps the
 * overall churn rate, so a fold never ends up with too few churners to rank.
 */
import { averagePrecision, brierScore, rocAuc } from './metrics.ts';
import { seededRandom, shuffleInPlace } from './seeded-random.ts';

/** Fold number (0..k−1) for each row; positives and negatives are dealt out separately. */
export function stratifiedFolds(labels: ArrayLike<number>, k: number, seed: number): Int32Array {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`folds must be an integer ≥ 2, got ${k}`);
  const random = seededRandom(seed);
  const positives: number[] = [];
  const negatives: number[] = [];
  for (let i = 0; i < labels.length; i += 1) ((labels[i] as number) > 0.5 ? positives : negatives).push(i);
  if (positives.length < k || negatives.length < k) {
    throw new RangeError(`need at least ${k} positives and ${k} negatives for ${k}-fold stratified CV (have ${positives.length} and ${negatives.length})`);
  }
  const folds = new Int32Array(labels.length);
  // Negatives continue the round-robin where positives stopped so fold sizes stay within one.
  let next = 0;
  for (const group of [shuffleInPlace(positives, random), shuffleInPlace(negatives, random)]) {
    for (const i of group) {
      folds[i] = next % k;
      next += 1;
    }
  }
  return folds;
}

/**
 * Stratified folds over groups (an account's snapshots): every row of a group lands in the
 * same fold, so a model is never tested on an account it trained on a month earlier. A
 * group counts as positive when any of its rows is.
 */
export function stratifiedGroupFolds(
  labels: ArrayLike<number>,
  groups: ArrayLike<number>,
  k: number,
  seed: number,
): Int32Array {
  const groupIndex = new Map<number, number>();
  const groupLabels: number[] = [];
  for (let i = 0; i < labels.length; i += 1) {
    const g = groups[i] as number;
    let index = groupIndex.get(g);
    if (index === undefined) {
      index = groupLabels.length;
      groupIndex.set(g, index);
      groupLabels.push(0);
    }
    if ((labels[i] as number) > 0.5) groupLabels[index] = 1;
  }
  const groupFolds = stratifiedFolds(groupLabels, k, seed);
  const folds = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i += 1) folds[i] = groupFolds[groupIndex.get(groups[i] as number) as number] as number;
  return folds;
}

export function foldIndices(folds: Int32Array, fold: number): { train: number[]; test: number[] } {
  const train: number[] = [];
  const test: number[] = [];
  folds.forEach((f, i) => (f === fold ? test : train).push(i));
  return { train, test };
}

/**
 * Keeps the first of each set of rows with the same key. Exact duplicates would otherwise
 * land in both a training and a test fold and flatter the cross-validated figures.
 */
export function dedupe<T>(items: readonly T[], key: (item: T) => string): { kept: T[]; removed: number } {
  const seen = new Set<string>();
  const kept: T[] = [];
  for (const item of items) {
    const k = key(item);
    if (seen.has(k)) continue;
    seen.add(k);
    kept.push(item);
  }
  return { kept, removed: items.length - kept.length };
}

export interface CrossValidationResult {
  folds: number;
  seed: number;
  /** Out-of-fold prediction for every row: each row predicted by a model that never saw it. */
  predictions: Float64Array;
  foldRocAuc: number[];
  /** Mean of the per-fold ROC-AUCs (the usual cross-validated figure). */
  rocAuc: number;
  /** ROC-AUC of all out-of-fold predictions pooled. */
  pooledRocAuc: number;
  averagePrecision: number;
  /** Brier score of the out-of-fold predictions when they are probabilities, else NaN. */
  brierScore: number;
}

/**
 * Runs `trainAndPredict` once per fold. It receives training and test row indices and
 * returns a prediction for each test row (higher = more likely positive).
 */
export function crossValidate(
  labels: ArrayLike<number>,
  options: { folds: number; seed: number; predictionsAreProbabilities: boolean; groups?: ArrayLike<number> },
  trainAndPredict: (train: readonly number[], test: readonly number[]) => ArrayLike<number>,
): CrossValidationResult {
  const assignment =
    options.groups === undefined
      ? stratifiedFolds(labels, options.folds, options.seed)
      : stratifiedGroupFolds(labels, options.groups, options.folds, options.seed);
  const predictions = new Float64Array(labels.length);
  const foldRocAuc: number[] = [];
  for (let fold = 0; fold < options.folds; fold += 1) {
    const { train, test } = foldIndices(assignment, fold);
    const predicted = trainAndPredict(train, test);
    if (predicted.length !== test.length) throw new RangeError(`fold ${fold}: ${predicted.length} predictions for ${test.length} rows`);
    test.forEach((row, k) => (predictions[row] = predicted[k] as number));
    foldRocAuc.push(rocAuc(predicted, test.map((row) => labels[row] as number)));
  }
  return {
    folds: options.folds,
    seed: options.seed,
    predictions,
    foldRocAuc,
    rocAuc: foldRocAuc.reduce((a, b) => a + b, 0) / foldRocAuc.length,
    pooledRocAuc: rocAuc(predictions, labels),
    averagePrecision: averagePrecision(predictions, labels),
    brierScore: options.predictionsAreProbabilities ? brierScore(predictions, labels) : Number.NaN,
  };
}
