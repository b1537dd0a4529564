/**
 * Everything about a demo account that is fixed when it signs: who it is, its contract, its
 * latent health baseline and which data sources it has connected.
 */
import { addDays } from './calendar.ts';
import { drawCompany, INDUSTRIES, REGIONS } from './firmographics.ts';
import type { Random } from './random.ts';
import { PLAN_SEAT_PRICE, SEGMENT_PROFILES, SEGMENTS } from './segment-profiles.ts';
import type { Segment, SegmentProfile } from './segment-profiles.ts';
import type { Timeline } from './timeline.ts';

/** Share of accounts that sign during the observed window (the rest are already customers). */
export const JOINED_IN_WINDOW_SHARE = 0.33;
/** Share of accounts whose product-usage feed goes silent for a few weeks at some point. */
export const USAGE_OUTAGE_SHARE = 0.1;
export const NPS_PROGRAMME_SHARE = 0.7;

export interface DataSources {
  readonly api: boolean;
  readonly meetings: boolean;
  readonly nps: boolean;
  readonly successPlan: boolean;
  readonly roi: boolean;
}

export interface AccountSetup {
  readonly index: number;
  readonly accountId: string;
  readonly name: string;
  readonly domain: string;
  readonly segment: Segment;
  readonly profile: SegmentProfile;
  readonly plan: string;
  readonly region: string;
  readonly industry: string;
  readonly ownerName: string;
  readonly customerSince: Date;
  readonly annual: boolean;
  readonly initialSeats: number;
  /** Dollars per seat per month after the account's discount. */
  readonly seatPrice: number;
  /** Latent health the account gravitates to, logit scale. */
  readonly baseline: number;
  readonly sources: DataSources;
  /** Best feature adoption this account's use case reaches. */
  readonly featureCeiling: number;
  readonly timeToValueDays: number;
  /** Weeks [from, to) in which the usage feed is silent, or null. */
  readonly usageOutage: { readonly from: number; readonly to: number } | null;
  /** Which week of each four the account's monthly survey lands in. */
  readonly surveyPhase: number;
}

const SEGMENT_WEIGHTS = SEGMENTS.map((s) => [s, SEGMENT_PROFILES[s].share] as const);

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function logistic(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

export function accountIdFor(index: number): string {
  return `demo-${String(index + 1).padStart(4, '0')}`;
}

export function drawAccountSetup(random: Random, index: number, timeline: Timeline, takenNames: Set<string>): AccountSetup {
  const segment = random.weighted(SEGMENT_WEIGHTS);
  const profile = SEGMENT_PROFILES[segment];
  const industry = random.pick(INDUSTRIES);
  const region = random.weighted(REGIONS);
  const company = drawCompany(random, industry, region, takenNames);
  const plan = random.weighted(profile.plans);
  const annual = random.bernoulli(profile.annualShare);

  const windowDays = (timeline.weeks - 1) * 7;
  const customerSince = random.bernoulli(JOINED_IN_WINDOW_SHARE)
    ? addDays(timeline.start, random.int(0, windowDays - 3))
    : // Tenure before the window is right-skewed: many customers of a year or two, a few of many years.
      addDays(timeline.start, -Math.min(3000, Math.round(30 + -Math.log(1 - random.next()) * 550)));

  const { median, sigma, min, max } = profile.seats;
  const initialSeats = Math.round(clamp(random.lognormal(Math.log(median), sigma), min, max));
  const listPrice = PLAN_SEAT_PRICE[plan] ?? 30;
  const seatPrice = listPrice * (1 - random.uniform(0, profile.maxDiscount));
  const baseline = profile.healthBaseline + random.normal(0, 0.55);

  const successPlan = random.bernoulli(profile.successPlanCoverage);
  const sources: DataSources = {
    api: random.bernoulli(profile.apiCoverage),
    meetings: random.bernoulli(profile.meetingsCoverage),
    nps: random.bernoulli(NPS_PROGRAMME_SHARE),
    successPlan,
    // ROI tracking needs a success plan with agreed value targets.
    roi: successPlan && random.bernoulli(profile.roiCoverage / profile.successPlanCoverage),
  };

  // Customers who are healthy from the start reach first value sooner.
  const timeToValueDays = Math.round(
    clamp(random.lognormal(Math.log(profile.timeToValueDaysMedian), 0.5) * (1.6 - logistic(baseline)), 1, 365),
  );
  const featureCeiling = random.uniform(0.55, 0.95);
  let usageOutage: AccountSetup['usageOutage'] = null;
  if (random.bernoulli(USAGE_OUTAGE_SHARE)) {
    const from = random.int(0, timeline.weeks - 7);
    usageOutage = { from, to: from + random.int(2, 6) };
  }

  return {
    index,
    accountId: accountIdFor(index),
    name: company.name,
    domain: company.domain,
    segment,
    profile,
    plan,
    region,
    industry,
    ownerName: random.pick(profile.owners),
    customerSince,
    annual,
    initialSeats,
    seatPrice,
    baseline,
    sources,
    featureCeiling,
    timeToValueDays,
    usageOutage,
    surveyPhase: random.int(0, 3),
  };
}
