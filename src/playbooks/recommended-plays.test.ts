import { describe, expect, it } from 'vitest';
import { HEALTH_TIERS, recommendedPlaysForTier } from './recommended-plays.ts';

describe('recommended plays', () => {
  it('gives every tier both hands-on plays and automatable actions from the guide', () => {
    for (const tier of HEALTH_TIERS) {
      const plays = recommendedPlaysForTier(tier);
      expect(plays.filter((p) => p.kind === 'manual').length).toBeGreaterThan(0);
      expect(plays.filter((p) => p.kind === 'automated').length).toBeGreaterThan(0);
    }
  });

  it('escalates Critical accounts to executives and opens urgent tickets', () => {
    const titles = recommendedPlaysForTier('critical').map((p) => p.title);
    expect(titles).toContain('Executive escalation');
    expect(titles).toContain('Create urgent support tickets');
  });

  it('points Healthy accounts at expansion and At Risk accounts at more touchpoints', () => {
    expect(recommendedPlaysForTier('healthy')[0]?.title).toBe('Focus on expansion opportunities');
    expect(recommendedPlaysForTier('at_risk')[0]?.title).toBe('Increase touchpoint frequency');
  });

  it('keeps play ids unique across tiers so interventions can be tracked per play', () => {
    const ids = HEALTH_TIERS.flatMap((tier) => recommendedPlaysForTier(tier).map((p) => p.id));
    expect(new Set(ids).size).toBe(ids.length);
  });
});
