/**
 * The fit use-case: cross-validate the current weights, fitted weights and the churn
 * probability model on the same seeded folds, then fit on all the data and return a draft
 * model (for an admin to review and publish) plus the calibrated probability models.
 * Every score — current or fitted — comes from the scoring engine through `rescore`.
 */
import type { Model, ModelInput } from '../scoring/index.ts';
import { applyPlatt, fitPlatt } from './calibration.ts';
import { crossValidate, type CrossValidationResult } from './cross-validation.ts';
import { draftModelFromFit, fitFactorWeights, type WeightFit } from './fit-weights.ts';
import {
  fitProbabilityModel,
  predictRow,
  type ProbabilityModel,
  type ProbabilityOutcome,
  type ValidationFigures,
} from './probability-model.ts';

export interface FitExample {
  /** Factor scores aligned with the dataset model's factors; NaN where the factor had no data. */
  readonly factorScores: Float64Array;
  readonly churned: boolean;
  readonly expanded: boolean;
  /** Examples sharing a group (one account's snapshots) always share a fold. */
  readonly group: number;
}

export interface FitDataset {
  readonly model: Model;
  readonly examples: readonly FitExample[];
  /** The engine's unrounded score of example `index` under `model`. */
  readonly rescore: (model: Model, index: number) => number;
  /** Horizon of the labels in days; null for end-of-period labels (wide files). */
  readonly horizonDays: number | null;
}

export interface FitOptions {
  folds: number;
  seed: number;
  /** L2 penalty on standardised coefficients. */
  l2: number;
}

export const DEFAULT_FIT_OPTIONS: FitOptions = { folds: 5, seed: 1, l2: 1 };

export interface Evaluation {
  /** Mean of per-fold ROC-AUCs. */
  rocAuc: number;
  foldRocAuc: number[];
  pooledRocAuc: number;
  averagePrecision: number;
  /** Brier score of out-of-fold probabilities (scores are Platt-calibrated inside each training fold). */
  brierScore: number;
}

export interface FitResult {
  examples: number;
  churned: number;
  expanded: number;
  options: FitOptions;
  current: Evaluation;
  fittedWeights: Evaluation;
  churnProbability: Evaluation;
  expansionLikelihood: Evaluation | null;
  /** Why expansion likelihood was not fitted, when it was not. */
  expansionSkipped: string | null;
  weights: WeightFit;
  draft: { input: ModelInput; model: Model };
  churnModel: ProbabilityModel;
  expansionModel: ProbabilityModel | null;
}

