/**
 * scoreAccount(model, signals, asOf, context): the one scoring function behind the API, the workers,
 * the CLI and the backtest. Pure: the as-of date is an argument and nothing is read from outside.
 */
import type { AccountAttributes } from './account-conditions.ts';
import { compiledFor, type CompiledModel } from './compile-model.ts';
import { topDrivers, type Driver, type DriverLimits } from './drivers.ts';
import { DAY_MS, lifecycleStage, type LifecycleStage } from './lifecycle-stage.ts';
import { CATEGORY_IDS, type CategoryId, type MetricUnit } from './metric-catalogue.ts';
import type { Model } from './model-schema.ts';
import {
  createNumericScore,
  effectiveWeight,
  factorContribution,
  FACTOR_STATUSES,
  scoreNumeric,
  type FactorStatus,
  type NumericScore,
} from './score-numeric.ts';
import { decideTier, type Tier, type TierHold, type TierState } from './tiers.ts';
import { computeTrend, type ScoreSnapshot, type Trend } from './trend.ts';

export interface Signal {
  readonly metric: string;
  readonly value: number;
  readonly observedAt: Date;
}

export interface ScoreContext extends AccountAttributes {
  /** The tier and since-when from the previous scoring, for hysteresis. */
  readonly previous?: TierState | null;
  /** Earlier scores of this account, for the trend. */
  readonly history?: readonly ScoreSnapshot[];
  /** Stage chosen by selectModel; computed from the dates with default settings when absent. */
  readonly lifecycleStage?: LifecycleStage;
  /** Sorted reference values per factor id, for percentile factors (the account's segment). */
  readonly references?: Readonly<Record<string, ArrayLike<number>>>;
  readonly driverLimits?: DriverLimits;
}

export interface FactorResult {
  readonly id: string;
  readonly metric: string;
  readonly category: CategoryId;
  readonly label: string;
  readonly unit: MetricUnit;
  readonly perSeat: boolean;
  /** Configured share of the whole model (0–1). */
  readonly weight: number;
  /** Share actually carried in this result, after redistributing missing weight (0 when no data). */
  readonly effectiveWeight: number;
  /** 0–100, or null when the factor had no usable data. */
  readonly score: number | null;
  /** Points relative to a neutral 50; all contributions sum to rawScore − 50. */
  readonly contribution: number;
  readonly observedValue: number | null;
  /** The value that was normalised (observed ÷ seats for per-seat factors). */
  readonly scaledValue: number | null;
  readonly observedAt: Date | null;
  readonly ageDays: number | null;
  readonly status: FactorStatus;
}

export interface ScoreResult {
  /** Integer 0–100; null when no factor had fresh data. */
  readonly score: number | null;
  readonly rawScore: number | null;
  /** Tier after hysteresis; the previous tier when data is insufficient; null with neither. */
  readonly tier: Tier | null;
  readonly tierSince: Date | null;
  readonly tierChanged: boolean;
  readonly tierHeldBy: TierHold | null;
  readonly confidence: number;
  readonly insufficientData: boolean;
  readonly categories: Readonly<Record<CategoryId, number | null>>;
  readonly factors: readonly FactorResult[];
  /** Rendered on first read. */
  readonly drivers: readonly Driver[];
  readonly trend: Trend | null;
  readonly lifecycleStage: LifecycleStage;
  readonly modelId: string;
  readonly modelVersion: number | null;
  readonly scoredAt: Date;
}

/** Confidence is a share of weights; round away float dust so 0.4 reads as 0.4. */
const roundShare = (x: number): number => Math.round(x * 1e6) / 1e6;

export function isInsufficient(model: Model, out: NumericScore): boolean {
  return Number.isNaN(out.rawScore) || roundShare(out.confidence) < model.minConfidence;
}

