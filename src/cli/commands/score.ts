/** `crm-health score`: parse the options, call the score-files use-case, report the summary. */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Option, type Command } from 'commander';
import { DEFAULT_LIFECYCLE, defaultModel, parseModelText, type ModelSet } from '../../scoring/index.ts';
import { parseIsoDate } from '../../signal-files/index.ts';
import { scoreFiles, type OutputFormat } from '../../use-cases/score-files.ts';

interface ScoreOptions {
  signals: string;
  accounts?: string;
  model?: string;
  asOf?: string;
  format: OutputFormat;
  strict?: boolean;
  rejects?: string;
  out?: string;
}

const HELP_AFTER = `
Signals file: CSV with header account_id,metric,value,observed_at (ISO 8601 date or datetime;
no offset means UTC), or JSON Lines (.jsonl) with the same fields. Metrics follow the catalogue in
docs/scoring-model.md; metrics no model uses are ignored.

Accounts file: CSV or JSON Lines with account_id,name,domain,segment,seats,customer_since,renewal_date
and any other columns (plan, region…) that model rules can match on.

Model file: JSON or YAML, a single model or { lifecycle, models: [...] } (see examples/models/).

Output: one record per account with account_id, score (null when insufficient_data), provisional_score,
tier, confidence, insufficient_data, categories, lifecycle_stage, model, model_version, drivers, scored_at.

Examples:
  crm-health score --signals signals.csv --as-of 2025-06-30
  crm-health score --signals s.jsonl --accounts accounts.csv --model examples/models/workspace.yaml --format csv --out scores.csv`;

/** A date-only --as-of means the end of that day (UTC), so signals observed on it count. */
export function parseAsOf(text: string | undefined, now: Date = new Date()): Date {
  if (text === undefined) return now;
  const ms = parseIsoDate(text.trim());
  if (Number.isNaN(ms)) throw new Error(`--as-of: expected an ISO 8601 date or datetime, got "${text}"`);
  return new Date(/^\d{4}-\d{2}-\d{2}$/.test(text.trim()) ? ms + 86_400_000 - 1 : ms);
}

async function loadModels(path: string | undefined): Promise<ModelSet> {
  if (path === undefined) return { lifecycle: DEFAULT_LIFECYCLE, models: [defaultModel] };
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : '';
    throw new Error(code === 'ENOENT' ? `--model: file not found: ${path}` : `--model: cannot read ${path}`, { cause: error });
  }
  return parseModelText(text, path);
}

async function openOutput(path: string): Promise<Writable> {
  const stream = createWriteStream(path);
  await once(stream, 'open');
  return stream;
}

async function close(stream: Writable): Promise<void> {
  if (stream === process.stdout) return;
  stream.end();
  await once(stream, 'finish');
}

export async function runScore(options: ScoreOptions, log: (line: string) => void): Promise<void> {
  const models = await loadModels(options.model);
  const asOf = parseAsOf(options.asOf);
  const output = options.out ? await openOutput(options.out) : process.stdout;
  const rejects = options.rejects ? await openOutput(options.rejects) : undefined;
  try {
    const summary = await scoreFiles({
      signals: { path: options.signals },
      accounts: options.accounts ? { path: options.accounts } : undefined,
      models,
      asOf,
      format: options.format,
      strict: options.strict ?? false,
      output,
      rejects,
    });
    const rejected = summary.signalRowsRejected + summary.accountRowsRejected;
    log(
      `scored ${summary.accountsScored} accounts as of ${asOf.toISOString()} ` +
        `(${summary.insufficientData} with insufficient data); ` +
        `read ${summary.signalRowsRead} signal rows, rejected ${rejected}` +
        (rejected > 0 && !options.rejects ? ' (use --rejects FILE for the list)' : '') +
        `; ${summary.signalRowsAfterAsOf} observed after as-of, ${summary.signalRowsUnusedMetric} on metrics no model uses`,
    );
  } finally {
    await close(output);
    if (rejects) await close(rejects);
  }
}

export function registerScoreCommand(program: Command): void {
  program
    .command('score')
    .description('Score accounts from a signals file (CSV or JSON Lines) as of a date')
    .requiredOption('--signals <file>', 'signals file: account_id,metric,value,observed_at (CSV or .jsonl)')
    .option('--accounts <file>', 'accounts file: account_id,name,domain,segment,seats,customer_since,renewal_date,…')
    .option('--model <file>', 'model or model set (JSON or YAML); the default 40/30/20/10 model without it')
    .option('--as-of <date>', 'score as of this ISO date or datetime (a date means its end, UTC); default now')
    .addOption(new Option('--format <format>', 'output format').choices(['jsonl', 'csv']).default('jsonl'))
    .option('--strict', 'stop at the first malformed row instead of rejecting it')
    .option('--rejects <file>', 'write rejected rows (source,line,column,problem) as CSV to this file')
    .option('--out <file>', 'write scores to this file instead of standard output')
    .addHelpText('after', HELP_AFTER)
    .action(async function (this: Command) {
      const options = this.opts<ScoreOptions>();
      try {
        await runScore(options, (line) => this.configureOutput().writeErr?.(`${line}\n`) ?? process.stderr.write(`${line}\n`));
      } catch (error) {
        this.error(`score: ${error instanceof Error ? error.message : String(error)}`, { exitCode: 1, code: 'crm-health.score' });
      }
    });
}
