import { describe, expect, it } from 'vitest';
import { TierSettingsSchema } from './model-schema.ts';
import { decideTier, tierForScore, type Tier, type TierState } from './tiers.ts';

const settings = TierSettingsSchema.parse({});
const day = (n: number) => new Date(Date.UTC(2025, 0, 1 + n));

/** Feeds scores day by day, carrying the tier state forward as production does. */
function run(scores: readonly (number | null)[], start: TierState | null, tierSettings = settings, insufficient = false) {
  let state = start;
  const tiers: (Tier | null)[] = [];
  scores.forEach((score, i) => {
    const decision = decideTier(tierSettings, score, insufficient, state, day(i + 1));
    if (decision.tier && decision.since) state = { tier: decision.tier, since: decision.since };
    tiers.push(decision.tier);
  });
  return tiers;
}

describe('tiers', () => {
  it('maps scores to the guide\'s ranges without history', () => {
    expect(tierForScore(80, settings)).toBe('healthy');
    expect(tierForScore(79, settings)).toBe('at_risk');
    expect(tierForScore(40, settings)).toBe('at_risk');
    expect(tierForScore(39, settings)).toBe('critical');
  });

  it('does not flap while a score wobbles at 79/80/81 across runs', () => {
    const wobble = [79, 80, 81, 79, 80, 81, 80, 79];
    expect(new Set(run(wobble, { tier: 'at_risk', since: day(0) }))).toEqual(new Set(['at_risk']));
    expect(new Set(run(wobble, { tier: 'healthy', since: day(0) }))).toEqual(new Set(['healthy']));
  });

  it('changes tier once the score clears the dead band', () => {
    expect(run([82], { tier: 'at_risk', since: day(0) })).toEqual(['healthy']);
    expect(run([77], { tier: 'healthy', since: day(0) })).toEqual(['at_risk']);
    expect(run([10], { tier: 'healthy', since: day(0) })).toEqual(['critical']);
  });

  it('keeps the previous tier until the minimum days in tier have passed', () => {
    const sticky = TierSettingsSchema.parse({ minDaysInTier: 7 });
    const decision = decideTier(sticky, 20, false, { tier: 'healthy', since: day(0) }, day(3));
    expect(decision).toMatchObject({ tier: 'healthy', changed: false, heldBy: 'min_days_in_tier' });
    expect(decideTier(sticky, 20, false, { tier: 'healthy', since: day(0) }, day(8)).tier).toBe('critical');
  });

  it('counts insufficient data as no tier change', () => {
    const decision = decideTier(settings, 10, true, { tier: 'healthy', since: day(0) }, day(5));
    expect(decision).toMatchObject({ tier: 'healthy', changed: false, heldBy: 'insufficient_data' });
    expect(decideTier(settings, null, true, null, day(5)).tier).toBeNull();
  });
});
