/** Display wording shared by the card and the settings page. */
import type { HealthDetails, HealthTier, SignalSource } from './backend-api.ts';

export const TIER_LABELS: Readonly<Record<HealthTier, string>> = {
  healthy: 'Healthy',
  at_risk: 'At Risk',
  critical: 'Critical',
};

/** Green, yellow, red — the guide's colours for the three tiers. */
export const TIER_TAG_VARIANTS: Readonly<Record<HealthTier, 'success' | 'warning' | 'error'>> = {
  healthy: 'success',
  at_risk: 'warning',
  critical: 'error',
};

export const TREND_LABELS: Readonly<Record<NonNullable<HealthDetails['trend']>, string>> = {
  improving: 'Improving',
  stable: 'Stable',
  declining: 'Declining',
};

export const SOURCE_LABELS: Readonly<Record<SignalSource, string>> = {
  crm: 'CRM activity',
  support: 'Support desk',
  billing: 'Billing',
  usage: 'Product usage',
};

export const LIFECYCLE_LABELS: Readonly<Record<NonNullable<HealthDetails['lifecycleStage']>, string>> = {
  onboarding: 'Onboarding',
  growth: 'Growth',
  maturity: 'Maturity',
  renewal: 'Renewal window',
};

/** Signed points with a true minus sign: "+4", "−14", "0". */
export function signedPoints(points: number): string {
  const rounded = Math.round(points);
  return rounded > 0 ? `+${rounded}` : rounded < 0 ? `−${Math.abs(rounded)}` : '0';
}

export function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

/** ISO instant → "2 Nov 2026"; the raw text when it is not a date. */
export function shortDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
}

export function progressVariant(score: number): 'success' | 'warning' | 'danger' {
  return score >= 80 ? 'success' : score >= 40 ? 'warning' : 'danger';
}

export function listSources(sources: readonly SignalSource[]): string {
  return sources.map((s) => SOURCE_LABELS[s]).join(', ');
}
