/**
 * The canonical signal vocabulary. Connectors map provider data onto these ids; a model's
 * factors refer to them. Tenants add their own through a model's `customMetrics`.
 */

export const CATEGORY_IDS = ['usage', 'engagement', 'outcomes', 'contract'] as const;
export type CategoryId = (typeof CATEGORY_IDS)[number];

export const CATEGORY_LABELS: Readonly<Record<CategoryId, string>> = {
  usage: 'Usage',
  engagement: 'Engagement',
  outcomes: 'Outcomes',
  contract: 'Contract',
};

export const DIRECTIONS = ['higher_is_better', 'lower_is_better'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** How an observed value is written in driver text. */
export const METRIC_UNITS = [
  'ratio',
  'relative_change',
  'count',
  'days',
  'hours',
  'minutes',
  'score_0_10',
  'currency',
  'number',
] as const;
export type MetricUnit = (typeof METRIC_UNITS)[number];

export interface MetricDefinition {
  readonly id: string;
  readonly unit: MetricUnit;
  readonly meaning: string;
  readonly direction: Direction;
  readonly category: CategoryId;
}

function metric(
  id: string,
  category: CategoryId,
  unit: MetricUnit,
  direction: Direction,
  meaning: string,
): MetricDefinition {
  return { id, unit, meaning, direction, category };
}

const H: Direction = 'higher_is_better';
const L: Direction = 'lower_is_better';

const DEFINITIONS: readonly MetricDefinition[] = [
  metric('usage.active_user_ratio', 'usage', 'ratio', H, 'weekly active users ÷ licensed seats'),
  metric('usage.weekly_active_users', 'usage', 'count', H, 'distinct users active in the last 7 days (use perSeat to scale)'),
  metric('usage.login_days_30d', 'usage', 'days', H, 'days with at least one login in the last 30 days'),
  metric('usage.feature_adoption', 'usage', 'ratio', H, 'share of key features used in the last 30 days (0–1)'),
  metric('usage.session_minutes_per_user', 'usage', 'minutes', H, 'weekly minutes in product per active user'),
  metric('usage.user_growth_90d', 'usage', 'relative_change', H, 'relative change in active users over 90 days'),
  metric('usage.api_calls_change_30d', 'usage', 'relative_change', H, 'relative change in API calls over 30 days'),
  metric('engagement.email_reply_rate', 'engagement', 'ratio', H, 'share of outreach emails answered in 90 days (0–1)'),
  metric('engagement.meetings_90d', 'engagement', 'count', H, 'meetings held with the customer in 90 days'),
  metric('engagement.days_since_last_touch', 'engagement', 'days', L, 'days since the last two-way interaction'),
  metric('engagement.nps', 'engagement', 'score_0_10', H, 'average NPS answer (0–10)'),
  metric('engagement.survey_response_rate', 'engagement', 'ratio', H, 'share of surveys answered (0–1)'),
  metric('support.csat', 'engagement', 'ratio', H, 'share of satisfied support ratings (0–1)'),
  metric('support.open_tickets', 'engagement', 'count', L, 'support tickets currently open'),
  metric('support.escalations_90d', 'engagement', 'count', L, 'tickets escalated in 90 days'),
  metric('support.first_reply_hours', 'engagement', 'hours', L, 'median hours to first support reply'),
  metric('outcomes.goal_completion', 'outcomes', 'ratio', H, 'share of agreed success goals achieved (0–1)'),
  metric('outcomes.milestones_completed', 'outcomes', 'ratio', H, 'share of success-plan milestones completed (0–1)'),
  metric('outcomes.time_to_value_days', 'outcomes', 'days', L, 'days from contract start to first value milestone'),
  metric('outcomes.roi_realized', 'outcomes', 'ratio', H, 'realised ÷ promised value'),
  metric('billing.failed_payments_90d', 'contract', 'count', L, 'failed payment attempts in 90 days'),
  metric('billing.days_past_due', 'contract', 'days', L, 'days the oldest open invoice is past due'),
  metric('billing.seat_utilization', 'contract', 'ratio', H, 'seats used ÷ seats purchased'),
  metric('billing.mrr_change_90d', 'contract', 'relative_change', H, 'relative change in MRR over 90 days'),
];

export const METRIC_CATALOGUE: Readonly<Record<string, MetricDefinition>> = Object.freeze(
  Object.fromEntries(DEFINITIONS.map((d) => [d.id, d])),
);

export function isCatalogueMetric(id: string): boolean {
  return Object.hasOwn(METRIC_CATALOGUE, id);
}
