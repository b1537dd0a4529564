/**
 * The causal story of one demo account, week by week: a latent health that wanders, shocks that
 * move it, users and seats that follow it, invoices that fail more often when it is low, and the
 * decision to leave that — once taken — drags usage and payments down for weeks before the
 * contract actually ends. Observable signals are derived from this history in observe-signals.ts.
 */
import type { AccountSetup } from './account-setup.ts';
import { addMonths, DAY_MS, WEEK_MS } from './calendar.ts';
import type { DemoOutcome } from './portfolio-types.ts';
import type { Random } from './random.ts';
import type { Timeline } from './timeline.ts';

/** Tunable constants of the story; docs/demo-portfolio.md explains each. */
export const STORY = {
  /** Weekly pull of latent health back to the account's (shock-shifted) baseline. */
  meanReversion: 0.05,
  /** Weekly random-walk step of latent health (logit scale). */
  healthStep: 0.12,
  /** Weekly decay of a shock's effect on the baseline (half-life ≈ 23 weeks). */
  shockDecay: 0.97,
  championLeavesPerWeek: 0.0035,
  championLeavesEffect: -1.1,
  budgetCutPerWeek: 0.002,
  budgetCutEffect: -0.5,
  budgetStressWeeks: 20,
  rolloutPerWeek: 0.003,
  rolloutEffect: 0.7,
  /** Latent health lost per week while the customer is on its way out. */
  intentDrag: 0.08,
  /** Share of active users lost per week of intent (users move to the replacement tool). */
  intentUsageLoss: 0.035,
  /** How sharply the hazard of deciding to leave rises as recent health falls. */
  hazardSteepness: 6,
  /** Annual contracts decide in the last weeks before renewal. */
  renewalDecisionWeeks: 26,
  /** Median weeks between a monthly customer's decision and its cancellation date. */
  monthlyLeadWeeksMedian: 5,
  /** Weekly chance that a CSM save turns a leaving customer around. */
  savePerWeek: 0.02,
  /** Days past due after which the contract is terminated at the next invoice date. */
  delinquencyDays: 56,
  /** Expansion needs this many seats in use relative to seats purchased. */
  expansionUtilization: { annual: 0.9, monthly: 0.95 },
  /** Chance a qualifying account expands: at renewal (annual) or at an invoice (monthly). */
  expansionChance: { annual: 0.5, monthly: 0.1 },
} as const;

