/**
 * `crm-health fit`: fit factor and category weights (and a calibrated churn probability)
 * to outcomes, compare cross-validated ROC-AUC of fitted versus current weights, and write
 * the result as a draft model file an admin reviews before publishing.
 */
import { writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { withHistoryInputs, withWideInputs } from './history-options.ts';
import { Document } from 'yaml';
import type { Model, ModelSet } from '../../scoring/index.ts';
import {
  defaultWindow,
  fitJson,
  fitModel,
  formatFitText,
  historyFitDataset,
  parseDurationDays,
  portfolioReferences,
  snapshotDates,
  toJson,
  wideFitDataset,
  type FitDataset,
  type FitResult,
} from '../../backtest/index.ts';
import {
  loadHistories,
  loadModelSet,
  loadWide,
  parseDateOption,
  type CommandIo,
  type HistoryInputOptions,
  type WideInputOptions,
} from './backtest.ts';

interface FitCommandOptions extends HistoryInputOptions, WideInputOptions {
  modelId?: string;
  horizon: string;
  from?: string;
  to?: string;
  every: string;
  folds: string;
  seed: string;
  l2: string;
  out?: string;
  probabilityOut?: string;
  format: 'text' | 'json';
}

const processIo: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

function positiveNumber(text: string, flag: string, integer: boolean): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`${flag}: expected a ${integer ? 'whole number' : 'non-negative number'}, got "${text}"`);
  }
  return value;
}

/** Fitting works on one model; a model set must name it. */
export function pickModel(set: ModelSet, modelId: string | undefined): Model {
  if (modelId !== undefined) {
    const found = set.models.find((m) => m.id === modelId);
    if (!found) throw new Error(`--model-id: no model "${modelId}"; models are: ${set.models.map((m) => m.id).join(', ')}`);
    return found;
  }
  if (set.models.length > 1) {
    throw new Error(`the model file holds ${set.models.length} models; pick one with --model-id (${set.models.map((m) => m.id).join(', ')})`);
  }
  return set.models[0] as Model;
}

/** The draft as a reviewable YAML file, with the figures that justify it on top. */
export function draftModelYaml(fit: FitResult): string {
  const document = new Document(fit.draft.input);
  document.commentBefore = [
    ` Draft fitted by crm-health fit (${fit.options.folds}-fold CV, seed ${fit.options.seed}, L2 λ=${fit.options.l2}) on ${fit.examples} examples, ${fit.churned} churned.`,
    ` Cross-validated ROC-AUC: fitted weights ${fit.fittedWeights.rocAuc.toFixed(3)}, current weights ${fit.current.rocAuc.toFixed(3)}, churn probability ${fit.churnProbability.rocAuc.toFixed(3)}.`,
    ' Factor weights are percentages of the whole score; review, then publish as a new model version.',
  ].join('\n');
  return document.toString();
}

async function buildDataset(options: FitCommandOptions, log: (line: string) => void): Promise<FitDataset> {
  if (options.wide !== undefined) {
    const { dataset, model } = await loadWide(options);
    log(`wide file: ${dataset.rows.length} rows after removing ${dataset.duplicatesRemoved} exact duplicates`);
    return wideFitDataset(dataset, model);
  }
  const models = await loadModelSet(options.model);
  const model = pickModel(models, options.modelId);
  const horizonDays = parseDurationDays(options.horizon);
  const everyDays = parseDurationDays(options.every);
  const assembled = await loadHistories(options, log);
  if (assembled.firstSignal === null || assembled.lastSignal === null) throw new Error(`${options.signals}: no signal rows`);
  const window = defaultWindow(assembled.firstSignal, assembled.lastSignal, assembled.outcomesKnownUntil, horizonDays);
  const from = options.from === undefined ? window.from : parseDateOption(options.from, '--from');
  const to = options.to === undefined ? window.to : parseDateOption(options.to, '--to');
  return historyFitDataset(assembled.histories, model, {
    from,
    to,
    everyDays,
    horizonDays,
    outcomesKnownUntil: assembled.outcomesKnownUntil,
    references: portfolioReferences(assembled.histories, snapshotDates(from, to, everyDays), [model]),
  });
}

