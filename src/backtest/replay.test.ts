import { describe, expect, it } from 'vitest';
import { parseModel, scoreAccount, type Signal } from '../scoring/index.ts';
import { replayBacktest, type AccountHistory, type ReplayOptions } from './replay.ts';
import { seededRandom } from './seeded-random.ts';

const model = parseModel({
  id: 'replay-test',
  name: 'Replay test',
  categories: { usage: 60, contract: 40 },
  factors: [
    { id: 'active_users', metric: 'usage.active_user_ratio', weight: 1, maxAgeDays: 60, normalization: { type: 'linear', bad: 0.1, good: 0.7 } },
    { id: 'failed_payments', metric: 'billing.failed_payments_90d', weight: 1, maxAgeDays: 60, normalization: { type: 'bands', thresholds: [1, 2, 3], scores: [100, 50, 20, 0] } },
  ],
});

const day = (d: string): Date => new Date(`${d}T12:00:00Z`);
const DAY = 86_400_000;
const signal = (metric: string, value: number, at: string): Signal => ({ metric, value, observedAt: day(at) });

const baseOptions: ReplayOptions = {
  models: [model],
  from: day('2025-01-01'),
  to: day('2025-12-01'),
  everyDays: 30,
  horizonDays: 90,
  outcomesKnownUntil: null,
};

/** Accounts whose usage sinks for a few months before they churn; the rest stay healthy-ish. */
function portfolio(accounts: number, seed: number): AccountHistory[] {
  const random = seededRandom(seed);
  const start = day('2024-12-01').getTime();
  return Array.from({ length: accounts }, (_, a) => {
    const churnDay = random() < 0.3 ? 60 + Math.floor(random() * 300) : null;
    const signals: Signal[] = [];
    for (let d = 0; d < 400; d += 7) {
      const t = start + d * DAY;
      const decline = churnDay !== null && d > churnDay - 120 ? (d - (churnDay - 120)) / 120 : 0;
      signals.push({ metric: 'usage.active_user_ratio', value: Math.max(0, 0.6 - 0.5 * decline + (random() - 0.5) * 0.2), observedAt: new Date(t) });
      signals.push({ metric: 'billing.failed_payments_90d', value: decline > 0.5 && random() < 0.6 ? 2 : 0, observedAt: new Date(t) });
    }
    return {
      accountId: `acct-${a}`,
      account: { segment: a % 2 === 0 ? 'smb' : 'enterprise', customerSince: day('2023-01-01') },
      signals,
      outcomes: churnDay === null ? [] : [{ outcome: 'churned' as const, occurredAt: new Date(start + churnDay * DAY) }],
    };
  });
}

