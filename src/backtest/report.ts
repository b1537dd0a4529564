/**
 * Backtest and fit results as a person reads them (aligned text tables) and as a machine
 * reads them (JSON with NaN written as null).
 */
import type { FitResult, Evaluation } from './fit-model.ts';
import type { ConfusionRates } from './metrics.ts';
import type { OutcomeFigures } from './outcome-figures.ts';
import type { GroupFigures, ReplayResult } from './replay.ts';
import type { WideBacktestResult } from './wide-backtest.ts';

export type BacktestResult = ReplayResult | WideBacktestResult;

type Align = 'left' | 'right';

/** Columns padded to their widest cell; numbers right-aligned so digits line up. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[], align?: readonly Align[]): string {
  const widths = headers.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? '').length)));
  const alignOf = (j: number): Align => align?.[j] ?? (j === 0 ? 'left' : 'right');
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, j) => (alignOf(j) === 'left' ? c.padEnd(widths[j] as number) : c.padStart(widths[j] as number)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const fixed = (x: number | null | undefined, digits = 3): string =>
  x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits);
const percent = (x: number | null | undefined, digits = 1): string =>
  x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : `${(x * 100).toFixed(digits)} %`;
const count = (x: number): string => Math.round(x).toLocaleString('en-US');
const days = (x: number): string => (Number.isFinite(x) ? `${Math.round(x)} d` : 'n/a');
const indent = (text: string, by = '  '): string => text.split('\n').map((l) => by + l).join('\n');

const PROBABILITY_SOURCE: Record<OutcomeFigures['probabilitySource'], string> = {
  'stored-model': 'the stored probability model',
  'cross-fitted-platt': 'score → probability by Platt scaling, cross-fitted over 5 account folds',
  none: 'no probability available',
};

function confusionRow(label: string, r: ConfusionRates): string[] {
  return [
    label,
    percent(r.precision),
    percent(r.recall),
    percent(r.falsePositiveRate),
    percent(r.falseNegativeRate),
    count(r.truePositives),
    count(r.falsePositives),
    count(r.falseNegatives),
    count(r.trueNegatives),
  ];
}

function outcomeSection(title: string, figures: OutcomeFigures, leadTime: GroupFigures['leadTime']): string {
  const noun = figures.outcome === 'churn' ? 'Churned' : 'Expanded';
  const lines = [
    title,
    `  snapshots        ${count(figures.snapshots)} (${count(figures.positives)} ${noun.toLowerCase()} within the horizon)`,
    `  base rate        ${percent(figures.baseRate)}`,
    `  ROC-AUC          ${fixed(figures.rocAuc)}   (0.5 = chance, 1 = perfect ranking)`,
    `  PR-AUC           ${fixed(figures.averagePrecision)}   (chance = the base rate)`,
    `  Brier score      ${fixed(figures.brierScore, 4)}   (${PROBABILITY_SOURCE[figures.probabilitySource]})`,
  ];
  if (figures.probabilityRocAuc !== null) lines.push(`  probability AUC  ${fixed(figures.probabilityRocAuc)}`);
  if (leadTime !== null && figures.outcome === 'churn') {
    lines.push(
      `  lead time        median ${days(leadTime.medianDays)}, quartiles ${days(leadTime.lowerQuartileDays)}–${days(leadTime.upperQuartileDays)}` +
        `   (${leadTime.warned} of ${leadTime.churnedAccounts} churned accounts flagged before churn, ${leadTime.missed} missed)`,
    );
  }
  lines.push('');
  lines.push(
    indent(
      formatTable(
        ['Tier', 'Snapshots', noun, `${noun === 'Churned' ? 'Churn' : 'Expansion'} rate`, 'Lift'],
        figures.tiers.map((t) => [t.tier, count(t.snapshots), count(t.positives), percent(t.rate), fixed(t.lift, 2)]),
      ),
    ),
  );
  lines.push('');
  const rows = [confusionRow(figures.flaggedLabel, figures.flagged)];
  if (figures.critical !== null) rows.push(confusionRow('Critical', figures.critical));
  lines.push(indent(formatTable(['Flag', 'Precision', 'Recall', 'FPR', 'FNR', 'TP', 'FP', 'FN', 'TN'], rows)));
  if (figures.reliability.length > 0) {
    lines.push('');
    lines.push(
      indent(
        formatTable(
          ['Predicted', 'Snapshots', 'Mean predicted', 'Observed'],
          figures.reliability.map((b) => [
            `${percent(b.from, 0)}–${percent(b.to, 0)}`,
            count(b.count),
            percent(b.meanPredicted),
            percent(b.observedRate),
          ]),
        ),
      ),
    );
  }
  return lines.join('\n');
}

function breakdown(title: string, groups: readonly GroupFigures[]): string {
  if (groups.length === 0) return '';
  const rows = groups.map((g) => {
    const critical = g.churn.tiers.find((t) => t.tier === 'Critical');
    return [
      g.name,
      count(g.scored),
      count(g.insufficientData),
      percent(g.churn.baseRate),
      fixed(g.churn.rocAuc),
      fixed(g.churn.averagePrecision),
      fixed(g.churn.brierScore, 4),
      fixed(critical?.lift, 2),
      g.leadTime === null ? '' : days(g.leadTime.medianDays),
      g.expansion === null ? '' : fixed(g.expansion.rocAuc),
    ];
  });
  const headers = ['', 'Scored', 'Insufficient', 'Churn rate', 'ROC-AUC', 'PR-AUC', 'Brier', 'Critical lift', 'Median lead', 'Expansion AUC'];
  headers[0] = title;
  const keep = headers.map((_, j) => rows.some((r) => r[j] !== ''));
  const pickCols = <T>(cells: readonly T[]): T[] => cells.filter((_, j) => keep[j]);
  return formatTable(pickCols(headers), rows.map(pickCols));
}

export function formatBacktestText(result: BacktestResult): string {
  const parts: string[] = [];
  if (result.kind === 'replay') {
    parts.push(
      `Backtest: point-in-time replay ${result.from} … ${result.to} every ${result.everyDays} days, horizon ${result.horizonDays} days`,
      `Accounts ${count(result.accounts)}; snapshots scored ${count(result.snapshots.scored)}, insufficient data ${count(result.snapshots.insufficientData)}, ` +
        `censored ${count(result.snapshots.censored)} (outcomes known until ${result.outcomesKnownUntil ?? 'unknown'}), ` +
        `after churn ${count(result.snapshots.afterChurn)}, before customer ${count(result.snapshots.beforeCustomer)}`,
    );
  } else {
    parts.push(
      `Backtest: wide file, model ${result.modelId}; one snapshot per account, labelled by its end state`,
      `Rows ${count(result.rows)} (${count(result.duplicatesRemoved)} exact duplicates removed, ${count(result.blankCells)} blank cells treated as missing); ` +
        `scored ${count(result.scored)}, insufficient data ${count(result.insufficientData)}`,
    );
  }
  parts.push('', outcomeSection('Churn: the score as a predictor (low score → churn)', result.overall.churn, result.overall.leadTime));
  if (result.overall.expansion !== null) {
    parts.push('', outcomeSection('Expansion: the score as a predictor (high score → expansion)', result.overall.expansion, null));
  }
  const segments = breakdown('Segment', result.segments);
  if (segments !== '') parts.push('', segments);
  if (result.kind === 'replay') {
    const stages = breakdown('Lifecycle stage', result.lifecycleStages);
    if (stages !== '') parts.push('', stages);
    parts.push(
      '',
      formatTable(
        ['Snapshot', 'Healthy', 'At Risk', 'Critical', 'Insufficient'],
        result.tierDistribution.map((d) => [d.date, count(d.healthy), count(d.at_risk), count(d.critical), count(d.insufficientData)]),
      ),
    );
  }
  return `${parts.join('\n')}\n`;
}

const STATUS_TEXT = {
  kept: '',
  dropped_wrong_direction: 'dropped: a higher factor score came with more churn (check its direction)',
  dropped_no_variation: 'dropped: no variation in the data',
} as const;

function evaluationRow(label: string, e: Evaluation | null): string[] {
  if (e === null) return [label, 'n/a', '', '', ''];
  const low = Math.min(...e.foldRocAuc);
  const high = Math.max(...e.foldRocAuc);
  return [label, fixed(e.rocAuc), `${fixed(low)}–${fixed(high)}`, fixed(e.averagePrecision), fixed(e.brierScore, 4)];
}

export function formatFitText(fit: FitResult, written: readonly string[] = []): string {
  const o = fit.options;
  const lines = [
    `Fit: ${o.folds}-fold stratified cross-validation, seed ${o.seed}, L2 λ=${o.l2}; ` +
      `${count(fit.examples)} examples, ${count(fit.churned)} churned, ${count(fit.expanded)} expanded`,
    '',
    formatTable(
      ['Cross-validated', 'ROC-AUC', 'Fold range', 'PR-AUC', 'Brier'],
      [
        evaluationRow('Current weights (score)', fit.current),
        evaluationRow('Fitted weights (score)', fit.fittedWeights),
        evaluationRow('Churn probability', fit.churnProbability),
        evaluationRow('Expansion likelihood', fit.expansionLikelihood),
      ],
    ),
    ...(fit.expansionSkipped === null ? [] : [`Expansion likelihood not fitted: ${fit.expansionSkipped}.`]),
    '',
    formatTable(
      ['Factor', 'Category', 'Current share', 'Fitted share', 'Coefficient', 'Note'],
      fit.weights.factors.map((f) => [
        f.factorId,
        f.category,
        percent(f.currentShare),
        percent(f.fittedShare),
        f.coefficient === null ? '' : f.coefficient.toExponential(2),
        STATUS_TEXT[f.status],
      ]),
      ['left', 'left', 'right', 'right', 'right', 'left'],
    ),
    '',
    'Coefficient: change in churn log-odds per point of factor score (negative = protective).',
    `Draft model "${fit.draft.model.id}" (unpublished, no version) with the fitted weights.`,
  ];
  for (const w of written) lines.push(`Wrote ${w}`);
  return `${lines.join('\n')}\n`;
}

/** JSON text where NaN and ±Infinity become null (JSON has no NaN). */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}

/** The machine-readable fit result: figures, weights, draft model and probability models. */
export function fitJson(fit: FitResult): unknown {
  return {
    examples: fit.examples,
    churned: fit.churned,
    expanded: fit.expanded,
    options: fit.options,
    crossValidation: {
      currentWeights: fit.current,
      fittedWeights: fit.fittedWeights,
      churnProbability: fit.churnProbability,
      expansionLikelihood: fit.expansionLikelihood,
      expansionSkipped: fit.expansionSkipped,
    },
    factors: fit.weights.factors,
    draftModel: fit.draft.input,
    churnProbabilityModel: fit.churnModel,
    expansionLikelihoodModel: fit.expansionModel,
  };
}
