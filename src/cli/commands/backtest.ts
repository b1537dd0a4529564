/**
 * `crm-health backtest`: replay a model over signal history against known outcomes, or
 * score a wide file (one row per account) — then print a text report or JSON.
 * The command reads files and formats output; the figures come from src/backtest.
 */
import { createReadStream } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { withHistoryInputs, withWideInputs } from './history-options.ts';
import { parse as parseYaml } from 'yaml';
import {
  DEFAULT_LIFECYCLE,
  defaultModel,
  parseModel,
  parseModelText,
  type Model,
  type ModelSet,
} from '../../scoring/index.ts';
import { parseIsoDate, readAccounts, readSignalRows, type RowError } from '../../signal-files/index.ts';
import {
  assembleHistories,
  defaultWindow,
  formatBacktestText,
  isoDay,
  parseDurationDays,
  parseWideFile,
  parseWideMapping,
  portfolioReferences,
  ProbabilityModelSchema,
  readOutcomes,
  replayBacktest,
  snapshotDates,
  toJson,
  wideBacktest,
  WideBundleSchema,
  withoutFactors,
  type AssembledHistories,
  type ProbabilityModel,
  type WideDataset,
} from '../../backtest/index.ts';

export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const processIo: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export interface HistoryInputOptions {
  signals?: string;
  outcomes?: string;
  accounts?: string;
  strict?: boolean;
}

export interface WideInputOptions {
  wide?: string;
  mapping?: string;
  model?: string;
  without?: string[];
}

interface BacktestOptions extends HistoryInputOptions, WideInputOptions {
  horizon: string;
  from?: string;
  to?: string;
  every: string;
  format: 'text' | 'json';
  probabilityModel?: string;
}

async function readText(path: string, flag: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : '';
    throw new Error(code === 'ENOENT' ? `${flag}: file not found: ${path}` : `${flag}: cannot read ${path}`, { cause: error });
  }
}

