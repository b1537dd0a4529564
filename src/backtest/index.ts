/** Public API of the pure backtest and fitting modules. */
export {
  averagePrecision,
  baseRate,
  brierScore,
  confusionRates,
  rocAuc,
  tierOutcomes,
  type ConfusionCounts,
  type ConfusionRates,
  type TierOutcome,
} from './metrics.ts';
export { BinnedOutcomes, ProbabilityAccumulator, scoreHistogram, type ReliabilityBand } from './streaming-metrics.ts';
export { leadTimeDays, summariseLeadTimes, type LeadTimeSummary } from './lead-time.ts';
export { fitLogisticRegression, predictProbability, sigmoid, type LogisticModel, type LogisticOptions } from './logistic-regression.ts';
export { crossValidate, dedupe, stratifiedFolds, stratifiedGroupFolds, type CrossValidationResult } from './cross-validation.ts';
export { applyPlatt, fitPlatt, type PlattCalibration } from './calibration.ts';
export { seededRandom, type Random } from './seeded-random.ts';
export { addDays, isoDay, parseDurationDays, snapshotDates } from './dates.ts';
export {
  ProbabilityModelSchema,
  fitProbabilityModel,
  predictOutcomeProbability,
  type ProbabilityModel,
  type ValidationFigures,
} from './probability-model.ts';
export { configuredShares, draftModelFromFit, fitFactorWeights, type FactorWeightFit, type WeightFit } from './fit-weights.ts';
export {
  DEFAULT_FIT_OPTIONS,
  fitModel,
  type Evaluation,
  type FitDataset,
  type FitExample,
  type FitOptions,
  type FitResult,
} from './fit-model.ts';
export { withoutFactors } from './model-edits.ts';
export {
  OUTCOME_KINDS,
  defaultWindow,
  replayBacktest,
  type AccountHistory,
  type AccountOutcome,
  type GroupFigures,
  type ReplayOptions,
  type ReplayResult,
  type ReplaySnapshot,
} from './replay.ts';
export { TIER_LABELS, TIER_ORDER, type OutcomeFigures } from './outcome-figures.ts';
export {
  WideBundleSchema,
  WideFileError,
  WideMappingSchema,
  parseWideFile,
  parseWideMapping,
  type WideDataset,
  type WideMapping,
  type WideRow,
} from './wide-file.ts';
export { WIDE_AS_OF, WideScorer, wideBacktest, wideFitDataset, type WideBacktestResult } from './wide-backtest.ts';
export {
  assembleHistories,
  historyFitDataset,
  portfolioReferences,
  type AccountInput,
  type AssembledHistories,
  type OutcomeInput,
  type SignalInput,
} from './history.ts';
export { OUTCOME_COLUMNS, OutcomeRowSchema, readOutcomes, type OutcomeRow } from './outcomes-file.ts';
export { fitJson, formatBacktestText, formatFitText, formatTable, toJson, type BacktestResult } from './report.ts';