export async function runFit(options: FitCommandOptions, io: CommandIo): Promise<FitResult> {
  const log = (line: string) => io.stderr(`${line}\n`);
  const fitOptions = {
    folds: positiveNumber(options.folds, '--folds', true),
    seed: positiveNumber(options.seed, '--seed', true),
    l2: positiveNumber(options.l2, '--l2', false),
  };
  if (fitOptions.folds < 2) throw new Error('--folds: need at least 2');
  const dataset = await buildDataset(options, log);
  const fit = fitModel(dataset, fitOptions);
  const written: string[] = [];
  if (options.out !== undefined) {
    await writeFile(options.out, draftModelYaml(fit));
    written.push(`${options.out} (draft model)`);
  }
  const probabilityOut = options.probabilityOut ?? (options.out === undefined ? undefined : options.out.replace(/(\.ya?ml|\.json)?$/i, '.probability.json'));
  if (probabilityOut !== undefined) {
    await writeFile(probabilityOut, toJson({ modelId: fit.draft.model.id, churn: fit.churnModel, expansion: fit.expansionModel }));
    written.push(`${probabilityOut} (calibrated churn probability${fit.expansionModel ? ' and expansion likelihood' : ''})`);
  }
  io.stdout(options.format === 'json' ? toJson(fitJson(fit)) : formatFitText(fit, written));
  return fit;
}

const HELP_AFTER = `
Fits weights with an L2-regularised logistic regression of churn on the factor scores, k-fold
cross-validated with a seeded, stratified split (an account's snapshots never straddle folds;
exact duplicate rows of a wide file are removed first). A factor whose fitted effect points the
wrong way (a higher score came with more churn) is dropped from the draft and listed, not flipped.
Also fits a Platt-calibrated churn probability (and expansion likelihood when expansions exist).

Examples:
  crm-health fit --wide ../shared/datasets/telco_customer_churn_ibm.csv --model examples/models/telco.yaml --out telco-draft.yaml
  crm-health fit --signals signals.csv --outcomes outcomes.csv --model model.yaml --horizon 90d --out draft.yaml`;

export function registerFitCommand(program: Command, io: CommandIo = processIo): void {
  const command = program
    .command('fit')
    .description('Fit weights and churn probability to outcomes; write a draft model for review');
  withWideInputs(withHistoryInputs(command));
  command
    .option('--model <file>', 'the current model; in wide mode a bundle with wide: and model:')
    .option('--model-id <id>', 'which model of a model set to fit')
    .option('--horizon <duration>', 'label: churned within this after the snapshot', '90d')
    .option('--from <date>', 'first snapshot date')
    .option('--to <date>', 'last snapshot date')
    .option('--every <duration>', 'days between snapshots', '30d')
    .option('--folds <k>', 'cross-validation folds', '5')
    .option('--seed <n>', 'seed for the fold split', '1')
    .option('--l2 <lambda>', 'L2 penalty on standardised coefficients', '1')
    .option('--out <file>', 'write the draft model (YAML) here')
    .option('--probability-out <file>', 'write the probability models (JSON) here; default beside --out')
    .option('--strict', 'stop at the first malformed row instead of rejecting it')
    .addOption(new Option('--format <format>', 'report format').choices(['text', 'json']).default('text'))
    .addHelpText('after', HELP_AFTER)
    .action(async function (this: Command) {
      try {
        await runFit(this.opts<FitCommandOptions>(), io);
      } catch (error) {
        this.error(`fit: ${error instanceof Error ? error.message : String(error)}`, { exitCode: 1, code: 'crm-health.fit' });
      }
    });
}
