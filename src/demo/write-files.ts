/**
 * Writes a demo portfolio as the three CSV files the CLI reads (`crm-health score`,
 * `crm-health backtest`). Signals are streamed straight from the generator with backpressure,
 * so a million rows never sit in memory as one string.
 */
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { isoDate } from './calendar.ts';
import type { DemoPortfolio } from './portfolio-types.ts';

export const ACCOUNTS_HEADER = [
  'account_id',
  'name',
  'domain',
  'segment',
  'seats',
  'customer_since',
  'renewal_date',
  'plan',
  'region',
  'industry',
  'mrr',
  'owner',
] as const;
export const SIGNALS_HEADER = ['account_id', 'metric', 'value', 'observed_at'] as const;
export const OUTCOMES_HEADER = ['account_id', 'outcome', 'occurred_at'] as const;

export const DEMO_FILE_NAMES = {
  accounts: 'accounts.csv',
  signals: 'signals.csv',
  outcomes: 'outcomes.csv',
} as const;

export interface WrittenDemoFiles {
  readonly accountsFile: string;
  readonly signalsFile: string;
  readonly outcomesFile: string;
  /** Data rows written per file, header excluded. */
  readonly rows: { readonly accounts: number; readonly signals: number; readonly outcomes: number };
}

/** RFC 4180 quoting, only when a field needs it. */
function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvLine(fields: readonly (string | number)[]): string {
  return `${fields.map(csvField).join(',')}\n`;
}

/** Lines are gathered into chunks of about this size: one write per line would be slow. */
const CHUNK_CHARS = 64 * 1024;

/**
 * Streams lines into a file, waiting for 'drain' whenever the stream's buffer is full, and
 * rejecting on the first write error instead of buffering into it.
 */
async function writeLines(path: string, lines: Iterable<string>): Promise<number> {
  const stream: WriteStream = createWriteStream(path, { encoding: 'utf8' });
  // Errors surface through `once`/`finished` or `stream.errored`; the listener only keeps an
  // error raised between writes from crashing the process as an unhandled 'error' event.
  stream.on('error', () => {});
  let count = -1; // the first line is the header
  let chunk = '';
  try {
    for (const line of lines) {
      count += 1;
      chunk += line;
      if (chunk.length < CHUNK_CHARS) continue;
      if (stream.errored) throw stream.errored;
      if (!stream.write(chunk)) await once(stream, 'drain');
      chunk = '';
    }
    if (stream.errored) throw stream.errored;
    stream.end(chunk);
    await finished(stream);
  } catch (error) {
    stream.destroy();
    throw error;
  }
  return count;
}

function* accountLines(portfolio: DemoPortfolio): Generator<string> {
  yield csvLine(ACCOUNTS_HEADER);
  for (const a of portfolio.accounts) {
    yield csvLine([
      a.accountId,
      a.name,
      a.domain,
      a.segment,
      a.seats,
      isoDate(a.customerSince),
      a.renewalDate ? isoDate(a.renewalDate) : '',
      a.plan,
      a.region,
      a.industry,
      a.mrr,
      a.ownerName,
    ]);
  }
}

function* signalLines(portfolio: DemoPortfolio): Generator<string> {
  yield csvLine(SIGNALS_HEADER);
  // Signals of one week share a date; formatting it once per distinct time saves ~1M toISOString calls.
  let lastMs = Number.NaN;
  let lastDate = '';
  for (const s of portfolio.signals()) {
    const ms = s.observedAt.getTime();
    if (ms !== lastMs) {
      lastMs = ms;
      lastDate = isoDate(s.observedAt);
    }
    yield `${csvField(s.accountId)},${csvField(s.metric)},${s.value},${lastDate}\n`;
  }
}

function* outcomeLines(portfolio: DemoPortfolio): Generator<string> {
  yield csvLine(OUTCOMES_HEADER);
  for (const o of portfolio.outcomes) yield csvLine([o.accountId, o.outcome, isoDate(o.occurredAt)]);
}

/** Writes accounts.csv, signals.csv and outcomes.csv into `directory` (created if missing). */
export async function writePortfolioFiles(portfolio: DemoPortfolio, directory: string): Promise<WrittenDemoFiles> {
  await mkdir(directory, { recursive: true });
  const accountsFile = join(directory, DEMO_FILE_NAMES.accounts);
  const signalsFile = join(directory, DEMO_FILE_NAMES.signals);
  const outcomesFile = join(directory, DEMO_FILE_NAMES.outcomes);
  const accounts = await writeLines(accountsFile, accountLines(portfolio));
  const outcomes = await writeLines(outcomesFile, outcomeLines(portfolio));
  const signals = await writeLines(signalsFile, signalLines(portfolio));
  return { accountsFile, signalsFile, outcomesFile, rows: { accounts, signals, outcomes } };
}
