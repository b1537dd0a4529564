import { CATEGORY_IDS, DAY_MS, type CategoryId } from '../scoring/index.ts';
import type { CompanyHealth, HealthCategoryKey, HealthTier, HealthTrend, LifecycleStage, SignalSource } from '../server/hubspot/health-details.ts';
import type { WorkspaceRepository } from '../storage/workspace-repository.ts';
import { readStoredResult } from './stored-score-result.ts';
import { activeModelSet } from './workspace-models.ts';

const CATEGORY_KEYS: Record<CategoryId, { key: HealthCategoryKey; label: string }> = {
  usage: { key: 'product_usage', label: 'Product usage' },
  engagement: { key: 'engagement', label: 'Engagement' },
  outcomes: { key: 'business_outcomes', label: 'Business outcomes' },
  contract: { key: 'contract_health', label: 'Contract health' },
};

/** Where a metric comes from, by its namespace: what a CSM would have to go and fix. */
export function sourceOfMetric(metric: string): SignalSource {
  if (metric.startsWith('usage.')) return 'usage';
  if (metric.startsWith('support.')) return 'support';
  if (metric.startsWith('billing.')) return 'billing';
  return 'crm';
}

const TIERS = new Set<string>(['healthy', 'at_risk', 'critical']);
const STAGES = new Set<string>(['onboarding', 'growth', 'maturity', 'renewal']);

/** What the card and the "Get health details" action show for one CRM record, from stored scores only. */
export async function companyHealth(repo: WorkspaceRepository, crmId: string, now: Date = new Date()): Promise<CompanyHealth | null> {
  const account = await repo.accounts.getByCrmId(crmId);
  if (!account) return null;
  const history = await repo.scores.history(account.id, { since: new Date(now.getTime() - 180 * DAY_MS) });
  const latest = history.at(-1);
  const { set } = await activeModelSet(repo);
  const model = set.models.find((m) => m.id === latest?.modelKey) ?? set.models[0];
  const totalWeight = model ? CATEGORY_IDS.reduce((s, c) => s + (model.categories[c] ?? 0), 0) : 0;

  if (!latest) {
    return {
      companyId: crmId, score: null, tier: null, trend: null, change30d: null, changeFromModelVersion: false,
      categories: CATEGORY_IDS.map((c) => ({ ...CATEGORY_KEYS[c], score: null, weight: model && totalWeight ? (model.categories[c] ?? 0) / totalWeight : 0 })),
      confidence: 0, insufficientData: true, missingSources: ['crm', 'support', 'billing', 'usage'], drivers: [], history: [],
      churnProbability: null, modelVersion: '', lifecycleStage: null, scoredAt: null,
    };
  }
  const result = readStoredResult(latest.result);
  const factorCategory = new Map((result.factors ?? []).map((f) => [f.id, f.category]));
  const direction = result.trend?.direction;
  return {
    companyId: crmId,
    score: latest.insufficientData ? null : latest.score,
    tier: !latest.insufficientData && TIERS.has(latest.tier) ? (latest.tier as HealthTier) : null,
    trend: direction === 'improving' || direction === 'stable' || direction === 'declining' ? (direction as HealthTrend) : null,
    change30d: result.trend?.change ?? null,
    changeFromModelVersion: result.trend?.cause === 'model_change',
    categories: CATEGORY_IDS.map((c) => ({
      ...CATEGORY_KEYS[c],
      score: result.categories?.[c] ?? null,
      weight: model && totalWeight ? (model.categories[c] ?? 0) / totalWeight : 0,
    })),
    confidence: latest.confidence,
    insufficientData: latest.insufficientData,
    missingSources: [...new Set((result.missing ?? []).map((m) => sourceOfMetric(m.metric)))].sort(),
    drivers: (result.drivers ?? []).map((d) => ({
      category: CATEGORY_KEYS[factorCategory.get(d.factor) ?? 'usage'].key,
      points: d.points,
      description: d.text,
    })),
    history: history.filter((h) => h.score !== null && !h.insufficientData).map((h) => ({ at: h.asOf.toISOString(), score: h.score ?? 0 })),
    churnProbability: latest.churnProbability,
    modelVersion: `${latest.modelKey} v${latest.modelVersion}`,
    lifecycleStage: latest.lifecycleStage && STAGES.has(latest.lifecycleStage) ? (latest.lifecycleStage as LifecycleStage) : null,
    scoredAt: latest.asOf.toISOString(),
  };
}
