/**
 * Measures a generated portfolio the way a CS leader would look at it: churn per segment,
 * lifecycle mix at the end date, and what the signals did before churn compared with before a
 * renewal. The docs quote these figures and the tests hold the generator to them.
 */
import { lifecycleStage } from '../scoring/lifecycle-stage.ts';
import type { LifecycleStage } from '../scoring/lifecycle-stage.ts';
import { DAY_MS, WEEK_MS } from './calendar.ts';
import type { DemoPortfolio, DemoSignal } from './portfolio-types.ts';
import type { Segment } from './segment-profiles.ts';

const YEAR_MS = 365.25 * DAY_MS;

export interface ChurnFigures {
  readonly accounts: number;
  readonly churned: number;
  /** Customer-years observed inside the window. */
  readonly exposureYears: number;
  /** Churned ÷ exposure years: the yearly logo churn rate. */
  readonly annualChurnRate: number;
}

export interface PortfolioSummary {
  readonly accounts: number;
  readonly activeAtEnd: number;
  readonly overall: ChurnFigures;
  readonly bySegment: Readonly<Record<Segment, ChurnFigures>>;
  readonly outcomes: Readonly<Record<'churned' | 'renewed' | 'expanded', number>>;
  /** Stage of every account still a customer at the end date, by the scoring engine's rule. */
  readonly lifecycleAtEnd: Readonly<Partial<Record<LifecycleStage, number>>>;
  readonly segmentsAtEnd: Readonly<Partial<Record<Segment, number>>>;
}

export function churnDates(portfolio: DemoPortfolio): Map<string, number> {
  const dates = new Map<string, number>();
  for (const o of portfolio.outcomes) if (o.outcome === 'churned') dates.set(o.accountId, o.occurredAt.getTime());
  return dates;
}

export function summarizePortfolio(portfolio: DemoPortfolio): PortfolioSummary {
  const startMs = portfolio.window.start.getTime();
  const endMs = portfolio.window.end.getTime();
  const churned = churnDates(portfolio);
  const tally = (segment: Segment | null): ChurnFigures => {
    let accounts = 0;
    let lost = 0;
    let exposureMs = 0;
    for (const a of portfolio.accounts) {
      if (segment !== null && a.segment !== segment) continue;
      accounts += 1;
      const churnMs = churned.get(a.accountId);
      if (churnMs !== undefined) lost += 1;
      exposureMs += Math.max(0, (churnMs ?? endMs) - Math.max(startMs, a.customerSince.getTime()));
    }
    const exposureYears = exposureMs / YEAR_MS;
    return { accounts, churned: lost, exposureYears, annualChurnRate: exposureYears > 0 ? lost / exposureYears : 0 };
  };

  const bySegment: Record<Segment, ChurnFigures> = {
    Enterprise: tally('Enterprise'),
    'Mid-Market': tally('Mid-Market'),
    SMB: tally('SMB'),
  };
  const outcomes = { churned: 0, renewed: 0, expanded: 0 };
  for (const o of portfolio.outcomes) outcomes[o.outcome] += 1;
  const lifecycleAtEnd: Partial<Record<LifecycleStage, number>> = {};
  const segmentsAtEnd: Partial<Record<Segment, number>> = {};
  let activeAtEnd = 0;
  for (const a of portfolio.accounts) {
    if (churned.has(a.accountId)) continue;
    activeAtEnd += 1;
    const stage = lifecycleStage(a, portfolio.window.end);
    lifecycleAtEnd[stage] = (lifecycleAtEnd[stage] ?? 0) + 1;
    segmentsAtEnd[a.segment] = (segmentsAtEnd[a.segment] ?? 0) + 1;
  }
  return {
    accounts: portfolio.accounts.length,
    activeAtEnd,
    overall: tally(null),
    bySegment,
    outcomes,
    lifecycleAtEnd,
    segmentsAtEnd,
  };
}

/** Weekly points of the two series the churn story is told in, per account. */
export interface WarningSeries {
  readonly activeUserRatio: [number, number][];
  readonly failedPayments: [number, number][];
}

