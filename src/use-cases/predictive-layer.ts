import { z } from 'zod';
import { ProbabilityModelSchema, predictOutcomeProbability, type ProbabilityModel } from '../backtest/index.ts';
import type { ScoreResult } from '../scoring/index.ts';

/**
 * The predictive layer stored with a model version (`scoring_models.predictive`): calibrated
 * churn probability and expansion likelihood fitted on the tenant's own outcomes, beside —
 * never instead of — the transparent score.
 */
export const StoredPredictiveSchema = z.object({
  churn: ProbabilityModelSchema.nullable(),
  expansion: ProbabilityModelSchema.nullable().default(null),
  fittedAt: z.string(),
  /** Cross-validated figures shown next to the probability, so nobody trusts it blindly. */
  figures: z.record(z.string(), z.unknown()).default({}),
});
export type StoredPredictive = z.output<typeof StoredPredictiveSchema>;

export function parseStoredPredictive(value: unknown): StoredPredictive | null {
  if (value === null || value === undefined) return null;
  const parsed = StoredPredictiveSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** Probability from a score result's factor scores; null without a fitted model. */
export function probabilityFor(model: ProbabilityModel | null | undefined, result: Pick<ScoreResult, 'factors'>): number | null {
  if (!model) return null;
  const byId = new Map(result.factors.map((f) => [f.id, f.score]));
  return Math.round(predictOutcomeProbability(model, (id) => byId.get(id)) * 1e4) / 1e4;
}