export function fitModel(dataset: FitDataset, options: FitOptions = DEFAULT_FIT_OPTIONS): FitResult {
  const { model, examples } = dataset;
  const rows = examples.map((e) => e.factorScores);
  const churned = examples.map((e): number => (e.churned ? 1 : 0));
  const expanded = examples.map((e): number => (e.expanded ? 1 : 0));
  const groups = examples.map((e) => e.group);
  const cv = { folds: options.folds, seed: options.seed, groups, predictionsAreProbabilities: true };
  const pick = <T>(items: readonly T[], indices: readonly number[]): T[] => indices.map((i) => items[i] as T);

  // A score is a ranking; Platt scaling fitted on the training fold turns it into a probability for Brier.
  // A row a draft cannot score (all its factors dropped) gets the training base rate: no ranking information.
  const calibratedScore = (scoring: Model, train: readonly number[], test: readonly number[]): number[] => {
    const scored = train.map((i) => ({ score: dataset.rescore(scoring, i), label: churned[i] as number }));
    const usable = scored.filter((s) => !Number.isNaN(s.score));
    const platt = fitPlatt(usable.map((s) => s.score), usable.map((s) => s.label));
    const base = scored.reduce((a, s) => a + s.label, 0) / scored.length;
    return test.map((i) => {
      const score = dataset.rescore(scoring, i);
      return Number.isNaN(score) ? base : applyPlatt(platt, score);
    });
  };

  const current = crossValidate(churned, cv, (train, test) => calibratedScore(model, train, test));
  const fittedWeights = crossValidate(churned, cv, (train, test) => {
    const weights = fitFactorWeights(model, pick(rows, train), pick(churned, train), options);
    const draft = draftModelFromFit(model, weights, 'cross-validation fold').model;
    return calibratedScore(draft, train, test);
  });
  const probabilityOptions = (outcome: ProbabilityOutcome, trainGroups: number[]) => ({
    outcome,
    horizonDays: dataset.horizonDays,
    l2: options.l2,
    calibrationFolds: options.folds,
    seed: options.seed,
    groups: trainGroups,
  });
  const factorIds = model.factors.map((f) => f.id);
  const probabilityCv = (labels: number[], outcome: ProbabilityOutcome): CrossValidationResult =>
    crossValidate(labels, cv, (train, test) => {
      const fitted = fitProbabilityModel(
        pick(rows, train),
        pick(labels, train),
        factorIds,
        probabilityOptions(outcome, pick(groups, train)),
      );
      return test.map((i) => predictRow(fitted, rows[i] as Float64Array));
    });
  const churnCv = probabilityCv(churned, 'churned');

  const expandedCount = expanded.reduce((a, b) => a + b, 0);
  const expansionSkipped =
    expandedCount === 0
      ? 'no expansions in the outcomes'
      : expandedCount < options.folds * 2
        ? `only ${expandedCount} expansions; need at least ${options.folds * 2} for ${options.folds}-fold validation`
        : null;
  const expansionCv = expansionSkipped === null ? probabilityCv(expanded, 'expanded') : null;

  const weights = fitFactorWeights(model, rows, churned, options);
  const churnedCount = churned.reduce((a, b) => a + b, 0);
  const summary = describeFit(evaluation(current), evaluation(fittedWeights), options, examples.length, churnedCount);
  const draft = draftModelFromFit(model, weights, summary);
  const churnModel = {
    ...fitProbabilityModel(rows, churned, factorIds, probabilityOptions('churned', groups)),
    validation: validationFigures(churnCv, options, examples.length, churnedCount),
  };
  const expansionModel =
    expansionCv === null
      ? null
      : {
          ...fitProbabilityModel(rows, expanded, factorIds, probabilityOptions('expanded', groups)),
          validation: validationFigures(expansionCv, options, examples.length, expandedCount),
        };
  return {
    examples: examples.length,
    churned: churnedCount,
    expanded: expandedCount,
    options,
    current: evaluation(current),
    fittedWeights: evaluation(fittedWeights),
    churnProbability: evaluation(churnCv),
    expansionLikelihood: expansionCv === null ? null : evaluation(expansionCv),
    expansionSkipped,
    weights,
    draft,
    churnModel,
    expansionModel,
  };
}

function evaluation(result: CrossValidationResult): Evaluation {
  return {
    rocAuc: result.rocAuc,
    foldRocAuc: result.foldRocAuc,
    pooledRocAuc: result.pooledRocAuc,
    averagePrecision: result.averagePrecision,
    brierScore: result.brierScore,
  };
}

const orNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

function validationFigures(result: CrossValidationResult, options: FitOptions, rows: number, positives: number): ValidationFigures {
  return {
    folds: options.folds,
    seed: options.seed,
    rows,
    positives,
    rocAuc: orNull(result.rocAuc),
    averagePrecision: orNull(result.averagePrecision),
    brierScore: orNull(result.brierScore),
  };
}

function describeFit(current: Evaluation, fitted: Evaluation, options: FitOptions, rows: number, churned: number): string {
  return (
    `Draft with weights fitted to outcomes (L2 logistic regression over factor scores, λ=${options.l2}). ` +
    `${options.folds}-fold cross-validated ROC-AUC (seed ${options.seed}, ${rows} examples, ${churned} churned): ` +
    `fitted ${fitted.rocAuc.toFixed(3)} vs current ${current.rocAuc.toFixed(3)}. ` +
    'Review before publishing.'
  );
}