export function collectWarningSeries(signals: Iterable<DemoSignal>): Map<string, WarningSeries> {
  const byAccount = new Map<string, WarningSeries>();
  for (const s of signals) {
    if (s.metric !== 'usage.active_user_ratio' && s.metric !== 'billing.failed_payments_90d') continue;
    let series = byAccount.get(s.accountId);
    if (!series) {
      series = { activeUserRatio: [], failedPayments: [] };
      byAccount.set(s.accountId, series);
    }
    const target = s.metric === 'usage.active_user_ratio' ? series.activeUserRatio : series.failedPayments;
    target.push([s.observedAt.getTime(), s.value]);
  }
  return byAccount;
}

/** Values observed in the `weeks` weeks before an event (strictly before it). */
export function valuesBefore(points: readonly [number, number][], eventMs: number, weeks: number): number[] {
  const fromMs = eventMs - weeks * WEEK_MS;
  return points.filter(([ms]) => ms >= fromMs && ms < eventMs).map(([, v]) => v);
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export interface UsageDecline {
  /** Weeks from the last usage peak (4-week average, within 26 weeks) to the event. */
  readonly fromPeakWeeks: number;
  /** Weeks from the first week the 4-week average sat `minDrop` below that peak to the event. */
  readonly visibleWeeks: number;
}

/**
 * How long usage had been falling before an event, or null when usage at the event is not at
 * least `minDrop` below its recent peak — a flat, noisy series has a peak somewhere too, so only
 * a real fall counts as a decline.
 */
export function usageDecline(points: readonly [number, number][], eventMs: number, minDrop = 0.15): UsageDecline | null {
  const before = points.filter(([ms]) => ms < eventMs && ms >= eventMs - 30 * WEEK_MS);
  if (before.length < 12) return null;
  const averages: [number, number][] = [];
  for (let k = 3; k < before.length; k += 1) {
    averages.push([before[k][0], mean(before.slice(k - 3, k + 1).map(([, v]) => v))]);
  }
  const lookback = averages.filter(([ms]) => ms >= eventMs - 26 * WEEK_MS);
  let peak = lookback[0];
  for (const point of lookback) if (point[1] >= peak[1]) peak = point;
  const threshold = peak[1] * (1 - minDrop);
  if (peak[1] <= 0 || averages[averages.length - 1][1] > threshold) return null;
  const visible = lookback.find(([ms, v]) => ms > peak[0] && v <= threshold) ?? peak;
  return { fromPeakWeeks: (eventMs - peak[0]) / WEEK_MS, visibleWeeks: (eventMs - visible[0]) / WEEK_MS };
}

export interface EventGroupEvidence {
  readonly events: number;
  /** Per event: mean usage.active_user_ratio in the 8 weeks before it. */
  readonly activeUserRatio8w: readonly number[];
  /** Per event: mean billing.failed_payments_90d in the 8 weeks before it. */
  readonly failedPayments8w: readonly number[];
  /** Share of events preceded by a ≥ 15 % usage fall from its 26-week peak. */
  readonly usageDeclineShare: number;
  /** Over those events: mean and median weeks from the usage peak to the event. */
  readonly meanUsageDeclineWeeks: number;
  readonly medianUsageDeclineWeeks: number;
  /** Over those events: mean and median weeks from the fall first being ≥ 15 % to the event. */
  readonly meanVisibleDeclineWeeks: number;
  readonly medianVisibleDeclineWeeks: number;
  /** Share of events with a failed payment in the 12 weeks before. */
  readonly failedPaymentShare12w: number;
  /** Mean weeks from the first failed payment (within 26 weeks) to the event. */
  readonly meanFirstFailedPaymentWeeks: number;
  /** Index k: mean usage.active_user_ratio k+1 weeks before the event, over events observed then. */
  readonly activeUserRatioByWeeksBefore: readonly number[];
  /** Index k: mean billing.failed_payments_90d k+1 weeks before the event. */
  readonly failedPaymentsByWeeksBefore: readonly number[];
}

export interface ChurnEvidence {
  readonly churned: EventGroupEvidence;
  /** Plain renewals (not expansions), each account's last one in the window. */
  readonly renewed: EventGroupEvidence;
}

/** Compares the run-up to churn with the run-up to a renewal, from the signals alone. */
export function measureChurnEvidence(portfolio: DemoPortfolio, series = collectWarningSeries(portfolio.signals())): ChurnEvidence {
  const lastEvent = (kind: 'churned' | 'renewed'): Map<string, number> => {
    const events = new Map<string, number>();
    for (const o of portfolio.outcomes) if (o.outcome === kind) events.set(o.accountId, o.occurredAt.getTime());
    return events;
  };
  const evidence = (events: Map<string, number>): EventGroupEvidence => {
    const usage8w: number[] = [];
    const payments8w: number[] = [];
    const declines: number[] = [];
    const visibleDeclines: number[] = [];
    const firstFailures: number[] = [];
    const curveWeeks = 26;
    const usageCurve = { sum: new Array<number>(curveWeeks).fill(0), count: new Array<number>(curveWeeks).fill(0) };
    const paymentCurve = { sum: new Array<number>(curveWeeks).fill(0), count: new Array<number>(curveWeeks).fill(0) };
    const addToCurve = (curve: typeof usageCurve, points: readonly [number, number][], eventMs: number): void => {
      for (const [ms, v] of points) {
        // Observations are weekly; the week index counts back from the event, 0 = the last week before it.
        const k = Math.ceil((eventMs - ms) / WEEK_MS) - 1;
        if (k < 0 || k >= curveWeeks) continue;
        curve.sum[k] += v;
        curve.count[k] += 1;
      }
    };
    let withFailure12w = 0;
    let counted = 0;
    for (const [accountId, eventMs] of events) {
      const s = series.get(accountId);
      if (!s) continue;
      const usage = valuesBefore(s.activeUserRatio, eventMs, 8);
      const payments = valuesBefore(s.failedPayments, eventMs, 8);
      if (usage.length === 0 || payments.length === 0) continue;
      counted += 1;
      addToCurve(usageCurve, s.activeUserRatio, eventMs);
      addToCurve(paymentCurve, s.failedPayments, eventMs);
      usage8w.push(mean(usage));
      payments8w.push(mean(payments));
      const decline = usageDecline(s.activeUserRatio, eventMs);
      if (decline !== null) {
        declines.push(decline.fromPeakWeeks);
        visibleDeclines.push(decline.visibleWeeks);
      }
      // A rise of the 90-day count marks the week a payment failed.
      let previous = 0;
      let first: number | null = null;
      for (const [ms, v] of s.failedPayments) {
        if (ms >= eventMs) break;
        if (ms >= eventMs - 26 * WEEK_MS && v > previous && first === null) first = ms;
        previous = v;
      }
      if (first !== null) firstFailures.push((eventMs - first) / WEEK_MS);
      if (s.failedPayments.some(([ms, v]) => ms < eventMs && ms >= eventMs - 12 * WEEK_MS && v > 0)) withFailure12w += 1;
    }
    return {
      events: counted,
      activeUserRatio8w: usage8w,
      failedPayments8w: payments8w,
      usageDeclineShare: counted ? declines.length / counted : 0,
      meanUsageDeclineWeeks: declines.length ? mean(declines) : 0,
      medianUsageDeclineWeeks: declines.length ? median(declines) : 0,
      meanVisibleDeclineWeeks: visibleDeclines.length ? mean(visibleDeclines) : 0,
      medianVisibleDeclineWeeks: visibleDeclines.length ? median(visibleDeclines) : 0,
      failedPaymentShare12w: counted ? withFailure12w / counted : 0,
      meanFirstFailedPaymentWeeks: firstFailures.length ? mean(firstFailures) : 0,
      activeUserRatioByWeeksBefore: usageCurve.sum.map((sum, k) => (usageCurve.count[k] ? sum / usageCurve.count[k] : 0)),
      failedPaymentsByWeeksBefore: paymentCurve.sum.map((sum, k) => (paymentCurve.count[k] ? sum / paymentCurve.count[k] : 0)),
    };
  };
  return { churned: evidence(lastEvent('churned')), renewed: evidence(lastEvent('renewed')) };
}
