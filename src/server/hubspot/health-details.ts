/**
 * What the app card and the "Get health details" workflow action are told about one company.
 * The backend supplies `CompanyHealth`; the router adds the tier's recommended plays, so the
 * plays shown on the card and the ones in the guide cannot drift apart.
 */
import { recommendedPlaysForTier } from '../../playbooks/recommended-plays.ts';
import type { HealthTier, RecommendedPlay } from '../../playbooks/recommended-plays.ts';

export type { HealthTier, RecommendedPlay } from '../../playbooks/recommended-plays.ts';

export type HealthTrend = 'improving' | 'stable' | 'declining';

export type HealthCategoryKey = 'product_usage' | 'engagement' | 'business_outcomes' | 'contract_health';

export type LifecycleStage = 'onboarding' | 'growth' | 'maturity' | 'renewal';

/** Outside systems a score draws on; listed when their data is missing or stale. */
export type SignalSource = 'crm' | 'support' | 'billing' | 'usage';

export interface CategoryScore {
  key: HealthCategoryKey;
  label: string;
  /** 0–100, or null when none of the category's factors had fresh data. */
  score: number | null;
  /** Configured weight, 0–1. */
  weight: number;
}

export interface HealthDriver {
  category: HealthCategoryKey;
  /** Signed contribution in score points, e.g. -14. */
  points: number;
  /** Plain words, e.g. "weekly active users 21% of seats". */
  description: string;
}

export interface HealthHistoryPoint {
  /** ISO-8601 instant of the snapshot. */
  at: string;
  score: number;
}

export interface CompanyHealth {
  companyId: string;
  /** Integer 0–100; null when the company has never had enough data to score. */
  score: number | null;
  /** Null while the account is marked insufficient data. */
  tier: HealthTier | null;
  trend: HealthTrend | null;
  /** Score points over the trend window (default 30 days). */
  change30d: number | null;
  /** True when the change comes from a new model version rather than customer movement. */
  changeFromModelVersion: boolean;
  categories: CategoryScore[];
  /** Share of configured weight that had fresh data, 0–1. */
  confidence: number;
  insufficientData: boolean;
  missingSources: SignalSource[];
  /** Top negative and positive drivers, largest magnitude first. */
  drivers: HealthDriver[];
  /** Oldest first. */
  history: HealthHistoryPoint[];
  /** Predictive layer, 0–1; null when no fitted model is published. */
  churnProbability: number | null;
  modelVersion: string;
  lifecycleStage: LifecycleStage | null;
  /** ISO-8601 instant. */
  scoredAt: string | null;
}

export interface HealthDetails extends CompanyHealth {
  recommendedPlays: RecommendedPlay[];
}

export function withRecommendedPlays(health: CompanyHealth): HealthDetails {
  // No plays while data is insufficient: a tier we do not trust should not drive action.
  const plays = health.tier && !health.insufficientData ? recommendedPlaysForTier(health.tier) : [];
  return { ...health, recommendedPlays: [...plays] };
}
