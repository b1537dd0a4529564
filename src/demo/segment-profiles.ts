/**
 * Per-segment parameters of the demo's causal story. Everything that differs between an
 * Enterprise and an SMB customer lives here as data, so docs/demo-portfolio.md can quote it and
 * a tuning change is one edit.
 */

export const SEGMENTS = ['Enterprise', 'Mid-Market', 'SMB'] as const;
export type Segment = (typeof SEGMENTS)[number];

/** List price per seat per month, in dollars. */
export const PLAN_SEAT_PRICE: Readonly<Record<string, number>> = {
  Starter: 15,
  Professional: 30,
  Business: 45,
  Enterprise: 60,
};

export interface SegmentProfile {
  readonly segment: Segment;
  /** Share of the portfolio's accounts. */
  readonly share: number;
  /** Share on annual contracts (churn only at renewal); the rest are monthly (churn any month). */
  readonly annualShare: number;
  readonly seats: { readonly median: number; readonly sigma: number; readonly min: number; readonly max: number };
  readonly plans: readonly (readonly [string, number])[];
  /** Largest volume discount off list price. */
  readonly maxDiscount: number;
  /** Mean of the accounts' latent health baselines, on the logit scale (0 ↔ health 0.5). */
  readonly healthBaseline: number;
  /** Weekly drift of every baseline in the segment: SMB customers slowly lose interest. */
  readonly healthDriftPerWeek: number;
  /** Weekly hazard of deciding to leave at latent health 0.5, before the health multiplier. */
  readonly intentHazard: number;
  /** Yearly rate of churn that no signal foreshadows (acquired, shut down, tool consolidated). */
  readonly surpriseChurnPerYear: number;
  readonly meetingsPerWeek: number;
  readonly meetingsCoverage: number;
  readonly touchesPerWeek: number;
  /** New support tickets per week per 10 seats, at neutral health. */
  readonly ticketsPerTenSeats: number;
  readonly maxTicketsPerWeek: number;
  readonly escalationsPerWeek: number;
  readonly firstReplyHoursMedian: number;
  readonly timeToValueDaysMedian: number;
  readonly apiCoverage: number;
  readonly successPlanCoverage: number;
  readonly roiCoverage: number;
  readonly owners: readonly string[];
}

export const SEGMENT_PROFILES: Readonly<Record<Segment, SegmentProfile>> = {
  Enterprise: {
    segment: 'Enterprise',
    share: 0.18,
    annualShare: 1,
    seats: { median: 350, sigma: 0.7, min: 80, max: 5000 },
    plans: [
      ['Enterprise', 0.8],
      ['Business', 0.2],
    ],
    maxDiscount: 0.3,
    healthBaseline: 1.0,
    healthDriftPerWeek: 0.001,
    intentHazard: 0.006,
    surpriseChurnPerYear: 0.01,
    meetingsPerWeek: 0.55,
    meetingsCoverage: 1,
    touchesPerWeek: 2.5,
    ticketsPerTenSeats: 0.04,
    maxTicketsPerWeek: 12,
    escalationsPerWeek: 0.12,
    firstReplyHoursMedian: 2,
    timeToValueDaysMedian: 75,
    apiCoverage: 0.65,
    successPlanCoverage: 0.9,
    roiCoverage: 0.75,
    owners: ['Maya Okafor', 'Daniel Reyes', 'Priya Natarajan', 'Tom Lindqvist'],
  },
  'Mid-Market': {
    segment: 'Mid-Market',
    share: 0.32,
    annualShare: 0.8,
    seats: { median: 60, sigma: 0.6, min: 15, max: 400 },
    plans: [
      ['Business', 0.55],
      ['Professional', 0.45],
    ],
    maxDiscount: 0.15,
    healthBaseline: 0.8,
    healthDriftPerWeek: 0,
    intentHazard: 0.0046,
    surpriseChurnPerYear: 0.02,
    meetingsPerWeek: 0.25,
    meetingsCoverage: 1,
    touchesPerWeek: 1.2,
    ticketsPerTenSeats: 0.12,
    maxTicketsPerWeek: 8,
    escalationsPerWeek: 0.06,
    firstReplyHoursMedian: 6,
    timeToValueDaysMedian: 45,
    apiCoverage: 0.4,
    successPlanCoverage: 0.6,
    roiCoverage: 0.5,
    owners: ['Sofia Marin', 'Kwame Mensah', 'Hannah Becker', 'Luis Ortega', 'Aiko Tanaka'],
  },
  SMB: {
    segment: 'SMB',
    share: 0.5,
    annualShare: 0.25,
    seats: { median: 8, sigma: 0.6, min: 2, max: 40 },
    plans: [
      ['Starter', 0.6],
      ['Professional', 0.4],
    ],
    maxDiscount: 0,
    healthBaseline: 0.5,
    healthDriftPerWeek: -0.003,
    intentHazard: 0.004,
    surpriseChurnPerYear: 0.04,
    meetingsPerWeek: 0.08,
    meetingsCoverage: 0.4,
    touchesPerWeek: 0.5,
    ticketsPerTenSeats: 0.35,
    maxTicketsPerWeek: 4,
    escalationsPerWeek: 0.02,
    firstReplyHoursMedian: 14,
    timeToValueDaysMedian: 21,
    apiCoverage: 0.2,
    successPlanCoverage: 0.2,
    roiCoverage: 0.1,
    owners: ['Noah Fischer', 'Grace Liu', 'Omar Haddad'],
  },
};