function parseYamlText(text: string, path: string): unknown {
  try {
    return parseYaml(text);
  } catch (error) {
    throw new Error(`${path}: not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, { cause: error });
  }
}

/** A date-only value means the end of that day (UTC), as `score --as-of` does. */
export function parseDateOption(text: string, flag: string): Date {
  const trimmed = text.trim();
  const ms = parseIsoDate(trimmed);
  if (Number.isNaN(ms)) throw new Error(`${flag}: expected an ISO 8601 date, got "${text}"`);
  return new Date(/^\d{4}-\d{2}-\d{2}$/.test(trimmed) ? ms + 86_400_000 - 1 : ms);
}

export async function loadModelSet(path: string | undefined): Promise<ModelSet> {
  if (path === undefined) return { lifecycle: DEFAULT_LIFECYCLE, models: [defaultModel] };
  return parseModelText(await readText(path, '--model'), path);
}

/** Reads signals, accounts and outcomes; malformed rows are counted (or, with --strict, fatal). */
export async function loadHistories(options: HistoryInputOptions, log: (line: string) => void): Promise<AssembledHistories> {
  if (options.signals === undefined || options.outcomes === undefined) {
    throw new Error('give --signals FILE and --outcomes FILE (or --wide FILE with --model FILE)');
  }
  const rejected: RowError[] = [];
  const rowOptions = (source: string) => ({ source, strict: options.strict ?? false, onReject: (e: RowError) => rejected.push(e) });
  const open = async (path: string, flag: string) => {
    await access(path).catch((error: unknown) => {
      throw new Error(`${flag}: file not found or unreadable: ${path}`, { cause: error });
    });
    return createReadStream(path);
  };
  const assembled = await assembleHistories({
    signals: readSignalRows(await open(options.signals, '--signals'), rowOptions(options.signals)),
    accounts: options.accounts
      ? readAccounts(await open(options.accounts, '--accounts'), rowOptions(options.accounts))
      : undefined,
    outcomes: readOutcomes(await open(options.outcomes, '--outcomes'), rowOptions(options.outcomes)),
  });
  if (rejected.length > 0) {
    log(`rejected ${rejected.length} malformed rows (use --strict to stop at the first); first: ${rejected[0]?.message}`);
  }
  if (assembled.outcomesWithoutAccount > 0) {
    log(`${assembled.outcomesWithoutAccount} accounts in the outcomes file have no signals or account row; they are left out`);
  }
  return assembled;
}

/** Wide mode: the mapping comes from --mapping or the `wide:` section of the --model bundle. */
export async function loadWide(options: WideInputOptions): Promise<{ dataset: WideDataset; model: Model }> {
  if (options.wide === undefined) throw new Error('--wide FILE is missing');
  if (options.model === undefined) throw new Error('--wide needs --model FILE: a bundle with wide: and model:, or a model with --mapping FILE');
  const modelDocument = parseYamlText(await readText(options.model, '--model'), options.model);
  const bundle = WideBundleSchema.safeParse(modelDocument);
  let mappingInput: unknown;
  let modelInput: unknown = modelDocument;
  if (bundle.success) {
    mappingInput = bundle.data.wide;
    modelInput = bundle.data.model;
  }
  if (options.mapping !== undefined) {
    const mappingDocument = parseYamlText(await readText(options.mapping, '--mapping'), options.mapping);
    const mapped = WideBundleSchema.partial({ model: true }).safeParse(mappingDocument);
    mappingInput = mapped.success ? mapped.data.wide : mappingDocument;
  }
  if (mappingInput === undefined) throw new Error(`${options.model}: no wide: section; add one or pass --mapping FILE`);
  if (modelInput === undefined) throw new Error(`${options.model}: the bundle has no model: section`);
  const mapping = parseWideMapping(mappingInput);
  const model = withoutFactors(parseModel(modelInput), options.without ?? []);
  const dataset = parseWideFile(await readText(options.wide, '--wide'), mapping);
  return { dataset, model };
}

async function loadProbabilityModel(path: string | undefined): Promise<ProbabilityModel | null> {
  if (path === undefined) return null;
  const document: unknown = JSON.parse(await readText(path, '--probability-model'));
  const candidate = typeof document === 'object' && document !== null && 'churn' in document ? document.churn : document;
  const parsed = ProbabilityModelSchema.safeParse(candidate);
  if (!parsed.success) {
    throw new Error(`${path}: not a probability model: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

export async function runBacktest(options: BacktestOptions, io: CommandIo): Promise<void> {
  const log = (line: string) => io.stderr(`${line}\n`);
  const churnModel = await loadProbabilityModel(options.probabilityModel);
  if (options.wide !== undefined) {
    const { dataset, model } = await loadWide(options);
    const result = wideBacktest(dataset, model, { churnModel });
    io.stdout(options.format === 'json' ? toJson(result) : formatBacktestText(result));
    return;
  }
  const models = await loadModelSet(options.model);
  if (options.without !== undefined && options.without.length > 0) {
    throw new Error('--without applies to wide files; edit the model file for a history backtest');
  }
  const horizonDays = parseDurationDays(options.horizon);
  const everyDays = parseDurationDays(options.every);
  const assembled = await loadHistories(options, log);
  if (assembled.firstSignal === null || assembled.lastSignal === null) throw new Error(`${options.signals}: no signal rows`);
  const window = defaultWindow(assembled.firstSignal, assembled.lastSignal, assembled.outcomesKnownUntil, horizonDays);
  const from = options.from === undefined ? window.from : parseDateOption(options.from, '--from');
  const to = options.to === undefined ? window.to : parseDateOption(options.to, '--to');
  const dates = snapshotDates(from, to, everyDays);
  log(`replaying ${assembled.histories.length} accounts at ${dates.length} snapshot dates (${isoDay(from)} … ${isoDay(to)})`);
  const result = await replayBacktest(assembled.histories, {
    models,
    from,
    to,
    everyDays,
    horizonDays,
    outcomesKnownUntil: assembled.outcomesKnownUntil,
    churnModel,
    references: portfolioReferences(assembled.histories, dates, models),
  });
  io.stdout(options.format === 'json' ? toJson(result) : formatBacktestText(result));
}

const HELP_AFTER = `
History mode replays the model point in time: at each snapshot date every account is scored
with the signals observed on or before that date only, and labelled by whether it churned
(or expanded) within the horizon after it. Snapshots whose horizon runs past the last known
outcome are left out (censored). Default window: first signal … last outcome − horizon.

Outcomes file: CSV or JSON Lines with account_id,outcome,occurred_at; outcome is churned,
renewed or expanded.

Wide mode scores a file with one row per account (public churn datasets): --model is a YAML
bundle with a wide: mapping (columns → metrics, outcome column) and a model: section, see
examples/models/iranian.yaml and docs/backtesting.md.

Examples:
  crm-health backtest --signals signals.csv --outcomes outcomes.csv --horizon 90d --every 30d
  crm-health backtest --wide ../shared/datasets/iranian_churn_uci563.csv --model examples/models/iranian.yaml --without status`;

export function registerBacktestCommand(program: Command, io: CommandIo = processIo): void {
  const command = program
    .command('backtest')
    .description('Measure how well a model predicted churn and expansion: ROC-AUC, PR-AUC, Brier, lift, lead time');
  withWideInputs(withHistoryInputs(command));
  command
    .option('--model <file>', 'model or model set; in wide mode a bundle with wide: and model:')
    .option('--horizon <duration>', 'a snapshot is positive when the outcome follows within this', '90d')
    .option('--from <date>', 'first snapshot date (default: first signal)')
    .option('--to <date>', 'last snapshot date (default: last outcome minus the horizon)')
    .option('--every <duration>', 'days between snapshots', '30d')
    .option('--probability-model <file>', 'churn probability model JSON written by `crm-health fit`')
    .option('--strict', 'stop at the first malformed row instead of rejecting it')
    .addOption(new Option('--format <format>', 'report format').choices(['text', 'json']).default('text'))
    .addHelpText('after', HELP_AFTER)
    .action(async function (this: Command) {
      try {
        await runBacktest(this.opts<BacktestOptions>(), io);
      } catch (error) {
        this.error(`backtest: ${error instanceof Error ? error.message : String(error)}`, { exitCode: 1, code: 'crm-health.backtest' });
      }
    });
}
