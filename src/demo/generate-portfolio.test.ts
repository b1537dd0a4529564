import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { isCatalogueMetric } from '../scoring/metric-catalogue.ts';
import { WEEK_MS } from './calendar.ts';
import { DEMO_METRIC_BY_ID, DEMO_METRICS } from './demo-metrics.ts';
import { churnDates, collectWarningSeries, measureChurnEvidence, summarizePortfolio } from './describe-portfolio.ts';
import type { WarningSeries } from './describe-portfolio.ts';
import { generatePortfolio } from './generate-portfolio.ts';
import type { DemoPortfolio } from './generate-portfolio.ts';

const END = new Date('2026-06-30T00:00:00Z');

function signalStreamHash(portfolio: DemoPortfolio): { hash: string; count: number } {
  const hash = createHash('sha256');
  let count = 0;
  for (const s of portfolio.signals()) {
    hash.update(`${s.accountId}|${s.metric}|${s.value}|${s.observedAt.toISOString()}\n`);
    count += 1;
  }
  return { hash: hash.digest('hex'), count };
}

/**
 * One-sided Mann–Whitney U test as a z-score (normal approximation, ties averaged): negative
 * when `a` tends to be smaller than `b`. Rank-based, so skewed per-account means are fine.
 */
function mannWhitneyZ(a: readonly number[], b: readonly number[]): number {
  const pooled = [...a.map((v) => ({ v, fromA: true })), ...b.map((v) => ({ v, fromA: false }))].sort(
    (x, y) => x.v - y.v,
  );
  let rankSumA = 0;
  let tieTerm = 0;
  for (let i = 0; i < pooled.length; ) {
    let j = i;
    while (j < pooled.length && pooled[j].v === pooled[i].v) j += 1;
    const averageRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k += 1) if (pooled[k].fromA) rankSumA += averageRank;
    const tied = j - i;
    tieTerm += tied ** 3 - tied;
    i = j;
  }
  const n1 = a.length;
  const n2 = b.length;
  const n = n1 + n2;
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const sd = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  return (u - (n1 * n2) / 2) / sd;
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

