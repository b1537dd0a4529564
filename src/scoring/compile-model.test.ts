import { describe, expect, it } from 'vitest';
import { compileModel } from './compile-model.ts';
import { defaultModel } from './default-model.ts';
import { parseModel } from './model-schema.ts';
import { scoreAccount } from './score-account.ts';
import { createNumericScore, scoreNumeric } from './score-numeric.ts';
import { AS_OF, FRESH, signalsAt } from './test-signals.ts';

describe('compiled fast path', () => {
  it('gives scoreAccount\'s result from flat arrays laid out in a shared metric order', () => {
    const shared = ['crm.unused', ...[...defaultModel.factors].reverse().map((f) => f.metric)];
    const compiled = compileModel(defaultModel, { metrics: shared });
    const signals = signalsAt('good', { only: (m) => m.startsWith('usage.') || m.startsWith('support.') });
    const values = new Float64Array(compiled.metrics.length * 2).fill(Number.NaN);
    const ages = new Float64Array(compiled.metrics.length * 2);
    const offset = compiled.metrics.length; // second account slot in the same buffer
    for (const s of signals) values[offset + compiled.metricIndex.get(s.metric)!] = s.value;
    const out = createNumericScore(compiled);
    scoreNumeric(compiled, values, ages, offset, Number.NaN, out);
    const reference = scoreAccount(defaultModel, signals, AS_OF);
    expect(out.rawScore).toBeCloseTo(reference.rawScore!, 9);
    expect(out.confidence).toBeCloseTo(reference.confidence, 6);
  });

  it('scores percentile factors against the reference passed in, and marks them without one', () => {
    const model = parseModel({
      id: 'pct', name: 'pct', categories: { usage: 1 }, minConfidence: 0,
      factors: [{ id: 'minutes', metric: 'usage.session_minutes_per_user', weight: 1, normalization: { type: 'percentile' } }],
    });
    const signals = [{ metric: 'usage.session_minutes_per_user', value: 30, observedAt: FRESH }];
    expect(scoreAccount(model, signals, AS_OF, { references: { minutes: [10, 20, 40, 50] } }).score).toBe(50);
    expect(scoreAccount(model, signals, AS_OF).factors[0]?.status).toBe('no_reference');
  });
});
