/** Public API of the pure scoring engine. */
export {
  CATEGORY_IDS,
  CATEGORY_LABELS,
  DIRECTIONS,
  METRIC_CATALOGUE,
  METRIC_UNITS,
  isCatalogueMetric,
  type CategoryId,
  type Direction,
  type MetricDefinition,
  type MetricUnit,
} from './metric-catalogue.ts';
export {
  ModelSchema,
  ModelValidationError,
  NormalizationSchema,
  TierSettingsSchema,
  TrendSettingsSchema,
  formatPath,
  modelMetric,
  parseModel,
  type AppliesTo,
  type CustomMetric,
  type Model,
  type ModelFactor,
  type ModelInput,
  type ModelIssue,
  type Normalization,
  type TierSettings,
  type TrendSettings,
} from './model-schema.ts';
export { DEFAULT_MODEL_INPUT, defaultModel } from './default-model.ts';
export {
  bandScore,
  linearScore,
  normalize,
  percentileScore,
  segmentReference,
} from './normalizations.ts';
export { compileModel, compiledFor, isCompiledModel, type CompileOptions, type CompiledModel } from './compile-model.ts';
export {
  createNumericScore,
  effectiveWeight,
  factorContribution,
  FACTOR_STATUSES,
  scoreNumeric,
  type FactorStatus,
  type NumericScore,
} from './score-numeric.ts';
export {
  buildResult,
  isInsufficient,
  scoreAccount,
  type FactorResult,
  type ScoreContext,
  type ScoreResult,
  type Signal,
} from './score-account.ts';
export { TIERS, decideTier, tierForScore, type Tier, type TierDecision, type TierHold, type TierState } from './tiers.ts';
export {
  DEFAULT_TREND,
  TREND_DIRECTIONS,
  computeTrend,
  leastSquaresSlope,
  type ScoreSnapshot,
  type Trend,
  type TrendDirection,
} from './trend.ts';
export { DEFAULT_DRIVER_LIMITS, driverText, formatValue, topDrivers, type Driver, type DriverLimits } from './drivers.ts';
export {
  DAY_MS,
  DEFAULT_LIFECYCLE,
  LIFECYCLE_STAGES,
  lifecycleStage,
  type LifecycleSettings,
  type LifecycleStage,
} from './lifecycle-stage.ts';
export {
  CONDITION_OPERATORS,
  ConditionSchema,
  attributeValue,
  conditionHolds,
  type AccountAttributes,
  type AttributeValue,
  type Condition,
} from './account-conditions.ts';
export { modelApplies, parseModelSet, selectModel, type ModelSelection, type ModelSet } from './model-selection.ts';
export { modelFileFormat, parseModelText, type ModelFileFormat } from './model-file.ts';
