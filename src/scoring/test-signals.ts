/** Builders shared by the scoring tests: signals at the good or bad anchor of every default factor. */
import { defaultModel } from './default-model.ts';
import type { Model } from './model-schema.ts';
import type { Signal } from './score-account.ts';

export const AS_OF = new Date('2025-06-30T00:00:00Z');
export const FRESH = new Date('2025-06-28T00:00:00Z');

export function anchorValue(model: Model, factorId: string, which: 'good' | 'bad'): number {
  const factor = model.factors.find((f) => f.id === factorId);
  if (!factor) throw new Error(`no factor ${factorId}`);
  const n = factor.normalization;
  if (n.type === 'linear' || n.type === 'log') return n[which];
  if (n.type === 'bands') {
    const low = n.thresholds[0]! - 1;
    const high = n.thresholds[n.thresholds.length - 1]! + 1;
    const lowIsGood = factor.direction === 'lower_is_better';
    return which === 'good' ? (lowIsGood ? low : high) : lowIsGood ? high : low;
  }
  throw new Error('percentile has no anchor');
}

export function signalsAt(
  which: 'good' | 'bad',
  options: { model?: Model; only?: (metric: string) => boolean; observedAt?: Date } = {},
): Signal[] {
  const model = options.model ?? defaultModel;
  return model.factors
    .filter((f) => options.only?.(f.metric) ?? true)
    .map((f) => ({ metric: f.metric, value: anchorValue(model, f.id, which), observedAt: options.observedAt ?? FRESH }));
}