export function scoreAccount(
  model: Model | CompiledModel,
  signals: Iterable<Signal>,
  asOf: Date,
  context: ScoreContext = {},
): ScoreResult {
  const compiled = compiledFor(model);
  const m = compiled.metrics.length;
  const values = new Float64Array(m).fill(Number.NaN);
  const observed = new Float64Array(m).fill(Number.NEGATIVE_INFINITY);
  const asOfMs = asOf.getTime();
  for (const signal of signals) {
    const index = compiled.metricIndex.get(signal.metric);
    if (index === undefined) continue;
    const at = signal.observedAt.getTime();
    // Point in time: nothing observed after as-of may leak into the score.
    if (at > asOfMs || at < observed[index]! || !Number.isFinite(signal.value)) continue;
    observed[index] = at;
    values[index] = signal.value;
  }
  const ages = new Float64Array(m);
  for (let i = 0; i < m; i++) ages[i] = (asOfMs - observed[i]!) / DAY_MS;

  const references = compiled.hasPercentile
    ? compiled.model.factors.map((f) => context.references?.[f.id])
    : undefined;
  const out = createNumericScore(compiled);
  scoreNumeric(compiled, values, ages, 0, context.seats ?? Number.NaN, out, references);
  return buildResult(compiled, out, asOf, context, (metric) => {
    const index = compiled.metricIndex.get(metric) ?? 0;
    return { value: values[index]!, observedAt: observed[index]!, ageDays: ages[index]! };
  });
}

interface Observation {
  readonly value: number;
  /** Epoch ms; −Infinity when never observed. */
  readonly observedAt: number;
  readonly ageDays: number;
}

/** Turns the numeric buffers into the full result; shared by scoreAccount and the file scorer. */
export function buildResult(
  compiled: CompiledModel,
  out: NumericScore,
  asOf: Date,
  context: ScoreContext,
  observation: (metric: string) => Observation,
): ScoreResult {
  const model = compiled.model;
  const present = !Number.isNaN(out.rawScore);
  const score = present ? Math.round(out.rawScore) : null;
  const confidence = roundShare(out.confidence);
  const insufficientData = isInsufficient(model, out);
  const tier = decideTier(model.tiers, score, insufficientData, context.previous, asOf);

  const factors = model.factors.map((f, i): FactorResult => {
    const obs = observation(f.metric);
    const seen = Number.isFinite(obs.observedAt);
    const status = FACTOR_STATUSES[out.factorStatus[i]!] ?? 'missing';
    const seats = context.seats ?? 0;
    const scaledValue = !seen ? null : f.perSeat ? (seats > 0 ? obs.value / seats : null) : obs.value;
    return {
      id: f.id,
      metric: f.metric,
      category: f.category,
      label: f.label,
      unit: compiled.units[i] ?? 'number',
      perSeat: f.perSeat,
      weight: compiled.configuredShare[i]!,
      effectiveWeight: effectiveWeight(compiled, out, i),
      score: status === 'ok' ? out.factorScores[i]! : null,
      contribution: factorContribution(compiled, out, i),
      observedValue: seen ? obs.value : null,
      scaledValue,
      observedAt: seen ? new Date(obs.observedAt) : null,
      ageDays: seen ? obs.ageDays : null,
      status,
    };
  });

  const category = (c: CategoryId): number | null => {
    const value = out.categoryScores[CATEGORY_IDS.indexOf(c)]!;
    return Number.isNaN(value) ? null : Math.round(value);
  };
  const categories = {
    usage: category('usage'),
    engagement: category('engagement'),
    outcomes: category('outcomes'),
    contract: category('contract'),
  };

  const trend = context.history
    ? computeTrend(
        context.history,
        { at: asOf, score: insufficientData ? null : score, modelId: model.id, modelVersion: model.version ?? null },
        model.trend,
      )
    : null;

  let drivers: readonly Driver[] | undefined;
  return {
    score,
    rawScore: present ? out.rawScore : null,
    tier: tier.tier,
    tierSince: tier.since,
    tierChanged: tier.changed,
    tierHeldBy: tier.heldBy,
    confidence,
    insufficientData,
    categories,
    factors,
    get drivers(): readonly Driver[] {
      drivers ??= topDrivers(factors, context.driverLimits);
      return drivers;
    },
    trend,
    lifecycleStage: context.lifecycleStage ?? lifecycleStage(context, asOf),
    modelId: model.id,
    modelVersion: model.version ?? null,
    scoredAt: asOf,
  };
}