describe('point-in-time replay', () => {
  it('cannot be changed by signals observed after a snapshot date (leakage test)', async () => {
    const history: AccountHistory = {
      accountId: 'a',
      account: {},
      signals: [signal('usage.active_user_ratio', 0.2, '2025-01-01'), signal('billing.failed_payments_90d', 3, '2025-01-01')],
      outcomes: [],
    };
    const future = [
      // Wildly different values on every later day: if any leaked, a snapshot score would move.
      ...Array.from({ length: 200 }, (_, i) => ({ metric: 'usage.active_user_ratio', value: 1, observedAt: new Date(day('2025-01-02').getTime() + i * DAY) })),
      ...Array.from({ length: 200 }, (_, i) => ({ metric: 'billing.failed_payments_90d', value: 0, observedAt: new Date(day('2025-01-02').getTime() + i * DAY) })),
    ];
    const seen = async (h: AccountHistory, to: string) => {
      const scores: { date: string; score: number | null; signals: number }[] = [];
      await replayBacktest([h], {
        ...baseOptions,
        to: day(to),
        everyDays: 1,
        onSnapshot: (s) => scores.push({ date: s.date.toISOString(), score: s.result.score, signals: s.signals.length }),
      });
      return scores;
    };
    const without = await seen(history, '2025-01-01');
    const withFuture = await seen({ ...history, signals: [...future, ...history.signals] }, '2025-01-01');
    expect(without).toHaveLength(1);
    expect(withFuture).toEqual(without);
    expect(withFuture[0]?.signals).toBe(2);
    // And the engine itself ignores them when handed everything (second line of defence).
    const direct = scoreAccount(model, [...future, ...history.signals], day('2025-01-01'));
    expect(direct.score).toBe(without[0]?.score);
    // A longer replay over the same future does use each day's then-known values.
    const later = await seen({ ...history, signals: [...future, ...history.signals] }, '2025-01-05');
    expect(later[0]?.score).toBe(without[0]?.score);
    expect(later[4]?.score).toBe(100);
  });

  it('labels a snapshot positive only when churn follows within the horizon, and stops after churn', async () => {
    const history: AccountHistory = {
      accountId: 'b',
      account: {},
      signals: [signal('usage.active_user_ratio', 0.3, '2024-12-20'), signal('billing.failed_payments_90d', 0, '2024-12-20')],
      outcomes: [{ outcome: 'churned', occurredAt: day('2025-05-15') }],
    };
    const labels: [string, boolean][] = [];
    const result = await replayBacktest([{ ...history, signals: [...history.signals, ...monthly('2025-01-01', 12)] }], {
      ...baseOptions,
      onSnapshot: (s) => labels.push([s.date.toISOString().slice(0, 10), s.churned]),
    });
    // Snapshots every 30 days from 2025-01-01: churn on 05-15 is within 90 days of 03-02, 04-01, 05-01 only.
    expect(labels).toEqual([
      ['2025-01-01', false],
      ['2025-01-31', false],
      ['2025-03-02', true],
      ['2025-04-01', true],
      ['2025-05-01', true],
    ]);
    expect(result.snapshots.afterChurn).toBe(7);
    expect(result.overall.churn.positives).toBe(3);
  });

  it('censors snapshots whose horizon runs past the known outcomes', async () => {
    const result = await replayBacktest(portfolio(20, 3), { ...baseOptions, outcomesKnownUntil: day('2025-09-01') });
    const scoredDates = result.tierDistribution.filter((d) => d.healthy + d.at_risk + d.critical + d.insufficientData > 0);
    expect(scoredDates.at(-1)?.date).toBe('2025-05-31');
    expect(result.snapshots.censored).toBeGreaterThan(0);
  });

  it('finds declining accounts: AUC well above chance, Critical lift above 1, a positive lead time', async () => {
    const result = await replayBacktest(portfolio(300, 11), baseOptions);
    const churn = result.overall.churn;
    expect(churn.rocAuc).toBeGreaterThan(0.75);
    expect(churn.averagePrecision).toBeGreaterThan(churn.baseRate);
    expect(churn.brierScore).toBeLessThan(churn.baseRate * (1 - churn.baseRate));
    expect(churn.tiers.find((t) => t.tier === 'Critical')?.lift).toBeGreaterThan(1);
    expect(churn.flagged.recall).toBeGreaterThan(churn.flagged.falsePositiveRate);
    expect(result.overall.leadTime?.medianDays).toBeGreaterThan(0);
    expect(result.segments.map((s) => s.name)).toEqual(['enterprise', 'smb']);
    expect(result.lifecycleStages.map((s) => s.name)).toEqual(['maturity']);
    expect(result.tierDistribution).toHaveLength(12);
    expect(result.overall.expansion).toBeNull();
  });

  it('is deterministic and identical whether histories come as an array or an async stream', async () => {
    const histories = portfolio(50, 5);
    async function* stream() {
      for (const h of histories) yield h;
    }
    const a = await replayBacktest(histories, baseOptions);
    const b = await replayBacktest(stream(), baseOptions);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it('reports expansion figures when expansions exist', async () => {
    const histories = portfolio(60, 8).map((h, i) =>
      i % 4 === 0 && h.outcomes.length === 0 ? { ...h, outcomes: [{ outcome: 'expanded' as const, occurredAt: day('2025-06-01') }] } : h,
    );
    const result = await replayBacktest(histories, baseOptions);
    expect(result.hasExpansions).toBe(true);
    expect(result.overall.expansion?.positives).toBeGreaterThan(0);
    expect(result.overall.expansion?.flaggedLabel).toBe('Healthy');
  });
});

function monthly(from: string, months: number): Signal[] {
  const start = day(from).getTime();
  return Array.from({ length: months }, (_, i) => [
    { metric: 'usage.active_user_ratio', value: 0.3, observedAt: new Date(start + i * 30 * DAY) },
    { metric: 'billing.failed_payments_90d', value: 0, observedAt: new Date(start + i * 30 * DAY) },
  ]).flat();
}
