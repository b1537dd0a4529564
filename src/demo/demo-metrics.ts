/**
 * The metrics the demo portfolio emits, with the value range each is generated in. The ids are
 * the canonical ones from the scoring catalogue; the ranges are the demo's own promise (tested),
 * so a user charting demo data never sees an impossible value.
 */

export interface DemoMetric {
  readonly metric: string;
  readonly min: number;
  readonly max: number;
  /** Decimal places the value is rounded to: counts are integers, ratios keep 3–4 places. */
  readonly decimals: number;
  /** Weeks between observations; surveys run monthly, everything else is a weekly roll-up. */
  readonly everyWeeks: number;
  /** Which accounts report it, in words (mirrors the switches in observe-signals.ts). */
  readonly coverage: string;
}

function m(metric: string, min: number, max: number, decimals: number, coverage: string, everyWeeks = 1): DemoMetric {
  return { metric, min, max, decimals, everyWeeks, coverage };
}

export const DEMO_METRICS: readonly DemoMetric[] = [
  m('usage.active_user_ratio', 0, 1, 3, 'all accounts, except during a usage-feed outage'),
  m('usage.login_days_30d', 0, 30, 0, 'all accounts, except during a usage-feed outage'),
  m('usage.feature_adoption', 0, 1, 3, 'all accounts, except during a usage-feed outage'),
  m('usage.session_minutes_per_user', 0, 900, 1, 'all accounts, except during a usage-feed outage'),
  m('usage.user_growth_90d', -1, 3, 3, 'accounts with 13+ weeks of tenure, outside outages'),
  m('usage.api_calls_change_30d', -1, 5, 3, 'accounts that use the API (most Enterprise, few SMB)'),
  m('engagement.email_reply_rate', 0, 1, 3, 'all accounts'),
  m('engagement.meetings_90d', 0, 60, 0, 'Enterprise and Mid-Market; 40 % of SMB (the rest is tech-touch)'),
  m('engagement.days_since_last_touch', 0, 365, 0, 'all accounts'),
  m('engagement.nps', 0, 10, 1, 'accounts in the NPS programme (≈ 70 %)', 4),
  m('engagement.survey_response_rate', 0, 1, 3, 'accounts in the NPS programme (≈ 70 %)', 4),
  m('support.csat', 0, 1, 3, 'accounts with a ticket in the last 90 days'),
  m('support.open_tickets', 0, 200, 0, 'all accounts'),
  m('support.escalations_90d', 0, 50, 0, 'all accounts'),
  m('support.first_reply_hours', 0.1, 168, 1, 'accounts with a ticket in the last 90 days'),
  m('outcomes.goal_completion', 0, 1, 3, 'accounts with a success plan (most Enterprise, few SMB)'),
  m('outcomes.milestones_completed', 0, 1, 3, 'accounts with a success plan'),
  m('outcomes.time_to_value_days', 1, 365, 0, 'accounts with a success plan, once first value is reached'),
  m('outcomes.roi_realized', 0, 3, 2, 'accounts with a success plan that tracks ROI'),
  m('billing.failed_payments_90d', 0, 20, 0, 'all accounts'),
  m('billing.days_past_due', 0, 120, 0, 'all accounts'),
  m('billing.seat_utilization', 0, 1.5, 3, 'all accounts'),
  m('billing.mrr_change_90d', -1, 3, 4, 'accounts with 13+ weeks of tenure'),
];

export const DEMO_METRIC_BY_ID: ReadonlyMap<string, DemoMetric> = new Map(DEMO_METRICS.map((d) => [d.metric, d]));
