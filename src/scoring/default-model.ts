/**
 * The guide's model: Usage 40 %, Engagement 30 %, Outcomes 20 %, Contract 10 %; Healthy ≥ 80,
 * At Risk 40–79, Critical < 40. Each anchor says where a value stops being alarming ("bad", scores 0)
 * and where more of it stops mattering ("good", scores 100); docs/scoring-model.md lists the reasons.
 */
import { parseModel, type Model, type ModelInput } from './model-schema.ts';

export const DEFAULT_MODEL_INPUT: ModelInput = {
  id: 'default',
  name: 'Default (guide 40/30/20/10)',
  version: 1,
  description: 'Weights and tiers from the Customer Health Scoring Guide.',
  categories: { usage: 40, engagement: 30, outcomes: 20, contract: 10 },
  factors: [
    // Under 10 % of seats active weekly is shelfware; 70 % is broad adoption (some seats are occasional users).
    { id: 'active_users', metric: 'usage.active_user_ratio', weight: 3, maxAgeDays: 14,
      normalization: { type: 'linear', bad: 0.1, good: 0.7 }, label: 'weekly active users {value} of seats' },
    // 20 login days in 30 is every working day; 2 or fewer is a lapsed account.
    { id: 'login_days', metric: 'usage.login_days_30d', weight: 2, maxAgeDays: 14,
      normalization: { type: 'linear', bad: 2, good: 20 }, label: 'logged in on {value} of the last 30' },
    // Using 60 % of the key features means the product is embedded; 10 % means one narrow use.
    { id: 'feature_adoption', metric: 'usage.feature_adoption', weight: 2, maxAgeDays: 30,
      normalization: { type: 'linear', bad: 0.1, good: 0.6 }, label: '{value} of key features used' },
    // Log scale: going from 5 to 30 minutes a week says far more than 120 to 145.
    { id: 'session_time', metric: 'usage.session_minutes_per_user', weight: 1, maxAgeDays: 14,
      normalization: { type: 'log', bad: 5, good: 120 }, label: '{value} a week in product per user' },
    // Losing a fifth of users in a quarter is a contraction; +10 % is healthy growth.
    { id: 'user_growth', metric: 'usage.user_growth_90d', weight: 1, maxAgeDays: 30,
      normalization: { type: 'linear', bad: -0.2, good: 0.1 }, label: 'active users {value} over 90 days' },
    // API traffic swings more than seats, hence the wider bad anchor.
    { id: 'api_calls_trend', metric: 'usage.api_calls_change_30d', weight: 1, maxAgeDays: 30,
      normalization: { type: 'linear', bad: -0.3, good: 0.1 }, label: 'API calls {value} over 30 days' },

    { id: 'email_replies', metric: 'engagement.email_reply_rate', weight: 1, maxAgeDays: 90,
      normalization: { type: 'linear', bad: 0.05, good: 0.5 }, label: '{value} of emails answered' },
    // Log scale: the first meetings of a quarter matter most; six (one every two weeks) is fully engaged.
    { id: 'meetings', metric: 'engagement.meetings_90d', weight: 1, maxAgeDays: 90,
      normalization: { type: 'log', bad: 0, good: 6 }, label: '{value} meetings in 90 days' },
    // Two weeks since a two-way touch is normal cadence; three months is silence.
    { id: 'last_touch', metric: 'engagement.days_since_last_touch', weight: 2, maxAgeDays: 14,
      normalization: { type: 'linear', bad: 90, good: 14 }, label: 'last two-way contact {value} ago' },
    // An average answer of 9 means promoters; 5 and below means detractors.
    { id: 'nps', metric: 'engagement.nps', weight: 2, maxAgeDays: 180,
      normalization: { type: 'linear', bad: 5, good: 9 }, label: 'NPS answer {value}' },
    { id: 'survey_participation', metric: 'engagement.survey_response_rate', weight: 1, maxAgeDays: 180,
      normalization: { type: 'linear', bad: 0.05, good: 0.4 }, label: '{value} of surveys answered' },
    // 95 % satisfied is best-in-class support; 60 % means most tickets end badly.
    { id: 'csat', metric: 'support.csat', weight: 2, maxAgeDays: 90,
      normalization: { type: 'linear', bad: 0.6, good: 0.95 }, label: 'CSAT {value}' },
    // Bands: none or one open ticket is routine; ten is a backlog the customer feels.
    { id: 'open_tickets', metric: 'support.open_tickets', weight: 1, maxAgeDays: 14,
      normalization: { type: 'bands', thresholds: [2, 4, 7, 10], scores: [100, 80, 55, 25, 0] }, label: '{value} open tickets' },
    { id: 'escalations', metric: 'support.escalations_90d', weight: 1, maxAgeDays: 30,
      normalization: { type: 'bands', thresholds: [1, 2, 4], scores: [100, 60, 25, 0] }, label: '{value} escalations in 90 days' },
    // Same-morning replies (4 h) are good; two days leaves the customer waiting.
    { id: 'first_reply', metric: 'support.first_reply_hours', weight: 1, maxAgeDays: 30,
      normalization: { type: 'linear', bad: 48, good: 4 }, label: 'first support reply after {value}' },

    { id: 'goal_completion', metric: 'outcomes.goal_completion', weight: 2, maxAgeDays: 120,
      normalization: { type: 'linear', bad: 0.2, good: 0.8 }, label: '{value} of success goals met' },
    { id: 'milestones', metric: 'outcomes.milestones_completed', weight: 1, maxAgeDays: 120,
      normalization: { type: 'linear', bad: 0.2, good: 0.9 }, label: '{value} of milestones completed' },
    // A month to first value is a good implementation; four months puts the renewal case at risk.
    { id: 'time_to_value', metric: 'outcomes.time_to_value_days', weight: 1, maxAgeDays: 365,
      normalization: { type: 'linear', bad: 120, good: 30 }, label: 'first value after {value}' },
    // Realising the promised value (1.0) is the renewal argument; under a third is a failed business case.
    { id: 'roi', metric: 'outcomes.roi_realized', weight: 2, maxAgeDays: 180,
      normalization: { type: 'linear', bad: 0.3, good: 1 }, label: '{value} of promised value realised' },

    // Bands: one failed payment is often a card expiry; three in a quarter is a payment problem.
    { id: 'failed_payments', metric: 'billing.failed_payments_90d', weight: 2, maxAgeDays: 30,
      normalization: { type: 'bands', thresholds: [1, 2, 3], scores: [100, 50, 20, 0] }, label: '{value} failed payments in 90 days' },
    // Net-60 overruns are where collections escalate.
    { id: 'past_due', metric: 'billing.days_past_due', weight: 2, maxAgeDays: 14,
      normalization: { type: 'linear', bad: 60, good: 0 }, label: 'invoice {value} past due' },
    // Under 40 % of purchased seats in use invites a downsell; 90 % invites expansion.
    { id: 'seat_utilization', metric: 'billing.seat_utilization', weight: 2, maxAgeDays: 30,
      normalization: { type: 'linear', bad: 0.4, good: 0.9 }, label: '{value} of purchased seats used' },
    { id: 'mrr_trend', metric: 'billing.mrr_change_90d', weight: 1, maxAgeDays: 90,
      normalization: { type: 'linear', bad: -0.2, good: 0.05 }, label: 'MRR {value} over 90 days' },
  ],
  tiers: { healthy: 80, atRisk: 40, deadBand: 2, minDaysInTier: 0 },
  minConfidence: 0.5,
  trend: { windowDays: 30, snapshots: 6, minChange: 5 },
};

export const defaultModel: Model = parseModel(DEFAULT_MODEL_INPUT);
