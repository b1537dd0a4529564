/**
 * Turns one account's latent history into the signals a connector would have delivered: noisy,
 * rounded, partly missing (sources the account never connected, a usage-feed outage, surveys only
 * monthly, support figures only when there were tickets) and silent after churn.
 */
import type { AccountHistory } from './account-history.ts';
import { DAY_MS, WEEK_MS } from './calendar.ts';
import { DEMO_METRIC_BY_ID } from './demo-metrics.ts';
import type { DemoSignal } from './portfolio-types.ts';
import type { Random } from './random.ts';
import type { Timeline } from './timeline.ts';

/** Weeks in a 90-day look-back window. */
const WINDOW_90D = 13;

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** A fixed-length running sum over the last N weekly counts. */
class RollingSum {
  private readonly values: number[];
  private position = 0;
  total = 0;

  constructor(length: number) {
    this.values = new Array<number>(length).fill(0);
  }

  push(value: number): void {
    this.total += value - this.values[this.position];
    this.values[this.position] = value;
    this.position = (this.position + 1) % this.values.length;
  }
}

/**
 * Rounds and clamps to the metric's documented range. Rounding keeps the CSV compact and makes
 * the values look like what real tools report.
 */
function finish(metric: string, value: number): number {
  const definition = DEMO_METRIC_BY_ID.get(metric);
  if (!definition) throw new Error(`unknown demo metric ${metric}`);
  const scale = 10 ** definition.decimals;
  const rounded = Math.round(clamp(value, definition.min, definition.max) * scale) / scale;
  // Math.round(-0.4) is -0, which would print as "0" but hash differently from 0.
  return rounded === 0 ? 0 : rounded;
}

