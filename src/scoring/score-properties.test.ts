import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultModel } from './default-model.ts';
import { parseModel, type Model } from './model-schema.ts';
import { scoreAccount, type Signal } from './score-account.ts';
import { AS_OF, FRESH } from './test-signals.ts';

const metrics = defaultModel.factors.map((f) => f.metric);

/** A value per default metric (or none), spread well beyond the anchors. */
const accountSignals = fc.array(fc.option(fc.double({ min: -5, max: 500, noNaN: true }), { nil: undefined }), {
  minLength: metrics.length,
  maxLength: metrics.length,
});

const toSignals = (values: readonly (number | undefined)[]): Signal[] =>
  values.flatMap((value, i) => (value === undefined ? [] : [{ metric: metrics[i]!, value, observedAt: FRESH }]));

describe('score properties', () => {
  it('stays within 0–100 for any values', () => {
    fc.assert(
      fc.property(accountSignals, (values) => {
        const { score, rawScore, confidence } = scoreAccount(defaultModel, toSignals(values), AS_OF);
        if (score === null) return rawScore === null;
        return score >= 0 && score <= 100 && rawScore !== null && rawScore >= 0 && rawScore <= 100 && confidence <= 1;
      }),
    );
  });

  it('is monotone in each factor\'s direction', () => {
    fc.assert(
      fc.property(
        accountSignals,
        fc.nat({ max: metrics.length - 1 }),
        fc.double({ min: 0, max: 50, noNaN: true }),
        (values, factorIndex, step) => {
          const base = values.map((v) => v ?? 1);
          const better = [...base];
          const direction = defaultModel.factors[factorIndex]!.direction === 'higher_is_better' ? 1 : -1;
          better[factorIndex] = base[factorIndex]! + direction * step;
          const before = scoreAccount(defaultModel, toSignals(base), AS_OF).rawScore ?? 0;
          const after = scoreAccount(defaultModel, toSignals(better), AS_OF).rawScore ?? 0;
          return after >= before - 1e-9;
        },
      ),
    );
  });

  it('gives the same score for weights in the same proportion', () => {
    const scaled = (model: Model, categoryScale: number, factorScale: number): Model =>
      parseModel({
        ...model,
        categories: Object.fromEntries(Object.entries(model.categories).map(([c, w]) => [c, w * categoryScale])),
        factors: model.factors.map((f) => ({ ...f, weight: f.weight * factorScale })),
      });
    fc.assert(
      fc.property(
        accountSignals,
        fc.double({ min: 0.01, max: 1000, noNaN: true }),
        fc.double({ min: 0.01, max: 1000, noNaN: true }),
        (values, categoryScale, factorScale) => {
          const signals = toSignals(values);
          const a = scoreAccount(defaultModel, signals, AS_OF);
          const b = scoreAccount(scaled(defaultModel, categoryScale, factorScale), signals, AS_OF);
          expect(b.rawScore ?? -1).toBeCloseTo(a.rawScore ?? -1, 6);
          expect(b.confidence).toBeCloseTo(a.confidence, 6);
        },
      ),
      { numRuns: 50 },
    );
  });
});
