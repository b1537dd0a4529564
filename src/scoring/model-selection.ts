/**
 * A workspace's models and the rule that picks one per account: the first model, in file order, whose
 * `appliesTo` matches the account's attributes and lifecycle stage; when none does, the first model
 * without `appliesTo` (the fallback, wherever it sits). A model may `extends` an earlier one and override
 * only what differs.
 */
import { z } from 'zod';
import { conditionHolds, type AccountAttributes } from './account-conditions.ts';
import {
  DEFAULT_LIFECYCLE,
  lifecycleStage,
  type LifecycleSettings,
  type LifecycleStage,
} from './lifecycle-stage.ts';
import { issuesOf, ModelSchema, ModelValidationError, type Model, type ModelIssue } from './model-schema.ts';

export interface ModelSet {
  readonly lifecycle: LifecycleSettings;
  readonly models: readonly Model[];
}

export interface ModelSelection {
  readonly model: Model;
  readonly stage: LifecycleStage;
}

const LifecycleSchema = z.strictObject({
  onboardingDays: z.number().int().positive().default(DEFAULT_LIFECYCLE.onboardingDays),
  growthDays: z.number().int().positive().default(DEFAULT_LIFECYCLE.growthDays),
  renewalWindowDays: z.number().int().min(0).default(DEFAULT_LIFECYCLE.renewalWindowDays),
});

const Record = z.record(z.string(), z.unknown());

const ModelEntrySchema = z.looseObject({
  extends: z.string().optional(),
  categories: Record.optional(),
  tiers: Record.optional(),
  trend: Record.optional(),
  factors: z.array(z.looseObject({ id: z.string() })).optional(),
  removeFactors: z.array(z.string()).optional(),
  customMetrics: z.array(z.unknown()).optional(),
});

const ModelSetFileSchema = z.strictObject({
  lifecycle: LifecycleSchema.prefault({}),
  models: z.array(z.unknown()).min(1, 'list at least one model'),
});

/** The base model's fields with the entry's on top: maps merge key by key, factors by id. */
function mergeOverBase(base: Model, entry: z.output<typeof ModelEntrySchema>): { [key: string]: unknown } {
  const { extends: _base, removeFactors = [], factors: overrides = [], ...own } = entry;
  const removed = new Set(removeFactors);
  const factors: { [key: string]: unknown }[] = base.factors
    .filter((f) => !removed.has(f.id))
    .map((f) => ({ ...f }));
  for (const override of overrides) {
    const existing = factors.find((f) => f.id === override.id);
    if (existing) Object.assign(existing, override);
    else factors.push({ ...override });
  }
  const { version: _version, appliesTo: _appliesTo, ...inherited } = base;
  return {
    ...inherited,
    ...own,
    categories: { ...base.categories, ...own.categories },
    tiers: { ...base.tiers, ...own.tiers },
    trend: { ...base.trend, ...own.trend },
    customMetrics: [...base.customMetrics, ...(own.customMetrics ?? [])],
    factors,
  };
}

/** A single model file or a workspace file `{ lifecycle?, models: [...] }`. */
export function parseModelSet(input: unknown): ModelSet {
  const isSet = typeof input === 'object' && input !== null && 'models' in input;
  if (!isSet) return { lifecycle: DEFAULT_LIFECYCLE, models: [parseSingle(input, [])] };

  const file = ModelSetFileSchema.safeParse(input);
  if (!file.success) throw new ModelValidationError(issuesOf(file.error), 'model set');
  const models: Model[] = [];
  const issues: ModelIssue[] = [];
  file.data.models.forEach((raw, i) => {
    const entry = ModelEntrySchema.safeParse(raw);
    if (!entry.success) {
      issues.push(...issuesOf(entry.error, ['models', i]));
      return;
    }
    let candidate: unknown = raw;
    if (entry.data.extends !== undefined) {
      const base = models.find((m) => m.id === entry.data.extends);
      if (!base) {
        issues.push({ path: `models[${i}].extends`, message: `no earlier model has id "${entry.data.extends}"` });
        return;
      }
      candidate = mergeOverBase(base, entry.data);
    } else if (entry.data.removeFactors !== undefined) {
      issues.push({ path: `models[${i}].removeFactors`, message: 'removeFactors needs extends' });
      return;
    }
    const parsed = ModelSchema.safeParse(candidate);
    if (!parsed.success) {
      issues.push(...issuesOf(parsed.error, ['models', i]));
      return;
    }
    if (models.some((m) => m.id === parsed.data.id)) {
      issues.push({ path: `models[${i}].id`, message: `duplicate model id "${parsed.data.id}"` });
      return;
    }
    models.push(parsed.data);
  });
  if (issues.length === 0 && !models.some((m) => m.appliesTo === undefined)) {
    issues.push({ path: 'models', message: 'one model must have no appliesTo, so every account gets a model' });
  }
  if (issues.length > 0) throw new ModelValidationError(issues, 'model set');
  return { lifecycle: file.data.lifecycle, models };
}

function parseSingle(input: unknown, prefix: PropertyKey[]): Model {
  const parsed = ModelSchema.safeParse(input);
  if (!parsed.success) throw new ModelValidationError(issuesOf(parsed.error, prefix));
  return parsed.data;
}

export function modelApplies(model: Model, account: AccountAttributes, stage: LifecycleStage): boolean {
  const rule = model.appliesTo;
  if (!rule) return true;
  if (rule.stages && !rule.stages.includes(stage)) return false;
  return rule.where.every((condition) => conditionHolds(condition, account));
}

/** The first specific model that applies; the fallback (no appliesTo) when none does. */
export function selectModel(
  models: ModelSet | readonly Model[],
  account: AccountAttributes,
  asOf: Date,
): ModelSelection {
  const list = 'models' in models ? models.models : models;
  const lifecycle = 'lifecycle' in models ? models.lifecycle : DEFAULT_LIFECYCLE;
  const stage = lifecycleStage(account, asOf, lifecycle);
  const model =
    list.find((m) => m.appliesTo !== undefined && modelApplies(m, account, stage)) ??
    list.find((m) => m.appliesTo === undefined);
  if (!model) throw new Error(`no model applies to account ${account.accountId ?? '(unnamed)'}; add a model without appliesTo`);
  return { model, stage };
}
