/**
 * The model file format, validated with zod. Errors name the path and what is wrong, e.g.
 * `factors[3].normalization: bad anchor must be below good anchor for higher-is-better`.
 */
import { z } from 'zod';
import { ConditionSchema } from './account-conditions.ts';
import { LIFECYCLE_STAGES } from './lifecycle-stage.ts';
import {
  CATEGORY_IDS,
  DIRECTIONS,
  METRIC_CATALOGUE,
  METRIC_UNITS,
  isCatalogueMetric,
  type CategoryId,
  type Direction,
  type MetricDefinition,
} from './metric-catalogue.ts';

const Slug = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'use letters, digits, dot, dash or underscore (no spaces)');

const MetricId = z
  .string()
  .regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/, 'a metric id looks like "source.name", lower case, e.g. crm.exec_sponsor');

export const NormalizationSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('linear'), bad: z.number(), good: z.number() }),
  // Linear in ln(1 + x): the difference between 0 and 5 meetings matters more than between 50 and 55.
  z.strictObject({ type: z.literal('log'), bad: z.number().min(0), good: z.number().min(0) }),
  // value < thresholds[0] scores scores[0]; thresholds[i-1] <= value < thresholds[i] scores scores[i].
  z.strictObject({
    type: z.literal('bands'),
    thresholds: z.array(z.number()).min(1),
    scores: z.array(z.number().min(0).max(100)).min(2),
  }),
  // Share of the account's segment with a worse value; the reference distribution is passed in at scoring time.
  z.strictObject({ type: z.literal('percentile') }),
], { error: 'normalization type must be linear, log, bands or percentile' });
export type Normalization = z.output<typeof NormalizationSchema>;

const FactorSchema = z.strictObject({
  id: Slug,
  metric: MetricId,
  /** Defaults to the metric's category. */
  category: z.enum(CATEGORY_IDS).optional(),
  /** Relative weight within its category; only proportions matter. */
  weight: z.number().positive('weight must be positive'),
  /** Defaults to the metric's direction. */
  direction: z.enum(DIRECTIONS).optional(),
  normalization: NormalizationSchema,
  /** Divide the value by the account's licensed seats before normalising. */
  perSeat: z.boolean().default(false),
  /** Observations older than this count as missing. */
  maxAgeDays: z.number().positive('maxAgeDays must be positive').default(45),
  /** Driver text; `{value}` is replaced by the observed value, e.g. "weekly active users {value} of seats". */
  label: z.string().min(1).optional(),
});

const CustomMetricSchema = z.strictObject({
  id: MetricId,
  unit: z.enum(METRIC_UNITS).default('number'),
  meaning: z.string().min(1),
  direction: z.enum(DIRECTIONS),
  category: z.enum(CATEGORY_IDS),
});

const PositiveWeight = z.number().positive('weight must be positive');
const CategoriesSchema = z.strictObject({
  usage: PositiveWeight.optional(),
  engagement: PositiveWeight.optional(),
  outcomes: PositiveWeight.optional(),
  contract: PositiveWeight.optional(),
});

export const TierSettingsSchema = z.strictObject({
  healthy: z.number().min(0).max(100).default(80),
  atRisk: z.number().min(0).max(100).default(40),
  /** Points either side of a boundary inside which the previous tier is kept. */
  deadBand: z.number().min(0).max(20).default(2),
  /** A new tier is adopted only after the previous one has lasted this many days. */
  minDaysInTier: z.number().int().min(0).default(0),
});
export type TierSettings = z.output<typeof TierSettingsSchema>;

export const TrendSettingsSchema = z.strictObject({
  windowDays: z.number().int().positive().default(30),
  /** Snapshots used for the least-squares slope. */
  snapshots: z.number().int().min(2).default(6),
  /** Customer movement below this many points is "stable". */
  minChange: z.number().min(0).default(5),
});
export type TrendSettings = z.output<typeof TrendSettingsSchema>;

export const AppliesToSchema = z.strictObject({
  stages: z.array(z.enum(LIFECYCLE_STAGES)).min(1).optional(),
  where: z.array(ConditionSchema).default([]),
});
export type AppliesTo = z.output<typeof AppliesToSchema>;

export type CustomMetric = z.output<typeof CustomMetricSchema>;

function metricDefinition(metricId: string, custom: readonly CustomMetric[]): MetricDefinition | undefined {
  if (isCatalogueMetric(metricId)) return METRIC_CATALOGUE[metricId];
  return custom.find((m) => m.id === metricId);
}

const anchorMessage = (direction: Direction): string =>
  direction === 'higher_is_better'
    ? 'bad anchor must be below good anchor for higher-is-better'
    : 'bad anchor must be above good anchor for lower-is-better';

const BaseModelSchema = z.strictObject({
  id: Slug,
  name: z.string().min(1),
  /** Set when the model is published; a draft file may omit it. */
  version: z.number().int().positive().optional(),
  description: z.string().optional(),
  /** Which accounts this model is for; a model without it is the fallback. */
  appliesTo: AppliesToSchema.optional(),
  categories: CategoriesSchema,
  factors: z.array(FactorSchema).min(1, 'a model needs at least one factor'),
  customMetrics: z.array(CustomMetricSchema).default([]),
  tiers: TierSettingsSchema.prefault({}),
  /** Below this share of configured weight with fresh data the result is insufficient_data. */
  minConfidence: z.number().min(0).max(1).default(0.5),
  trend: TrendSettingsSchema.prefault({}),
});
type BaseModel = z.output<typeof BaseModelSchema>;

