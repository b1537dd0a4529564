/**
 * Backtest and fitting on a wide file: every row is one account observed once, labelled by
 * its end state. Rows become signals observed on one as-of date and go through the same
 * scoring engine as everything else; percentile factors are ranked against all rows.
 */
import { scoreAccount, segmentReference, type Model, type ScoreResult, type Signal } from '../scoring/index.ts';
import type { FitDataset, FitExample } from './fit-model.ts';
import { accountFold, OutcomeAccumulator } from './outcome-figures.ts';
import { predictOutcomeProbability, type ProbabilityModel } from './probability-model.ts';
import type { GroupFigures } from './replay.ts';
import { metricValues, type WideDataset } from './wide-file.ts';

/** Wide rows carry no dates; every signal is treated as observed on this day. */
export const WIDE_AS_OF = new Date('2000-01-01T00:00:00Z');

export interface WideBacktestResult {
  kind: 'wide';
  modelId: string;
  rows: number;
  duplicatesRemoved: number;
  blankCells: number;
  scored: number;
  insufficientData: number;
  hasExpansions: boolean;
  overall: GroupFigures;
  segments: GroupFigures[];
}

export interface WideBacktestOptions {
  churnModel?: ProbabilityModel | null;
  expansionModel?: ProbabilityModel | null;
}

/** Scores wide rows under any model that reads the dataset's metrics (current or fitted). */
export class WideScorer {
  private readonly dataset: WideDataset;
  private readonly signals: readonly Signal[][];
  private readonly metricReferences: Map<string, Float64Array>;
  private readonly modelReferences = new WeakMap<Model, Record<string, Float64Array>>();

  constructor(dataset: WideDataset) {
    this.dataset = dataset;
    this.signals = dataset.rows.map((row) => row.signals.map((s) => ({ ...s, observedAt: WIDE_AS_OF })));
    this.metricReferences = new Map(
      [...metricValues(dataset)].map(([metric, values]) => [metric, segmentReference(values)]),
    );
  }

  get rows(): number {
    return this.dataset.rows.length;
  }

  score(model: Model, row: number): ScoreResult {
    return scoreAccount(model, this.signals[row] as Signal[], WIDE_AS_OF, {
      accountId: this.dataset.rows[row]?.accountId,
      references: this.referencesFor(model),
    });
  }

  private referencesFor(model: Model): Record<string, Float64Array> {
    let references = this.modelReferences.get(model);
    if (!references) {
      references = {};
      for (const factor of model.factors) {
        const reference = this.metricReferences.get(factor.metric);
        if (reference) references[factor.id] = reference;
      }
      this.modelReferences.set(model, references);
    }
    return references;
  }
}

export function wideBacktest(dataset: WideDataset, model: Model, options: WideBacktestOptions = {}): WideBacktestResult {
  const scorer = new WideScorer(dataset);
  const hasExpansions = dataset.rows.some((r) => r.expanded);
  const overall = { name: 'all accounts', scored: 0, insufficient: 0, churn: new OutcomeAccumulator('churn'), expansion: new OutcomeAccumulator('expansion') };
  const segments = new Map<string, typeof overall>();
  dataset.rows.forEach((row, i) => {
    const result = scorer.score(model, i);
    const segmentName = row.segment ?? 'unspecified';
    let segment = segments.get(segmentName);
    if (!segment) {
      segment = { name: segmentName, scored: 0, insufficient: 0, churn: new OutcomeAccumulator('churn'), expansion: new OutcomeAccumulator('expansion') };
      segments.set(segmentName, segment);
    }
    if (result.insufficientData || result.score === null || result.tier === null) {
      overall.insufficient += 1;
      segment.insufficient += 1;
      return;
    }
    const factorScore = (id: string): number | null => result.factors.find((f) => f.id === id)?.score ?? null;
    const churnP = options.churnModel ? predictOutcomeProbability(options.churnModel, factorScore) : undefined;
    const expansionP = options.expansionModel ? predictOutcomeProbability(options.expansionModel, factorScore) : undefined;
    const fold = accountFold(row.accountId);
    for (const g of [overall, segment]) {
      g.scored += 1;
      g.churn.add(result.score, result.tier, fold, row.churned, churnP);
      g.expansion.add(result.score, result.tier, fold, row.expanded, expansionP);
    }
  });
  const churnCalibration = overall.churn.crossFittedCalibrations();
  const expansionCalibration = overall.expansion.crossFittedCalibrations();
  const finish = (g: typeof overall): GroupFigures => ({
    name: g.name,
    scored: g.scored,
    insufficientData: g.insufficient,
    churn: g.churn.finish(churnCalibration),
    expansion: hasExpansions ? g.expansion.finish(expansionCalibration) : null,
    leadTime: null,
  });
  return {
    kind: 'wide',
    modelId: model.id,
    rows: dataset.rows.length,
    duplicatesRemoved: dataset.duplicatesRemoved,
    blankCells: dataset.blankCells,
    scored: overall.scored,
    insufficientData: overall.insufficient,
    hasExpansions,
    overall: finish(overall),
    segments: segments.size > 1 ? [...segments.values()].map(finish).sort((a, b) => a.name.localeCompare(b.name)) : [],
  };
}

/** Fitting examples from a wide file: one per row with usable data, scored by the engine. */
export function wideFitDataset(dataset: WideDataset, model: Model): FitDataset {
  const scorer = new WideScorer(dataset);
  const rowOf: number[] = [];
  const examples: FitExample[] = [];
  dataset.rows.forEach((row, i) => {
    const result = scorer.score(model, i);
    if (result.insufficientData || result.rawScore === null) return;
    rowOf.push(i);
    examples.push({
      factorScores: Float64Array.from(result.factors, (f) => f.score ?? Number.NaN),
      churned: row.churned,
      expanded: row.expanded,
      group: i,
    });
  });
  return {
    model,
    examples,
    horizonDays: null,
    rescore: (scoring, index) => scorer.score(scoring, rowOf[index] as number).rawScore ?? Number.NaN,
  };
}
