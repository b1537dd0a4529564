import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_INPUT, defaultModel } from './default-model.ts';
import { parseModelText } from './model-file.ts';
import { parseModel } from './model-schema.ts';

const withFactor = (factor: object) => ({ ...DEFAULT_MODEL_INPUT, factors: [...DEFAULT_MODEL_INPUT.factors, factor] });
const messageOf = (input: unknown): string => {
  try {
    parseModel(input);
  } catch (error) {
    return String(error);
  }
  return 'parsed';
};

describe('model validation', () => {
  it('names the path when anchors are in the wrong order for the direction', () => {
    const input = { ...DEFAULT_MODEL_INPUT, factors: DEFAULT_MODEL_INPUT.factors.map((f, i) => (i === 3 ? { ...f, normalization: { type: 'linear', bad: 120, good: 5 } } : f)) };
    expect(messageOf(input)).toContain('factors[3].normalization: bad anchor must be below good anchor for higher-is-better');
    const lower = withFactor({ id: 'due', metric: 'billing.days_past_due', weight: 1, normalization: { type: 'linear', bad: 0, good: 60 } });
    expect(messageOf(lower)).toContain('factors[23].normalization: bad anchor must be above good anchor for lower-is-better');
  });

  it('rejects non-positive weights', () => {
    expect(messageOf(withFactor({ id: 'x', metric: 'support.csat', weight: 0, normalization: { type: 'linear', bad: 0, good: 1 } })))
      .toContain('factors[23].weight: weight must be positive');
    expect(messageOf({ ...DEFAULT_MODEL_INPUT, categories: { ...DEFAULT_MODEL_INPUT.categories, usage: -40 } }))
      .toContain('categories.usage: weight must be positive');
  });

  it('rejects unknown metrics unless declared as custom metrics', () => {
    const factor = { id: 'sponsor', metric: 'crm.exec_sponsor', weight: 1, normalization: { type: 'linear', bad: 0, good: 1 } };
    expect(messageOf(withFactor(factor))).toContain('factors[23].metric: unknown metric "crm.exec_sponsor"');
    const declared = {
      ...withFactor(factor),
      customMetrics: [{ id: 'crm.exec_sponsor', meaning: 'sponsor engaged', direction: 'higher_is_better', category: 'engagement' }],
    };
    expect(parseModel(declared).factors.at(-1)).toMatchObject({ category: 'engagement', direction: 'higher_is_better' });
  });

  it('checks bands, duplicate ids, category coverage and tier order', () => {
    expect(messageOf(withFactor({ id: 'b', metric: 'support.open_tickets', weight: 1, normalization: { type: 'bands', thresholds: [1, 5], scores: [0, 50, 100] } })))
      .toContain('factors[23].normalization.scores: band scores must not increase for lower-is-better');
    expect(messageOf(withFactor({ id: 'csat', metric: 'support.csat', weight: 1, normalization: { type: 'linear', bad: 0, good: 1 } })))
      .toContain('factors[23].id: duplicate factor id "csat"');
    expect(messageOf({ ...DEFAULT_MODEL_INPUT, factors: DEFAULT_MODEL_INPUT.factors.filter((f) => !f.metric.startsWith('outcomes.')) }))
      .toContain('categories.outcomes: no factor feeds this category');
    expect(messageOf({ ...DEFAULT_MODEL_INPUT, tiers: { healthy: 50, atRisk: 45, deadBand: 3 } })).toContain('tiers.deadBand');
    expect(messageOf(withFactor({ id: 'n', metric: 'support.csat', weight: 1, normalization: { type: 'cubic' } })))
      .toContain('factors[23].normalization.type: normalization type must be linear, log, bands or percentile');
  });

  it('keeps the default model at the guide\'s weights and tiers', () => {
    expect(defaultModel.categories).toEqual({ usage: 40, engagement: 30, outcomes: 20, contract: 10 });
    expect(defaultModel.tiers).toMatchObject({ healthy: 80, atRisk: 40 });
  });

  it('ships examples/models/default.yaml equal to the built-in default model', () => {
    const text = readFileSync(new URL('../../examples/models/default.yaml', import.meta.url), 'utf8');
    expect(parseModelText(text, 'default.yaml').models[0]).toEqual(defaultModel);
  });

  it('names the line and column of a YAML syntax error', () => {
    expect(() => parseModelText('id: x\nfactors: [\n  - a', 'bad.yaml')).toThrow(/bad\.yaml: line \d+, column \d+/);
    expect(() => parseModelText('{"id":', 'bad.json')).toThrow(/bad\.json: not valid JSON/);
  });
});
