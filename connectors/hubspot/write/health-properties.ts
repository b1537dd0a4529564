/**
 * The "Customer Health" properties we own on HubSpot companies, as data, and the mapping from
 * a scored account to their string values. Names carry the `crmh_` prefix so they never clash
 * with the portal's own properties, and stay stable: admins build workflows on them.
 */
export const HEALTH_GROUP = { name: 'customer_health', label: 'Customer Health', displayOrder: -1 } as const;

export const TIERS = ['healthy', 'at_risk', 'critical', 'insufficient_data'] as const;
export type HealthTier = (typeof TIERS)[number];
export const TRENDS = ['improving', 'stable', 'declining', 'model_change'] as const;
export type HealthTrend = (typeof TRENDS)[number];
export const LIFECYCLE_STAGES = ['onboarding', 'growth', 'maturity', 'renewal'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

export const TIER_LABELS: Record<HealthTier, string> = {
  healthy: 'Healthy',
  at_risk: 'At Risk',
  critical: 'Critical',
  insufficient_data: 'Insufficient data',
};
const TREND_LABELS: Record<HealthTrend, string> = { improving: 'Improving', stable: 'Stable', declining: 'Declining', model_change: 'Model change' };
const STAGE_LABELS: Record<LifecycleStage, string> = { onboarding: 'Onboarding', growth: 'Growth', maturity: 'Maturity', renewal: 'Renewal window' };

export interface PropertyOption {
  label: string;
  value: string;
  displayOrder: number;
  hidden: boolean;
}

/** PropertyCreate, limited to the fields we manage. */
export interface HealthPropertyDefinition {
  name: string;
  label: string;
  description: string;
  groupName: string;
  type: 'number' | 'string' | 'enumeration' | 'datetime';
  fieldType: 'number' | 'text' | 'textarea' | 'select' | 'date';
  displayOrder: number;
  formField: false;
  options?: PropertyOption[];
}

function options<T extends string>(values: readonly T[], labels: Record<T, string>): PropertyOption[] {
  return values.map((value, index) => ({ label: labels[value], value, displayOrder: index, hidden: false }));
}

const defs: Omit<HealthPropertyDefinition, 'groupName' | 'displayOrder' | 'formField'>[] = [
  { name: 'crmh_health_score', label: 'Health score', description: 'Customer health, 0–100 (crm-health).', type: 'number', fieldType: 'number' },
  { name: 'crmh_health_tier', label: 'Health tier', description: 'Healthy 80–100, At Risk 40–79, Critical 0–39, or Insufficient data.', type: 'enumeration', fieldType: 'select', options: options(TIERS, TIER_LABELS) },
  { name: 'crmh_health_trend', label: 'Health trend', description: 'Direction over the trend window; "Model change" when a new model version moved the score.', type: 'enumeration', fieldType: 'select', options: options(TRENDS, TREND_LABELS) },
  { name: 'crmh_health_change_30d', label: 'Health change (30 days)', description: 'Score points gained or lost over 30 days.', type: 'number', fieldType: 'number' },
  { name: 'crmh_score_product_usage', label: 'Health: product usage', description: 'Product Usage category score, 0–100.', type: 'number', fieldType: 'number' },
  { name: 'crmh_score_engagement', label: 'Health: engagement', description: 'Engagement category score, 0–100.', type: 'number', fieldType: 'number' },
  { name: 'crmh_score_business_outcomes', label: 'Health: business outcomes', description: 'Business Outcomes category score, 0–100.', type: 'number', fieldType: 'number' },
  { name: 'crmh_score_contract_health', label: 'Health: contract', description: 'Contract Health category score, 0–100.', type: 'number', fieldType: 'number' },
  { name: 'crmh_health_confidence', label: 'Health confidence %', description: 'Share of the model weight backed by fresh data, 0–100.', type: 'number', fieldType: 'number' },
  { name: 'crmh_churn_risk_pct', label: 'Churn risk %', description: 'Predicted churn probability, 0–100.', type: 'number', fieldType: 'number' },
  { name: 'crmh_top_drivers', label: 'Health drivers', description: 'The factors that moved the score most, in plain words.', type: 'string', fieldType: 'textarea' },
  { name: 'crmh_lifecycle_stage', label: 'Health lifecycle stage', description: 'Lifecycle stage the score was computed for.', type: 'enumeration', fieldType: 'select', options: options(LIFECYCLE_STAGES, STAGE_LABELS) },
  { name: 'crmh_model_version', label: 'Health model version', description: 'The published model version behind the score.', type: 'string', fieldType: 'text' },
  { name: 'crmh_scored_at', label: 'Health scored at', description: 'When the written score was computed.', type: 'datetime', fieldType: 'date' },
  { name: 'crmh_tier_changed_at', label: 'Health tier changed at', description: 'When the tier last changed.', type: 'datetime', fieldType: 'date' },
];

export const HEALTH_PROPERTIES: readonly HealthPropertyDefinition[] = defs.map((def, index) => ({
  ...def,
  groupName: HEALTH_GROUP.name,
  displayOrder: index,
  formField: false,
}));

/** Written only alongside another change: a new timestamp alone is not news worth a write. */
export const VOLATILE_PROPERTIES: ReadonlySet<string> = new Set(['crmh_scored_at']);

export interface HealthValues {
  score: number | null;
  tier: HealthTier;
  trend: HealthTrend | null;
  change30d: number | null;
  categories: { productUsage: number | null; engagement: number | null; businessOutcomes: number | null; contractHealth: number | null };
  /** 0–1 share of weight with fresh data. */
  confidence: number | null;
  /** 0–1 probability. */
  churnRisk: number | null;
  topDrivers: string;
  lifecycleStage: LifecycleStage | null;
  modelVersion: string;
  scoredAt: Date;
  tierChangedAt: Date | null;
}

/** HubSpot clears a property given an empty string. Rounded so noise does not cause writes. */
const num = (value: number | null, digits = 0): string => (value === null || !Number.isFinite(value) ? '' : String(Number(value.toFixed(digits))));
const date = (value: Date | null): string => (value === null ? '' : value.toISOString());

/** Pure: a scored account → our property values as HubSpot strings. */
export function toHealthProperties(values: HealthValues): Record<string, string> {
  return {
    crmh_health_score: num(values.score),
    crmh_health_tier: values.tier,
    crmh_health_trend: values.trend ?? '',
    crmh_health_change_30d: num(values.change30d),
    crmh_score_product_usage: num(values.categories.productUsage),
    crmh_score_engagement: num(values.categories.engagement),
    crmh_score_business_outcomes: num(values.categories.businessOutcomes),
    crmh_score_contract_health: num(values.categories.contractHealth),
    crmh_health_confidence: num(values.confidence === null ? null : values.confidence * 100),
    crmh_churn_risk_pct: num(values.churnRisk === null ? null : values.churnRisk * 100, 1),
    crmh_top_drivers: values.topDrivers.slice(0, 65_000),
    crmh_lifecycle_stage: values.lifecycleStage ?? '',
    crmh_model_version: values.modelVersion,
    crmh_scored_at: date(values.scoredAt),
    crmh_tier_changed_at: date(values.tierChangedAt),
  };
}