function checkModel(model: BaseModel, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string): void => {
    ctx.addIssue({ code: 'custom', path, message });
  };
  model.customMetrics.forEach((m, i) => {
    if (isCatalogueMetric(m.id)) issue(['customMetrics', i, 'id'], `"${m.id}" is already a catalogue metric`);
  });
  const seen = new Set<string>();
  const fed = new Set<CategoryId>();
  model.factors.forEach((factor, i) => {
    if (seen.has(factor.id)) issue(['factors', i, 'id'], `duplicate factor id "${factor.id}"`);
    seen.add(factor.id);
    const definition = metricDefinition(factor.metric, model.customMetrics);
    if (!definition) {
      issue(
        ['factors', i, 'metric'],
        `unknown metric "${factor.metric}"; use a catalogue metric or declare it under customMetrics`,
      );
      return;
    }
    const category = factor.category ?? definition.category;
    fed.add(category);
    if (model.categories[category] === undefined) {
      issue(['factors', i, 'category'], `category "${category}" has no weight under categories`);
    }
    const direction = factor.direction ?? definition.direction;
    const n = factor.normalization;
    if ((n.type === 'linear' || n.type === 'log') && !(direction === 'higher_is_better' ? n.bad < n.good : n.bad > n.good)) {
      issue(['factors', i, 'normalization'], anchorMessage(direction));
    }
    if (n.type === 'bands') {
      if (n.scores.length !== n.thresholds.length + 1) {
        issue(['factors', i, 'normalization', 'scores'], `needs ${n.thresholds.length + 1} scores for ${n.thresholds.length} thresholds`);
      }
      if (n.thresholds.some((t, k) => k > 0 && t <= n.thresholds[k - 1]!)) {
        issue(['factors', i, 'normalization', 'thresholds'], 'thresholds must be strictly ascending');
      }
      const wrongWay = n.scores.some((s, k) =>
        k > 0 && (direction === 'higher_is_better' ? s < n.scores[k - 1]! : s > n.scores[k - 1]!),
      );
      if (wrongWay) {
        issue(
          ['factors', i, 'normalization', 'scores'],
          direction === 'higher_is_better'
            ? 'band scores must not decrease for higher-is-better'
            : 'band scores must not increase for lower-is-better',
        );
      }
    }
    if (factor.perSeat && definition.unit === 'ratio') {
      issue(['factors', i, 'perSeat'], `"${factor.metric}" is already a ratio; per-seat scaling applies to counts`);
    }
  });
  for (const category of CATEGORY_IDS) {
    if (model.categories[category] !== undefined && !fed.has(category)) {
      issue(['categories', category], 'no factor feeds this category; remove it or add a factor');
    }
  }
  const { healthy, atRisk, deadBand } = model.tiers;
  if (healthy <= atRisk) issue(['tiers', 'healthy'], 'the healthy threshold must be above the atRisk threshold');
  else if (deadBand * 2 >= healthy - atRisk) issue(['tiers', 'deadBand'], 'the dead band must be less than half the At Risk range');
}

export interface ModelFactor {
  readonly id: string;
  readonly metric: string;
  readonly category: CategoryId;
  readonly weight: number;
  readonly direction: Direction;
  readonly normalization: Normalization;
  readonly perSeat: boolean;
  readonly maxAgeDays: number;
  readonly label: string;
}

/** Fills what the file may leave out (category, direction, label) from the metric definition. */
function resolveDefaults(model: BaseModel) {
  return {
    ...model,
    factors: model.factors.map((factor): ModelFactor => {
      const definition = metricDefinition(factor.metric, model.customMetrics);
      return {
        ...factor,
        category: factor.category ?? definition?.category ?? 'usage',
        direction: factor.direction ?? definition?.direction ?? 'higher_is_better',
        label: factor.label ?? definition?.meaning ?? factor.metric,
      };
    }),
  };
}

export const ModelSchema = BaseModelSchema.superRefine(checkModel).transform(resolveDefaults);

export type ModelInput = z.input<typeof ModelSchema>;
export type Model = z.output<typeof ModelSchema>;

export interface ModelIssue {
  readonly path: string;
  readonly message: string;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(model)' : out;
}

export class ModelValidationError extends Error {
  readonly issues: readonly ModelIssue[];
  constructor(issues: readonly ModelIssue[], subject = 'model') {
    super(`${subject} is invalid:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
    this.name = 'ModelValidationError';
    this.issues = issues;
  }
}

export function issuesOf(error: z.ZodError, prefix: readonly PropertyKey[] = []): ModelIssue[] {
  return error.issues.map((issue) => ({ path: formatPath([...prefix, ...issue.path]), message: issue.message }));
}

export function parseModel(input: unknown): Model {
  const result = ModelSchema.safeParse(input);
  if (!result.success) throw new ModelValidationError(issuesOf(result.error));
  return result.data;
}

/** The metric's definition as seen by this model (catalogue or the model's custom metrics). */
export function modelMetric(model: Pick<Model, 'customMetrics'>, metricId: string): MetricDefinition | undefined {
  return metricDefinition(metricId, model.customMetrics);
}
