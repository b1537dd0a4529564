/** Small, validated edits of a model for what-if backtests (e.g. "without Status"). */
import { CATEGORY_IDS, parseModel, type CategoryId, type Model } from '../scoring/index.ts';

/** The model without the named factors; a category left without factors loses its weight too. */
export function withoutFactors(model: Model, factorIds: readonly string[]): Model {
  if (factorIds.length === 0) return model;
  const unknown = factorIds.filter((id) => !model.factors.some((f) => f.id === id));
  if (unknown.length > 0) {
    throw new RangeError(`no factor ${unknown.map((id) => `"${id}"`).join(', ')} in model ${model.id}; factors are: ${model.factors.map((f) => f.id).join(', ')}`);
  }
  const factors = model.factors.filter((f) => !factorIds.includes(f.id));
  const fed = new Set(factors.map((f) => f.category));
  const categories: Partial<Record<CategoryId, number>> = {};
  for (const c of CATEGORY_IDS) {
    const weight = model.categories[c];
    if (weight !== undefined && fed.has(c)) categories[c] = weight;
  }
  return parseModel({ ...model, categories, factors });
}