export interface AccountHistory {
  readonly setup: AccountSetup;
  /** First simulated week (negative for pre-existing accounts: warm-up). */
  readonly firstWeek: number;
  /** Last week with observations, inclusive; `weeks - 1` for an account still active. */
  readonly lastWeek: number;
  readonly churnedAt: Date | null;
  /** Per-week state, indexed by `t + warmupWeeks`. */
  readonly health: Float64Array;
  readonly provisionedUsers: Float64Array;
  readonly activeUsers: Float64Array;
  readonly seats: Float64Array;
  readonly mrr: Float64Array;
  readonly failedPayments: Uint8Array;
  readonly daysPastDue: Float64Array;
  readonly outcomes: readonly DemoOutcome[];
  readonly finalSeats: number;
  readonly finalMrr: number;
  readonly renewalDate: Date | null;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function logistic(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** Successive anniversaries of an anchor date every `stepMonths`, starting after a given time. */
class Anniversaries {
  private readonly anchor: Date;
  private readonly stepMonths: number;
  private k = 1;
  current: Date;

  constructor(anchor: Date, stepMonths: number, afterMs: number) {
    this.anchor = anchor;
    this.stepMonths = stepMonths;
    this.current = addMonths(anchor, stepMonths);
    while (this.current.getTime() <= afterMs) this.advance();
  }

  advance(): void {
    this.k += 1;
    this.current = addMonths(this.anchor, this.k * this.stepMonths);
  }
}

export function simulateAccount(setup: AccountSetup, timeline: Timeline, random: Random): AccountHistory {
  const { profile } = setup;
  const W = timeline.warmupWeeks;
  const size = W + timeline.weeks;
  const health = new Float64Array(size);
  const provisionedUsers = new Float64Array(size);
  const activeUsers = new Float64Array(size);
  const seatsByWeek = new Float64Array(size);
  const mrrByWeek = new Float64Array(size);
  const failedPayments = new Uint8Array(size);
  const daysPastDue = new Float64Array(size);
  const outcomes: DemoOutcome[] = [];

  const firstWeek = Math.max(-W, timeline.firstWeekAfter(setup.customerSince));
  const sinceMs = setup.customerSince.getTime();
  const tenureWeeksAt = (t: number): number => (timeline.timeOf(t) - sinceMs) / WEEK_MS;
  const isNew = tenureWeeksAt(firstWeek) < 2;

  let z = isNew ? setup.baseline - 0.3 + random.normal(0, 0.3) : setup.baseline + random.normal(0, 0.45);
  let shock = 0;
  let budgetStressWeeks = 0;
  let seats = setup.initialSeats;
  let seatPrice = setup.seatPrice;
  const utilizationCap = setup.annual ? 1.1 : 1.2;
  let provisioned = isNew
    ? seats * random.uniform(0.2, 0.4)
    : seats * clamp(0.85 + 1.33 * (logistic(z) - 0.55) + random.normal(0, 0.05), 0.15, utilizationCap);

  let intentWeeks = 0;
  let plannedChurnMs = 0;
  let pastDueSinceMs: number | null = null;
  let churnedAt: Date | null = null;
  let lastWeek = timeline.weeks - 1;

  // Recent health, for decisions that look at the last few weeks rather than one noisy week.
  const recent: number[] = [];
  const recentHealth = (): number => recent.reduce((a, b) => a + b, 0) / recent.length;

  const billing = new Anniversaries(setup.customerSince, 1, timeline.timeOf(firstWeek - 1));
  const renewals = new Anniversaries(setup.customerSince, 12, timeline.timeOf(firstWeek - 1));
  const surpriseMonthly = profile.surpriseChurnPerYear / 12;

  const churn = (atMs: number, t: number): void => {
    churnedAt = new Date(atMs);
    lastWeek = t - 1;
    outcomes.push({ accountId: setup.accountId, outcome: 'churned', occurredAt: churnedAt });
  };

  for (let t = firstWeek; t < timeline.weeks && churnedAt === null; t += 1) {
    const weekMs = timeline.timeOf(t);
    const previousWeekMs = timeline.timeOf(t - 1);
    // Only events inside the observed window count; earlier ones are the survivors' silent past.
    const observed = t >= 1;
    const tenureWeeks = tenureWeeksAt(t);

    // Shocks: the things CSMs name when a score moves.
    if (t > firstWeek) {
      if (random.bernoulli(STORY.championLeavesPerWeek)) shock += STORY.championLeavesEffect;
      if (random.bernoulli(STORY.budgetCutPerWeek)) {
        shock += STORY.budgetCutEffect;
        budgetStressWeeks = STORY.budgetStressWeeks;
        provisioned *= 0.85;
      }
      if (random.bernoulli(STORY.rolloutPerWeek)) {
        shock += STORY.rolloutEffect;
        provisioned *= 1.1;
      }
    }
    shock *= STORY.shockDecay;
    if (budgetStressWeeks > 0) budgetStressWeeks -= 1;

    // Latent health: a mean-reverting random walk around a drifting, shock-shifted baseline;
    // new customers start below their baseline until onboarding completes (~12 weeks).
    const onboardingGap = 0.5 * Math.max(0, 1 - tenureWeeks / 12);
    const target = setup.baseline + profile.healthDriftPerWeek * (t + W) + shock - onboardingGap;
    z += STORY.meanReversion * (target - z) + random.normal(0, STORY.healthStep);
    if (intentWeeks > 0) z -= STORY.intentDrag;
    const h = logistic(z);
    recent.push(h);
    if (recent.length > 6) recent.shift();

    // Users follow health: healthy accounts roll out to more colleagues, unhealthy ones shrink.
    const utilization = provisioned / seats;
    const growth = isNew && tenureWeeks < 16 ? 0.08 * h : 0;
    provisioned *= Math.exp(0.04 * (h - 0.55) + 0.03 * (0.85 - utilization) + growth + random.normal(0, 0.015));
    provisioned = clamp(provisioned, 1, seats * utilizationCap);
    const intentFactor = Math.max(0.45, 1 - STORY.intentUsageLoss * intentWeeks);
    const active = provisioned * clamp(0.2 + 0.7 * h, 0.05, 0.97) * intentFactor;

    // Deciding to leave: hazard rises steeply as recent health falls. Annual customers only
    // decide in the run-up to renewal; monthly ones can decide any week.
    const weeksToRenewal = (renewals.current.getTime() - weekMs) / WEEK_MS;
    if (intentWeeks > 0) {
      intentWeeks += 1;
      if (random.bernoulli(STORY.savePerWeek)) {
        intentWeeks = 0;
        shock += 0.6;
      }
    } else if (!setup.annual || weeksToRenewal <= STORY.renewalDecisionWeeks) {
      const stressFactor = budgetStressWeeks > 0 ? 2 : 1;
      const hazard = Math.min(
        0.25,
        profile.intentHazard * stressFactor * Math.exp(STORY.hazardSteepness * (0.5 - recentHealth())),
      );
      if (random.bernoulli(hazard)) {
        intentWeeks = 1;
        if (setup.annual) {
          plannedChurnMs = renewals.current.getTime();
        } else {
          const leadWeeks = clamp(random.lognormal(Math.log(STORY.monthlyLeadWeeksMedian), 0.45), 2, 16);
          const noticeMs = weekMs + leadWeeks * WEEK_MS;
          const cancellation = new Anniversaries(setup.customerSince, 1, noticeMs - 1);
          plannedChurnMs = cancellation.current.getTime();
        }
      }
    }

    // Monthly invoices (annual contracts are invoiced monthly too).
    let failedThisWeek = 0;
    while (churnedAt === null && billing.current.getTime() <= weekMs) {
      const billMs = billing.current.getTime();
      const failChance =
        0.01 + 0.12 * (1 - h) ** 2 + (budgetStressWeeks > 0 ? 0.15 : 0) + (intentWeeks > 0 ? 0.3 : 0);
      if (random.bernoulli(failChance)) {
        failedThisWeek += 1;
        pastDueSinceMs ??= billMs;
      }
      const pastDueDays = pastDueSinceMs === null ? 0 : (billMs - pastDueSinceMs) / DAY_MS;
      const ending = intentWeeks > 0 && plannedChurnMs === billMs;
      if (observed && ending) churn(billMs, t);
      else if (observed && pastDueDays >= STORY.delinquencyDays) churn(billMs, t);
      else if (observed && !setup.annual && random.bernoulli(surpriseMonthly)) churn(billMs, t);
      else {
        if (ending) intentWeeks = 0;
        if (!observed && pastDueDays >= STORY.delinquencyDays) pastDueSinceMs = null;
        if (!setup.annual) {
          const ratio = provisioned / seats;
          if (ratio >= STORY.expansionUtilization.monthly && h >= 0.55 && random.bernoulli(STORY.expansionChance.monthly)) {
            seats += Math.max(1, Math.round(seats * random.uniform(0.1, 0.4)));
            if (observed) outcomes.push({ accountId: setup.accountId, outcome: 'expanded', occurredAt: new Date(billMs) });
          } else if (ratio < 0.5 && random.bernoulli(0.3)) {
            seats = Math.max(profile.seats.min, Math.min(seats, Math.ceil(provisioned * 1.1)));
          }
        }
      }
      billing.advance();
    }

    // Annual renewals: churn if the decision to leave stands, otherwise renew — larger if the
    // account has outgrown its seats, smaller if it never used them.
    while (churnedAt === null && setup.annual && renewals.current.getTime() <= weekMs) {
      const renewMs = renewals.current.getTime();
      const ending = intentWeeks > 0 && plannedChurnMs === renewMs;
      if (observed && ending) churn(renewMs, t);
      else if (observed && random.bernoulli(profile.surpriseChurnPerYear)) churn(renewMs, t);
      else {
        intentWeeks = 0;
        const ratio = provisioned / seats;
        let kind: DemoOutcome['outcome'] = 'renewed';
        if (recentHealth() >= 0.6 && ratio >= STORY.expansionUtilization.annual && random.bernoulli(STORY.expansionChance.annual)) {
          seats = Math.ceil(Math.max(seats * 1.1, provisioned * random.uniform(1.1, 1.3)));
          kind = 'expanded';
        } else {
          seatPrice *= random.uniform(1, 1.06);
          if (ratio < 0.6) seats = Math.max(profile.seats.min, Math.min(seats, Math.ceil(provisioned * 1.15)));
        }
        if (observed) outcomes.push({ accountId: setup.accountId, outcome: kind, occurredAt: new Date(renewMs) });
      }
      renewals.advance();
    }
    if (churnedAt !== null) break;

    // Dunning: a past-due invoice is retried and either recovered or left to age.
    if (pastDueSinceMs !== null && pastDueSinceMs <= previousWeekMs) {
      const recoverChance = intentWeeks > 0 ? 0.15 : 0.25 + 0.5 * h;
      if (random.bernoulli(recoverChance)) pastDueSinceMs = null;
      else if ((weekMs - pastDueSinceMs) / DAY_MS < 22 && random.bernoulli(0.5)) failedThisWeek += 1;
    }

    const i = t + W;
    health[i] = h;
    provisionedUsers[i] = provisioned;
    activeUsers[i] = active;
    seatsByWeek[i] = seats;
    mrrByWeek[i] = seats * seatPrice;
    failedPayments[i] = failedThisWeek;
    daysPastDue[i] = pastDueSinceMs === null ? 0 : Math.round((weekMs - pastDueSinceMs) / DAY_MS);
  }

  const endedAt: Date | null = churnedAt;
  let renewalDate: Date | null = null;
  if (setup.annual) renewalDate = endedAt ?? renewals.current;
  return {
    setup,
    firstWeek,
    lastWeek,
    churnedAt: endedAt,
    health,
    provisionedUsers,
    activeUsers,
    seats: seatsByWeek,
    mrr: mrrByWeek,
    failedPayments,
    daysPastDue,
    outcomes,
    finalSeats: seats,
    finalMrr: Math.round(seats * seatPrice),
    renewalDate,
  };
}
