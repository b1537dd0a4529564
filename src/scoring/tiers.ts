/** Score → tier, with hysteresis so a score jittering around a boundary does not flap alerts. */
import { DAY_MS } from './lifecycle-stage.ts';
import type { TierSettings } from './model-schema.ts';

export const TIERS = ['critical', 'at_risk', 'healthy'] as const;
export type Tier = (typeof TIERS)[number];

export interface TierState {
  readonly tier: Tier;
  /** When the account entered this tier. */
  readonly since: Date;
}

export type TierHold = 'dead_band' | 'min_days_in_tier' | 'insufficient_data';

export interface TierDecision {
  /** null only when there is neither a usable score nor a previous tier. */
  readonly tier: Tier | null;
  readonly since: Date | null;
  readonly changed: boolean;
  /** Why the previous tier was kept although the score alone points elsewhere. */
  readonly heldBy: TierHold | null;
}

const rank = (tier: Tier): number => TIERS.indexOf(tier);

export function tierForScore(score: number, settings: Pick<TierSettings, 'healthy' | 'atRisk'>): Tier {
  if (score >= settings.healthy) return 'healthy';
  if (score >= settings.atRisk) return 'at_risk';
  return 'critical';
}

/**
 * Moving up needs the score to clear the boundary by the dead band, moving down to fall below it by the
 * dead band: evaluate the tier at score − deadBand (up) or score + deadBand (down), never past the raw tier.
 * Insufficient data never changes the tier.
 */
export function decideTier(
  settings: TierSettings,
  score: number | null,
  insufficientData: boolean,
  previous: TierState | null | undefined,
  asOf: Date,
): TierDecision {
  if (score === null || insufficientData) {
    return previous
      ? { tier: previous.tier, since: previous.since, changed: false, heldBy: 'insufficient_data' }
      : { tier: null, since: null, changed: false, heldBy: score === null ? null : 'insufficient_data' };
  }
  const raw = tierForScore(score, settings);
  if (!previous) return { tier: raw, since: asOf, changed: true, heldBy: null };
  if (raw === previous.tier) return { tier: raw, since: previous.since, changed: false, heldBy: null };

  const movingUp = rank(raw) > rank(previous.tier);
  const shifted = tierForScore(movingUp ? score - settings.deadBand : score + settings.deadBand, settings);
  const candidate = movingUp
    ? (rank(shifted) > rank(previous.tier) ? shifted : previous.tier)
    : (rank(shifted) < rank(previous.tier) ? shifted : previous.tier);
  if (candidate === previous.tier) {
    return { tier: previous.tier, since: previous.since, changed: false, heldBy: 'dead_band' };
  }
  const daysInTier = (asOf.getTime() - previous.since.getTime()) / DAY_MS;
  if (settings.minDaysInTier > 0 && daysInTier < settings.minDaysInTier) {
    return { tier: previous.tier, since: previous.since, changed: false, heldBy: 'min_days_in_tier' };
  }
  return { tier: candidate, since: asOf, changed: true, heldBy: null };
}