export function* observeAccount(
  history: AccountHistory,
  timeline: Timeline,
  random: Random,
  noise: number,
): Generator<DemoSignal> {
  const { setup } = history;
  const { profile, sources, accountId } = setup;
  const W = timeline.warmupWeeks;
  const sinceMs = setup.customerSince.getTime();

  const meetings = new RollingSum(WINDOW_90D);
  const escalations = new RollingSum(WINDOW_90D);
  const tickets = new RollingSum(WINDOW_90D);
  const failedPayments = new RollingSum(WINDOW_90D);
  let openTickets = 0;
  let daysSinceTouch = 0;
  const newAccount = history.firstWeek >= 0;
  let goalProgress = newAccount ? 0 : random.uniform(0.1, 0.6);
  let lastGoalYear = -1;

  // The noise level scales measurement noise only; the causal story underneath stays the same.
  const n = (sd: number): number => random.normal(0, sd * noise);

  for (let t = history.firstWeek; t <= history.lastWeek; t += 1) {
    const i = t + W;
    const h = history.health[i];
    const seats = history.seats[i];
    const active = history.activeUsers[i];
    const weekMs = timeline.timeOf(t);
    const tenureWeeks = (weekMs - sinceMs) / WEEK_MS;
    const tenureDays = (weekMs - sinceMs) / DAY_MS;

    // Weekly event counts are drawn every week, warm-up included, so 90-day windows are full.
    meetings.push(sources.meetings ? random.poisson(profile.meetingsPerWeek * (0.3 + h)) : 0);
    escalations.push(random.poisson(profile.escalationsPerWeek * 4 * (1 - h) ** 2));
    const newTickets = random.poisson(
      Math.min(profile.maxTicketsPerWeek, (profile.ticketsPerTenSeats * seats) / 10) * (0.5 + 1.5 * (1 - h)),
    );
    tickets.push(newTickets);
    let stillOpen = 0;
    for (let k = 0; k < openTickets; k += 1) if (!random.bernoulli(0.7)) stillOpen += 1;
    openTickets = stillOpen + newTickets;
    failedPayments.push(history.failedPayments[i]);
    const touches = random.poisson(profile.touchesPerWeek * (0.25 + h));
    daysSinceTouch = touches > 0 ? random.int(0, 6) : daysSinceTouch + 7;
    // Success plans are reset every contract year with new goals.
    const goalYear = Math.floor(tenureWeeks / 52);
    if (goalYear !== lastGoalYear) {
      if (lastGoalYear !== -1) goalProgress = random.uniform(0, 0.1);
      lastGoalYear = goalYear;
    }
    goalProgress = clamp(goalProgress + 0.03 * (h - 0.3) + n(0.008), 0, 1);

    if (t < 0) continue;
    // A fresh Date per signal: consumers may keep or mutate what they receive.
    const signal = (metric: string, value: number): DemoSignal => ({
      accountId,
      metric,
      value: finish(metric, value),
      observedAt: new Date(weekMs),
    });

    const outage = setup.usageOutage;
    const usageLive = outage === null || t < outage.from || t >= outage.to;
    if (usageLive) {
      yield signal('usage.active_user_ratio', active / seats + n(0.03));
      yield signal('usage.login_days_30d', 2 + 26 * h + n(2));
      yield signal(
        'usage.feature_adoption',
        setup.featureCeiling * (1 - Math.exp(-(tenureWeeks + 1) / 8)) * (0.5 + 0.6 * h) + n(0.02),
      );
      yield signal('usage.session_minutes_per_user', (25 + 160 * h) * Math.exp(n(0.15)));
      if (tenureWeeks >= WINDOW_90D && t - WINDOW_90D >= history.firstWeek) {
        yield signal('usage.user_growth_90d', active / history.activeUsers[i - WINDOW_90D] - 1 + n(0.03));
      }
      if (sources.api && t - 4 >= history.firstWeek) {
        const volume = active * (0.4 + h);
        const earlier = history.activeUsers[i - 4] * (0.4 + history.health[i - 4]);
        yield signal('usage.api_calls_change_30d', volume / earlier - 1 + n(0.08));
      }
    }

    yield signal('engagement.email_reply_rate', 0.08 + 0.6 * h + n(0.05));
    if (sources.meetings) yield signal('engagement.meetings_90d', meetings.total);
    yield signal('engagement.days_since_last_touch', daysSinceTouch);
    if (sources.nps && tenureWeeks >= 4 && (((t - setup.surveyPhase) % 4) + 4) % 4 === 0) {
      yield signal('engagement.nps', 1.5 + 8.5 * h + n(0.9));
      yield signal('engagement.survey_response_rate', 0.05 + 0.6 * h + n(0.08));
    }

    if (tickets.total > 0) yield signal('support.csat', 0.55 + 0.42 * h + n(0.06));
    yield signal('support.open_tickets', openTickets);
    yield signal('support.escalations_90d', escalations.total);
    if (tickets.total > 0) {
      yield signal(
        'support.first_reply_hours',
        profile.firstReplyHoursMedian * Math.exp(n(0.4)) * (1 + 0.3 * (1 - h)),
      );
    }

    if (sources.successPlan && tenureWeeks >= 2) {
      yield signal('outcomes.goal_completion', goalProgress);
      yield signal('outcomes.milestones_completed', Math.floor(clamp(goalProgress + n(0.03), 0, 1) * 8) / 8);
      if (tenureDays >= setup.timeToValueDays) yield signal('outcomes.time_to_value_days', setup.timeToValueDays);
    }
    if (sources.roi && tenureWeeks >= WINDOW_90D) yield signal('outcomes.roi_realized', 0.2 + 1.6 * h + n(0.12));

    yield signal('billing.failed_payments_90d', failedPayments.total);
    yield signal('billing.days_past_due', history.daysPastDue[i]);
    yield signal('billing.seat_utilization', Math.round(history.provisionedUsers[i]) / seats);
    if (tenureWeeks >= WINDOW_90D && t - WINDOW_90D >= history.firstWeek) {
      yield signal('billing.mrr_change_90d', history.mrr[i] / history.mrr[i - WINDOW_90D] - 1);
    }
  }
}
