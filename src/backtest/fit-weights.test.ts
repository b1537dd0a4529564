import { describe, expect, it } from 'vitest';
import { parseModel, parseModelText } from '../scoring/index.ts';
import { stringify } from 'yaml';
import { draftModelFromFit, fitFactorWeights } from './fit-weights.ts';
import { fitProbabilityModel, predictOutcomeProbability, predictRow } from './probability-model.ts';
import { seededRandom } from './seeded-random.ts';
import { sigmoid } from './logistic-regression.ts';

const model = parseModel({
  id: 'fit-test',
  name: 'Fit test',
  version: 3,
  categories: { usage: 50, engagement: 30, contract: 20 },
  factors: [
    { id: 'active_users', metric: 'usage.active_user_ratio', weight: 1, normalization: { type: 'linear', bad: 0.1, good: 0.7 } },
    { id: 'logins', metric: 'usage.login_days_30d', weight: 1, normalization: { type: 'linear', bad: 2, good: 20 } },
    { id: 'csat', metric: 'support.csat', weight: 1, normalization: { type: 'linear', bad: 0.6, good: 0.95 } },
    { id: 'failed_payments', metric: 'billing.failed_payments_90d', weight: 1, normalization: { type: 'bands', thresholds: [1, 2], scores: [100, 50, 0] } },
  ],
});

/** Churn driven by active users (strongly) and payments (mildly); logins point the "wrong" way; csat is noise. */
function sample(n: number, seed: number) {
  const random = seededRandom(seed);
  const rows: Float64Array[] = [];
  const churned: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const row = Float64Array.from({ length: 4 }, () => random() * 100);
    if (i % 10 === 0) row[2] = Number.NaN;
    rows.push(row);
    const eta = 1.5 - 0.06 * (row[0] as number) + 0.02 * (row[1] as number) - 0.02 * (row[3] as number);
    churned.push(random() < sigmoid(eta) ? 1 : 0);
  }
  return { rows, churned };
}

describe('fitting weights', () => {
  const { rows, churned } = sample(4000, 21);
  const fit = fitFactorWeights(model, rows, churned, { l2: 1 });
  const byId = new Map(fit.factors.map((f) => [f.factorId, f]));

  it('gives the strongest protective factor the largest weight', () => {
    expect(byId.get('active_users')?.fittedShare).toBeGreaterThan(byId.get('failed_payments')?.fittedShare as number);
    expect(byId.get('active_users')?.coefficient).toBeCloseTo(-0.06, 1);
    expect(fit.factors.reduce((a, f) => a + f.fittedShare, 0)).toBeCloseTo(1, 9);
  });

  it('drops a factor whose higher score comes with more churn instead of flipping it', () => {
    expect(byId.get('logins')?.status).toBe('dropped_wrong_direction');
    expect(byId.get('logins')?.fittedShare).toBe(0);
    expect(byId.get('logins')?.coefficient).toBeNull();
  });

  it('writes an unversioned draft whose weights are percentages and that the model parser accepts', () => {
    const draft = draftModelFromFit(model, fit, 'test draft');
    expect(draft.model.version).toBeUndefined();
    expect(draft.model.name).toBe('Fit test (fitted draft)');
    expect(draft.model.factors.map((f) => f.id)).not.toContain('logins');
    const total = draft.model.factors.reduce((a, f) => a + f.weight, 0);
    expect(total).toBeCloseTo(100, 0);
    const categoryTotal = Object.values(draft.model.categories).reduce((a, w) => a + (w ?? 0), 0);
    expect(categoryTotal).toBeCloseTo(total, 6);
    // Round-trips through a model file as `crm-health score --model` reads it.
    const reparsed = parseModelText(stringify(draft.input), 'draft.yaml');
    expect(reparsed.models[0]?.factors).toEqual(draft.model.factors);
  });

  it('refuses when no factor protects against churn', () => {
    // Every factor is higher exactly for the accounts that churn.
    const perverse = rows.map((r) => Float64Array.from([r[1] as number, r[1] as number, r[1] as number, r[1] as number]));
    const labels = perverse.map((r) => ((r[0] as number) > 50 ? 1 : 0));
    expect(() => fitFactorWeights(model, perverse, labels, { l2: 1 })).toThrow(/no factor lowers the churn odds/);
  });
});

describe('churn probability model', () => {
  const { rows, churned } = sample(4000, 22);
  const factorIds = model.factors.map((f) => f.id);
  const probability = fitProbabilityModel(rows, churned, factorIds, { outcome: 'churned', horizonDays: 90, l2: 1, calibrationFolds: 5, seed: 1 });

  it('is calibrated: mean predicted probability matches the observed churn rate', () => {
    const predicted = rows.map((r) => predictRow(probability, r));
    const meanPredicted = predicted.reduce((a, b) => a + b, 0) / predicted.length;
    const observed = churned.reduce((a, b) => a + b, 0) / churned.length;
    expect(meanPredicted).toBeCloseTo(observed, 1);
  });

  it('evaluates the same from factor lookups, treating missing factors as their training mean', () => {
    const row = rows[10] as Float64Array;
    const byLookup = predictOutcomeProbability(probability, (id) => {
      const v = row[factorIds.indexOf(id)] as number;
      return Number.isNaN(v) ? null : v;
    });
    expect(byLookup).toBeCloseTo(predictRow(probability, row), 12);
    expect(Number.isNaN(row[2] as number)).toBe(true);
  });
});
