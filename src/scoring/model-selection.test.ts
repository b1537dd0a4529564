import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultModel } from './default-model.ts';
import { lifecycleStage } from './lifecycle-stage.ts';
import { parseModelText } from './model-file.ts';
import { ModelValidationError } from './model-schema.ts';
import { parseModelSet, selectModel } from './model-selection.ts';
import { scoreAccount } from './score-account.ts';
import { AS_OF, signalsAt } from './test-signals.ts';

const workspace = parseModelText(
  readFileSync(new URL('../../examples/models/workspace.yaml', import.meta.url), 'utf8'),
  'workspace.yaml',
);
const yearsAgo = (years: number) => new Date(AS_OF.getTime() - years * 365 * 86_400_000);
const daysAhead = (days: number) => new Date(AS_OF.getTime() + days * 86_400_000);

describe('lifecycle stage', () => {
  it('follows tenure, with the renewal window taking precedence', () => {
    expect(lifecycleStage({ customerSince: daysAhead(-30) }, AS_OF)).toBe('onboarding');
    expect(lifecycleStage({ customerSince: daysAhead(-200) }, AS_OF)).toBe('growth');
    expect(lifecycleStage({ customerSince: yearsAgo(3) }, AS_OF)).toBe('maturity');
    expect(lifecycleStage({ customerSince: daysAhead(-30), renewalDate: daysAhead(45) }, AS_OF)).toBe('renewal');
    expect(lifecycleStage({ customerSince: yearsAgo(3), renewalDate: daysAhead(200) }, AS_OF)).toBe('maturity');
    expect(lifecycleStage({}, AS_OF)).toBe('unknown');
  });
});

describe('model selection', () => {
  it('gives a renewal-window account the renewal model, ahead of its segment model', () => {
    const account = { segment: 'Enterprise', seats: 500, customerSince: yearsAgo(3), renewalDate: daysAhead(30) };
    const selection = selectModel(workspace, account, AS_OF);
    expect(selection).toMatchObject({ stage: 'renewal' });
    expect(selection.model.id).toBe('renewal');
    const result = scoreAccount(selection.model, signalsAt('good', { model: selection.model }), AS_OF, {
      ...account,
      lifecycleStage: selection.stage,
    });
    expect(result.modelId).toBe('renewal');
    expect(result.modelVersion).toBe(3);
    expect(result.lifecycleStage).toBe('renewal');
  });

  it('matches segment rules case-insensitively with numeric comparisons', () => {
    const enterprise = { segment: 'enterprise', seats: 150, customerSince: yearsAgo(2) };
    expect(selectModel(workspace, enterprise, AS_OF).model.id).toBe('enterprise');
    expect(selectModel(workspace, { ...enterprise, seats: 20 }, AS_OF).model.id).toBe('default-base');
  });

  it('falls back to the model without appliesTo', () => {
    expect(selectModel(workspace, { segment: 'SMB', customerSince: yearsAgo(2) }, AS_OF).model.id).toBe('default-base');
    expect(selectModel(workspace, { customerSince: daysAhead(-10) }, AS_OF).model.id).toBe('onboarding');
  });

  it('lets a model extend an earlier one, overriding weights, factors and thresholds', () => {
    const renewal = workspace.models.find((m) => m.id === 'renewal');
    expect(renewal?.categories.contract).toBe(25);
    expect(renewal?.tiers).toMatchObject({ healthy: 85, atRisk: 40 });
    expect(renewal?.factors.find((f) => f.id === 'last_touch')).toMatchObject({ weight: 4, maxAgeDays: 7 });
    const onboarding = workspace.models.find((m) => m.id === 'onboarding');
    expect(onboarding?.factors.map((f) => f.id)).not.toContain('roi');
  });

  it('rejects a set without a fallback, naming the problem', () => {
    const specific = { ...defaultModel, appliesTo: { stages: ['renewal'] } };
    expect(() => parseModelSet({ models: [specific] })).toThrow(/one model must have no appliesTo/);
    expect(() => parseModelSet({ models: [{ id: 'x', name: 'x', extends: 'nope' }] })).toThrow(
      /models\[0\]\.extends: no earlier model has id "nope"/,
    );
  });

  it('prefixes issues inside a set with the model position', () => {
    const broken = { ...defaultModel, id: 'b', tiers: { healthy: 30, atRisk: 40 } };
    try {
      parseModelSet({ models: [defaultModel, broken] });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ModelValidationError);
      expect(String(error)).toContain('models[1].tiers.healthy: the healthy threshold must be above the atRisk threshold');
    }
  });
});