describe('generatePortfolio', () => {
  let portfolio: DemoPortfolio;
  let series: Map<string, WarningSeries>;

  beforeAll(() => {
    portfolio = generatePortfolio({ seed: 42, endDate: END });
    series = collectWarningSeries(portfolio.signals());
  });

  it('replays the identical portfolio and signal stream for the same seed', () => {
    const again = generatePortfolio({ seed: 42, endDate: END });
    const first = signalStreamHash(portfolio);
    expect(signalStreamHash(again)).toEqual(first);
    // signals() regenerates on every call rather than handing out a spent iterator.
    expect(signalStreamHash(portfolio)).toEqual(first);
    expect(JSON.stringify(again.accounts)).toBe(JSON.stringify(portfolio.accounts));
    expect(JSON.stringify(again.outcomes)).toBe(JSON.stringify(portfolio.outcomes));
  });

  it('tells a different story for a different seed', () => {
    const other = generatePortfolio({ seed: 43, endDate: END });
    expect(signalStreamHash(other).hash).not.toBe(signalStreamHash(portfolio).hash);
    expect(other.accounts.map((a) => a.name)).not.toEqual(portfolio.accounts.map((a) => a.name));
  });

  it('generates the full default portfolio in well under a few seconds', () => {
    const started = performance.now();
    const { count } = signalStreamHash(generatePortfolio({ seed: 7, endDate: END }));
    const seconds = (performance.now() - started) / 1000;
    expect(count).toBeGreaterThan(500_000);
    expect(seconds).toBeLessThan(5);
  });

  it('holds at least 500 uniquely named accounts across every segment, plan, region and industry', () => {
    const { accounts } = portfolio;
    expect(accounts).toHaveLength(600);
    expect(new Set(accounts.map((a) => a.accountId)).size).toBe(600);
    expect(new Set(accounts.map((a) => a.name)).size).toBe(600);
    expect(new Set(accounts.map((a) => a.domain)).size).toBe(600);
    expect(new Set(accounts.map((a) => a.segment))).toEqual(new Set(['Enterprise', 'Mid-Market', 'SMB']));
    expect(new Set(accounts.map((a) => a.plan))).toEqual(new Set(['Starter', 'Professional', 'Business', 'Enterprise']));
    expect(new Set(accounts.map((a) => a.region)).size).toBe(4);
    expect(new Set(accounts.map((a) => a.industry)).size).toBeGreaterThanOrEqual(8);
    expect(new Set(accounts.map((a) => a.ownerName)).size).toBeGreaterThanOrEqual(10);
  });

  it('gives Enterprise more seats, more revenue and annual contracts, and SMB mostly monthly ones', () => {
    const bySegment = (segment: string) => portfolio.accounts.filter((a) => a.segment === segment);
    const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1];
    const enterprise = bySegment('Enterprise');
    const smb = bySegment('SMB');
    expect(median(enterprise.map((a) => a.seats))).toBeGreaterThan(10 * median(smb.map((a) => a.seats)));
    expect(median(enterprise.map((a) => a.mrr))).toBeGreaterThan(20 * median(smb.map((a) => a.mrr)));
    expect(enterprise.every((a) => a.renewalDate !== null)).toBe(true);
    expect(smb.filter((a) => a.renewalDate === null).length / smb.length).toBeGreaterThan(0.6);
  });

  it('has customers in every segment and every lifecycle stage at the end date', () => {
    const summary = summarizePortfolio(portfolio);
    expect(summary.activeAtEnd).toBeGreaterThan(450);
    for (const segment of ['Enterprise', 'Mid-Market', 'SMB'] as const) {
      expect(summary.segmentsAtEnd[segment]).toBeGreaterThanOrEqual(50);
    }
    for (const stage of ['onboarding', 'growth', 'maturity', 'renewal'] as const) {
      expect(summary.lifecycleAtEnd[stage]).toBeGreaterThanOrEqual(15);
    }
    // Some customers started before the observed window, some during it.
    const started = portfolio.accounts.map((a) => a.customerSince.getTime());
    expect(started.filter((t) => t < portfolio.window.start.getTime()).length).toBeGreaterThan(300);
    expect(started.filter((t) => t >= portfolio.window.start.getTime()).length).toBeGreaterThan(150);
  });

  it('observes 78 weekly dates covering 18 months up to the end date', () => {
    const dates = new Set<number>();
    for (const s of portfolio.signals()) dates.add(s.observedAt.getTime());
    const sorted = [...dates].sort((a, b) => a - b);
    expect(sorted).toHaveLength(78);
    expect(sorted[sorted.length - 1]).toBe(END.getTime());
    for (let i = 1; i < sorted.length; i += 1) expect(sorted[i] - sorted[i - 1]).toBe(WEEK_MS);
    expect(sorted[0]).toBe(portfolio.window.start.getTime());
    expect((END.getTime() - sorted[0]) / (30.44 * 86_400_000)).toBeGreaterThan(17.5);
  });

  it('churns 10–16 % of customers a year overall, SMB the most and Enterprise the least', () => {
    const rates = [1, 2, 3, 42].map((seed) => summarizePortfolio(generatePortfolio({ seed, endDate: END })));
    for (const summary of rates) {
      expect(summary.overall.annualChurnRate).toBeGreaterThan(0.1);
      expect(summary.overall.annualChurnRate).toBeLessThan(0.16);
      expect(summary.bySegment.SMB.annualChurnRate).toBeGreaterThan(summary.bySegment['Mid-Market'].annualChurnRate);
      expect(summary.bySegment.SMB.annualChurnRate).toBeGreaterThan(summary.bySegment.Enterprise.annualChurnRate);
    }
    // Averaged over seeds, Enterprise keeps customers best.
    const avg = (segment: 'Enterprise' | 'Mid-Market' | 'SMB') =>
      mean(rates.map((s) => s.bySegment[segment].annualChurnRate));
    expect(avg('Enterprise')).toBeLessThan(avg('Mid-Market'));
    expect(avg('Mid-Market')).toBeLessThan(avg('SMB'));
  });

  it('shows churners lower usage and more failed payments in the 8 weeks before churn than renewers before renewal', () => {
    const evidence = measureChurnEvidence(portfolio, series);
    const { churned, renewed } = evidence;
    expect(churned.events).toBeGreaterThanOrEqual(50);
    expect(renewed.events).toBeGreaterThanOrEqual(100);
    expect(mean(churned.activeUserRatio8w)).toBeLessThan(mean(renewed.activeUserRatio8w) - 0.1);
    expect(mean(churned.failedPayments8w)).toBeGreaterThan(3 * mean(renewed.failedPayments8w));
    // z beyond ±4 is p < 0.0001 one-sided: the difference is not a sampling accident.
    expect(mannWhitneyZ(churned.activeUserRatio8w, renewed.activeUserRatio8w)).toBeLessThan(-4);
    expect(mannWhitneyZ(churned.failedPayments8w, renewed.failedPayments8w)).toBeGreaterThan(4);
    // The decline comes weeks ahead, and far more often before churn than before a renewal.
    expect(churned.usageDeclineShare).toBeGreaterThan(2 * renewed.usageDeclineShare);
    expect(churned.medianVisibleDeclineWeeks).toBeGreaterThanOrEqual(4);
    expect(churned.failedPaymentShare12w).toBeGreaterThan(2 * renewed.failedPaymentShare12w);
  });

  it('emits no signal on or after an account churns, and none before it became a customer', () => {
    const churned = churnDates(portfolio);
    const since = new Map(portfolio.accounts.map((a) => [a.accountId, a.customerSince.getTime()]));
    const lastSeen = new Map<string, number>();
    let violations = 0;
    for (const s of portfolio.signals()) {
      const t = s.observedAt.getTime();
      const churnMs = churned.get(s.accountId);
      if (churnMs !== undefined && t >= churnMs) violations += 1;
      const sinceMs = since.get(s.accountId);
      if (sinceMs === undefined || t <= sinceMs) violations += 1;
      lastSeen.set(s.accountId, Math.max(lastSeen.get(s.accountId) ?? 0, t));
    }
    expect(violations).toBe(0);
    // Churned accounts go silent within a week of churn; everyone else is seen on the end date.
    for (const account of portfolio.accounts) {
      const churnMs = churned.get(account.accountId);
      const last = lastSeen.get(account.accountId);
      if (churnMs === undefined) expect(last).toBe(END.getTime());
      else if (last !== undefined) expect(churnMs - last).toBeLessThanOrEqual(WEEK_MS);
    }
  });

  it('keeps every value within its documented range and uses only canonical metric names', () => {
    const outOfRange: string[] = [];
    const seen = new Set<string>();
    for (const s of portfolio.signals()) {
      const definition = DEMO_METRIC_BY_ID.get(s.metric);
      seen.add(s.metric);
      if (!definition || !Number.isFinite(s.value) || s.value < definition.min || s.value > definition.max) {
        outOfRange.push(`${s.accountId} ${s.metric}=${s.value}`);
      }
      if (definition?.decimals === 0 && !Number.isInteger(s.value)) outOfRange.push(`${s.metric} not whole: ${s.value}`);
    }
    expect(outOfRange.slice(0, 5)).toEqual([]);
    expect([...seen].sort()).toEqual(DEMO_METRICS.map((m) => m.metric).sort());
    for (const metric of seen) expect(isCatalogueMetric(metric), metric).toBe(true);
  });

  it('leaves realistic gaps: no NPS for some, no meetings for tech-touch SMB, usage feeds that go quiet', () => {
    const metricsByAccount = new Map<string, Set<string>>();
    const usageWeeks = new Map<string, number[]>();
    for (const s of portfolio.signals()) {
      let metrics = metricsByAccount.get(s.accountId);
      if (!metrics) metricsByAccount.set(s.accountId, (metrics = new Set()));
      metrics.add(s.metric);
      if (s.metric === 'usage.active_user_ratio') {
        const weeks = usageWeeks.get(s.accountId) ?? [];
        weeks.push(s.observedAt.getTime());
        usageWeeks.set(s.accountId, weeks);
      }
    }
    const segmentOf = new Map(portfolio.accounts.map((a) => [a.accountId, a.segment]));
    const lacking = (metric: string, segment?: string) =>
      [...metricsByAccount].filter(([id, m]) => !m.has(metric) && (!segment || segmentOf.get(id) === segment)).length;
    expect(lacking('engagement.nps')).toBeGreaterThan(100);
    expect(lacking('engagement.meetings_90d', 'SMB')).toBeGreaterThan(100);
    expect(lacking('engagement.meetings_90d', 'Enterprise')).toBe(0);
    expect(lacking('usage.api_calls_change_30d')).toBeGreaterThan(200);
    const withGap = [...usageWeeks.values()].filter((weeks) =>
      weeks.some((t, i) => i > 0 && t - weeks[i - 1] >= 3 * WEEK_MS),
    ).length;
    expect(withGap).toBeGreaterThan(30);
  });

  it('reflects expansions in seats and 90-day MRR change, and contract outcomes follow the contract type', () => {
    const renewalDates = new Map(portfolio.accounts.map((a) => [a.accountId, a.renewalDate]));
    const mrrChange = new Map<string, [number, number][]>();
    for (const s of portfolio.signals()) {
      if (s.metric !== 'billing.mrr_change_90d') continue;
      const points = mrrChange.get(s.accountId) ?? [];
      points.push([s.observedAt.getTime(), s.value]);
      mrrChange.set(s.accountId, points);
    }
    const expansions = portfolio.outcomes.filter((o) => o.outcome === 'expanded');
    expect(expansions.length).toBeGreaterThan(50);
    let rose = 0;
    let checked = 0;
    for (const o of expansions) {
      const after = (mrrChange.get(o.accountId) ?? []).find(
        ([t]) => t >= o.occurredAt.getTime() && t < o.occurredAt.getTime() + WEEK_MS,
      );
      if (!after) continue;
      checked += 1;
      if (after[1] > 0) rose += 1;
    }
    expect(checked).toBeGreaterThan(30);
    expect(rose / checked).toBeGreaterThan(0.9);

    const perAccount = new Map<string, string[]>();
    for (const o of portfolio.outcomes) perAccount.set(o.accountId, [...(perAccount.get(o.accountId) ?? []), o.outcome]);
    for (const [accountId, kinds] of perAccount) {
      expect(kinds.filter((k) => k === 'churned').length).toBeLessThanOrEqual(1);
      if (kinds.includes('churned')) expect(kinds[kinds.length - 1]).toBe('churned');
      // Only annual contracts have renewals; monthly ones just keep paying.
      if (kinds.includes('renewed')) expect(renewalDates.get(accountId)).not.toBeNull();
    }
    for (const o of portfolio.outcomes) {
      expect(o.occurredAt.getTime()).toBeGreaterThan(portfolio.window.start.getTime());
      expect(o.occurredAt.getTime()).toBeLessThanOrEqual(END.getTime());
    }
  });

  it('scales measurement noise without changing the story underneath', () => {
    const quiet = generatePortfolio({ seed: 42, endDate: END, noise: 0 });
    const loud = generatePortfolio({ seed: 42, endDate: END, noise: 2 });
    expect(JSON.stringify(quiet.outcomes)).toBe(JSON.stringify(portfolio.outcomes));
    expect(JSON.stringify(loud.accounts)).toBe(JSON.stringify(portfolio.accounts));
    // Mean week-to-week movement of a metric whose only fast-moving part is measurement noise.
    const jitter = (p: DemoPortfolio): number => {
      const previous = new Map<string, number>();
      let sum = 0;
      let count = 0;
      for (const s of p.signals()) {
        if (s.metric !== 'engagement.email_reply_rate') continue;
        const before = previous.get(s.accountId);
        if (before !== undefined) {
          sum += Math.abs(s.value - before);
          count += 1;
        }
        previous.set(s.accountId, s.value);
      }
      return sum / count;
    };
    expect(jitter(quiet)).toBeLessThan(jitter(portfolio));
    expect(jitter(portfolio)).toBeLessThan(jitter(loud));
  });

  it('rejects options it cannot honour with a message naming the problem', () => {
    expect(() => generatePortfolio({ seed: 1.5, endDate: END })).toThrow(/seed must be an integer/);
    expect(() => generatePortfolio({ seed: 1, endDate: new Date('nope') })).toThrow(/endDate must be a valid date/);
    expect(() => generatePortfolio({ seed: 1, endDate: END, weeks: 4 })).toThrow(/at least 14/);
  });

  it('honours a smaller portfolio and a shorter window', () => {
    const small = generatePortfolio({ seed: 9, endDate: END, accounts: 40, weeks: 26 });
    expect(small.accounts).toHaveLength(40);
    const dates = new Set<number>();
    for (const s of small.signals()) dates.add(s.observedAt.getTime());
    expect(dates.size).toBe(26);
    expect(small.window.weeks).toBe(26);
  });
});
