import { describe, expect, it } from 'vitest';
import { defaultModel } from './default-model.ts';
import { parseModel } from './model-schema.ts';
import { scoreAccount } from './score-account.ts';
import { AS_OF, FRESH, signalsAt } from './test-signals.ts';

describe('scoreAccount with the default model', () => {
  it('scores an account with every factor at its good anchor at least 90 and Healthy', () => {
    const result = scoreAccount(defaultModel, signalsAt('good'), AS_OF);
    expect(result.score).toBeGreaterThanOrEqual(90);
    expect(result.tier).toBe('healthy');
    expect(result.confidence).toBe(1);
    expect(result.insufficientData).toBe(false);
    expect(result.categories).toEqual({ usage: 100, engagement: 100, outcomes: 100, contract: 100 });
  });

  it('scores an account with every factor at its bad anchor Critical', () => {
    const result = scoreAccount(defaultModel, signalsAt('bad'), AS_OF);
    expect(result.score).toBe(0);
    expect(result.tier).toBe('critical');
  });

  it('scores usage-only data from usage alone, with confidence 0.4, flagged insufficient', () => {
    const signals = signalsAt('good', { only: (m) => m.startsWith('usage.') });
    const result = scoreAccount(defaultModel, signals, AS_OF);
    expect(result.score).toBe(100);
    expect(result.categories).toEqual({ usage: 100, engagement: null, outcomes: null, contract: null });
    expect(result.confidence).toBe(0.4);
    expect(result.insufficientData).toBe(true);
    expect(result.tier).toBeNull();
  });

  it('treats stale-only data as insufficient data, not as a score', () => {
    const longAgo = new Date('2024-01-01T00:00:00Z');
    const result = scoreAccount(defaultModel, signalsAt('good', { observedAt: longAgo }), AS_OF);
    expect(result.score).toBeNull();
    expect(result.confidence).toBe(0);
    expect(result.insufficientData).toBe(true);
    expect(result.factors.every((f) => f.status === 'stale')).toBe(true);
  });

  it('ignores signals observed after the as-of date (point in time)', () => {
    const before = signalsAt('bad');
    const after = signalsAt('good', { observedAt: new Date('2025-07-15T00:00:00Z') });
    const result = scoreAccount(defaultModel, [...before, ...after], AS_OF);
    expect(result.score).toBe(0);
    const later = scoreAccount(defaultModel, [...before, ...after], new Date('2025-07-20T00:00:00Z'));
    expect(later.score).toBe(100);
  });

  it('uses the latest observation per metric at or before as-of', () => {
    const result = scoreAccount(
      defaultModel,
      [
        { metric: 'usage.active_user_ratio', value: 0.7, observedAt: new Date('2025-06-20T00:00:00Z') },
        { metric: 'usage.active_user_ratio', value: 0.1, observedAt: new Date('2025-06-29T00:00:00Z') },
        { metric: 'usage.active_user_ratio', value: 0.4, observedAt: new Date('2025-06-25T00:00:00Z') },
      ],
      AS_OF,
    );
    expect(result.factors.find((f) => f.id === 'active_users')?.observedValue).toBe(0.1);
  });

  it('reports the chosen model, its version and the lifecycle stage', () => {
    const result = scoreAccount(defaultModel, signalsAt('good'), AS_OF, {
      customerSince: new Date('2025-05-01T00:00:00Z'),
    });
    expect(result.modelId).toBe('default');
    expect(result.modelVersion).toBe(1);
    expect(result.lifecycleStage).toBe('onboarding');
    expect(result.scoredAt).toEqual(AS_OF);
  });

  it('keeps contributions summing to the score minus the neutral 50', () => {
    const mixed = [...signalsAt('good', { only: (m) => m.startsWith('usage.') }), ...signalsAt('bad', { only: (m) => m.startsWith('billing.') })];
    const result = scoreAccount(defaultModel, mixed, AS_OF);
    const total = result.factors.reduce((sum, f) => sum + f.contribution, 0);
    expect(total).toBeCloseTo((result.rawScore ?? 0) - 50, 9);
  });
});

describe('missing-weight redistribution', () => {
  const model = parseModel({
    id: 'two-by-two',
    name: 'two by two',
    categories: { usage: 60, engagement: 40 },
    factors: [
      { id: 'a', metric: 'usage.active_user_ratio', weight: 3, normalization: { type: 'linear', bad: 0, good: 1 } },
      { id: 'b', metric: 'usage.feature_adoption', weight: 1, normalization: { type: 'linear', bad: 0, good: 1 } },
      { id: 'c', metric: 'support.csat', weight: 1, normalization: { type: 'linear', bad: 0, good: 1 } },
    ],
    minConfidence: 0,
  });
  const at = (metric: string, value: number) => ({ metric, value, observedAt: FRESH });

  it('redistributes a missing factor within its category before across categories', () => {
    // b is missing: usage = a alone (80); overall = 0.6·80 + 0.4·20.
    const result = scoreAccount(model, [at('usage.active_user_ratio', 0.8), at('support.csat', 0.2)], AS_OF);
    expect(result.categories.usage).toBe(80);
    expect(result.rawScore).toBeCloseTo(0.6 * 80 + 0.4 * 20, 9);
    expect(result.confidence).toBeCloseTo(0.6 * 0.75 + 0.4, 9);
  });

  it('redistributes an empty category across the other categories', () => {
    const result = scoreAccount(model, [at('usage.active_user_ratio', 0.8), at('usage.feature_adoption', 0.4)], AS_OF);
    expect(result.categories.engagement).toBeNull();
    expect(result.rawScore).toBeCloseTo(0.75 * 80 + 0.25 * 40, 9);
    expect(result.confidence).toBeCloseTo(0.6, 9);
  });
});

describe('drivers', () => {
  it('renders the top negative and positive drivers in plain words with the observed value', () => {
    const signals = [
      ...signalsAt('good', { only: (m) => !m.startsWith('usage.') }),
      { metric: 'usage.active_user_ratio', value: 0.21, observedAt: FRESH },
    ];
    const result = scoreAccount(defaultModel, signals, AS_OF);
    const usage = result.drivers.find((d) => d.factor === 'active_users');
    expect(usage?.points).toBeLessThan(0);
    expect(usage?.text).toBe(`Usage \u2212${Math.abs(usage?.points ?? 0)}: weekly active users 21 % of seats`);
    expect(result.drivers[0]?.factor).toBe('active_users');
    expect(result.drivers.filter((d) => d.points > 0).length).toBeLessThanOrEqual(2);
  });

  it('scales a per-seat factor by licensed seats and shows the share of seats', () => {
    const model = parseModel({
      id: 'per-seat',
      name: 'per seat',
      categories: { usage: 1 },
      factors: [{ id: 'wau', metric: 'usage.weekly_active_users', weight: 1, perSeat: true,
        normalization: { type: 'linear', bad: 0.1, good: 0.7 }, label: 'weekly active users {value} of seats' }],
    });
    const result = scoreAccount(model, [{ metric: 'usage.weekly_active_users', value: 21, observedAt: FRESH }], AS_OF, { seats: 100 });
    expect(result.factors[0]?.scaledValue).toBeCloseTo(0.21, 9);
    expect(result.drivers[0]?.text).toMatch(/^Usage \u2212\d+: weekly active users 21 % of seats$/);
    const noSeats = scoreAccount(model, [{ metric: 'usage.weekly_active_users', value: 21, observedAt: FRESH }], AS_OF);
    expect(noSeats.factors[0]?.status).toBe('no_seats');
    expect(noSeats.score).toBeNull();
  });
});
