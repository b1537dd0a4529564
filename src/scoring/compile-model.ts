/**
 * A model resolved to typed arrays: metrics become indices, weights become shares, anchors are
 * pre-transformed. The hot path (score-numeric.ts) reads only these arrays.
 */
import { CATEGORY_IDS, type CategoryId, type MetricUnit } from './metric-catalogue.ts';
import { modelMetric, type Model } from './model-schema.ts';
import { logTransform } from './normalizations.ts';

export const NORM_LINEAR = 0;
export const NORM_LOG = 1;
export const NORM_BANDS = 2;
export const NORM_PERCENTILE = 3;

const EMPTY = new Float64Array(0);

export interface CompiledModel {
  readonly kind: 'compiled-model';
  readonly model: Model;
  /** The metric index space: values/ages arrays are laid out in this order. */
  readonly metrics: readonly string[];
  readonly metricIndex: ReadonlyMap<string, number>;
  readonly factorCount: number;
  readonly factorMetric: Int32Array;
  readonly factorCategory: Int8Array;
  /** Factor weight as a share of its category's factor weights. */
  readonly factorWeight: Float64Array;
  /** Share of the whole model's configured weight: the factor's part of confidence. */
  readonly configuredShare: Float64Array;
  readonly categoryWeight: Float64Array;
  readonly normKind: Int8Array;
  readonly anchorBad: Float64Array;
  readonly anchorGood: Float64Array;
  /** 100 / (good − bad) in the (possibly log-transformed) space, so the hot path multiplies instead of dividing. */
  readonly anchorScale: Float64Array;
  readonly bandThresholds: readonly Float64Array[];
  readonly bandScores: readonly Float64Array[];
  readonly higherIsBetter: Uint8Array;
  readonly perSeat: Uint8Array;
  readonly maxAgeDays: Float64Array;
  readonly units: readonly MetricUnit[];
  readonly hasPercentile: boolean;
}

export interface CompileOptions {
  /**
   * Lay metrics out in this shared order (e.g. the union of several models' metrics) so one values
   * array serves every model; metrics the model uses but the list lacks are appended.
   */
  readonly metrics?: readonly string[];
}

export function compileModel(model: Model, options: CompileOptions = {}): CompiledModel {
  const metrics = [...(options.metrics ?? [])];
  const metricIndex = new Map<string, number>(metrics.map((m, i) => [m, i]));
  for (const factor of model.factors) {
    if (!metricIndex.has(factor.metric)) {
      metricIndex.set(factor.metric, metrics.length);
      metrics.push(factor.metric);
    }
  }
  const n = model.factors.length;
  const categoryTotal = CATEGORY_IDS.reduce((sum, c) => sum + (model.categories[c] ?? 0), 0);
  const factorTotals = new Map<CategoryId, number>();
  for (const f of model.factors) factorTotals.set(f.category, (factorTotals.get(f.category) ?? 0) + f.weight);

  const compiled = {
    kind: 'compiled-model' as const,
    model,
    metrics,
    metricIndex,
    factorCount: n,
    factorMetric: new Int32Array(n),
    factorCategory: new Int8Array(n),
    factorWeight: new Float64Array(n),
    configuredShare: new Float64Array(n),
    categoryWeight: new Float64Array(CATEGORY_IDS.length),
    normKind: new Int8Array(n),
    anchorBad: new Float64Array(n),
    anchorGood: new Float64Array(n),
    anchorScale: new Float64Array(n),
    bandThresholds: [] as Float64Array[],
    bandScores: [] as Float64Array[],
    higherIsBetter: new Uint8Array(n),
    perSeat: new Uint8Array(n),
    maxAgeDays: new Float64Array(n),
    units: [] as MetricUnit[],
    hasPercentile: false,
  };
  CATEGORY_IDS.forEach((c, k) => {
    compiled.categoryWeight[k] = (model.categories[c] ?? 0) / categoryTotal;
  });
  model.factors.forEach((f, i) => {
    const k = CATEGORY_IDS.indexOf(f.category);
    const withinCategory = f.weight / (factorTotals.get(f.category) ?? f.weight);
    compiled.factorMetric[i] = metricIndex.get(f.metric) ?? 0;
    compiled.factorCategory[i] = k;
    compiled.factorWeight[i] = withinCategory;
    compiled.configuredShare[i] = withinCategory * compiled.categoryWeight[k]!;
    compiled.higherIsBetter[i] = f.direction === 'higher_is_better' ? 1 : 0;
    compiled.perSeat[i] = f.perSeat ? 1 : 0;
    compiled.maxAgeDays[i] = f.maxAgeDays;
    compiled.units.push(modelMetric(model, f.metric)?.unit ?? 'number');
    const norm = f.normalization;
    let thresholds = EMPTY;
    let scores = EMPTY;
    if (norm.type === 'linear') {
      compiled.normKind[i] = NORM_LINEAR;
      compiled.anchorBad[i] = norm.bad;
      compiled.anchorGood[i] = norm.good;
    } else if (norm.type === 'log') {
      compiled.normKind[i] = NORM_LOG;
      compiled.anchorBad[i] = logTransform(norm.bad);
      compiled.anchorGood[i] = logTransform(norm.good);
    } else if (norm.type === 'bands') {
      compiled.normKind[i] = NORM_BANDS;
      thresholds = Float64Array.from(norm.thresholds);
      scores = Float64Array.from(norm.scores);
    } else {
      compiled.normKind[i] = NORM_PERCENTILE;
      compiled.hasPercentile = true;
    }
    if (norm.type === 'linear' || norm.type === 'log') {
      compiled.anchorScale[i] = 100 / (compiled.anchorGood[i]! - compiled.anchorBad[i]!);
    }
    compiled.bandThresholds.push(thresholds);
    compiled.bandScores.push(scores);
  });
  return compiled;
}

const cache = new WeakMap<Model, CompiledModel>();

/** Compiled once per model object; models are immutable once published, so the cache never goes stale. */
export function compiledFor(model: Model | CompiledModel): CompiledModel {
  if (isCompiledModel(model)) return model;
  let compiled = cache.get(model);
  if (!compiled) {
    compiled = compileModel(model);
    cache.set(model, compiled);
  }
  return compiled;
}

export function isCompiledModel(model: Model | CompiledModel): model is CompiledModel {
  return 'kind' in model && model.kind === 'compiled-model';
}
