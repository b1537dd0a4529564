/**
 * Score a signals file (and optionally an accounts file) as of a date: stream the rows, keep for each
 * account only the latest value per metric at or before as-of, pick each account's model, score, and
 * write one record per account. Memory grows with accounts × metrics, never with the file's length.
 */
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import {
  CATEGORY_IDS,
  DAY_MS,
  buildResult,
  compileModel,
  createNumericScore,
  scoreNumeric,
  segmentReference,
  selectModel,
  type CompiledModel,
  type LifecycleStage,
  type ModelSet,
  type NumericScore,
  type ScoreResult,
} from '../scoring/index.ts';
import {
  readAccounts,
  readSignalBatches,
  type AccountRecord,
  type RecordFormat,
  type RowError,
} from '../signal-files/index.ts';

export type OutputFormat = 'jsonl' | 'csv';

export interface InputFile {
  readonly path: string;
  /** Detected from the extension when absent. */
  readonly format?: RecordFormat;
}

export interface ScoreFilesRequest {
  readonly signals: InputFile;
  readonly accounts?: InputFile;
  readonly models: ModelSet;
  readonly asOf: Date;
  readonly format: OutputFormat;
  readonly strict: boolean;
  readonly output: Writable;
  /** Receives a CSV reject report (source,line,column,problem); rejected rows are only counted without it. */
  readonly rejects?: Writable;
}

export interface ScoreFilesSummary {
  accountsScored: number;
  insufficientData: number;
  signalRowsRead: number;
  signalRowsRejected: number;
  /** Good rows not used: observed after as-of (point in time). */
  signalRowsAfterAsOf: number;
  /** Good rows not used: no model has a factor on their metric. */
  signalRowsUnusedMetric: number;
  accountRowsRead: number;
  accountRowsRejected: number;
  accountsByModel: Record<string, number>;
}

interface AccountState {
  account: AccountRecord | null;
  /** [0, m): latest value per metric (NaN = none); [m, 2m): its observed-at in epoch ms. */
  readonly latest: Float64Array;
  selection: number;
  stage: LifecycleStage;
}

/** Opens a file and waits until it is open, so a missing file is reported by name before any work. */
async function openInput(path: string): Promise<Readable> {
  const stream = createReadStream(path);
  try {
    await once(stream, 'open');
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : '';
    throw new Error(code === 'ENOENT' ? `file not found: ${path}` : `cannot read ${path}: ${String(error)}`, {
      cause: error,
    });
  }
  return stream;
}

/** Batches writes and honours back-pressure so a slow output does not pile records up in memory. */
class LineWriter {
  readonly #stream: Writable;
  #buffer: string[] = [];
  constructor(stream: Writable) {
    this.#stream = stream;
  }
  async write(line: string): Promise<void> {
    this.#buffer.push(line);
    if (this.#buffer.length >= 512) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.#buffer.length === 0) return;
    const chunk = this.#buffer.join('\n') + '\n';
    this.#buffer = [];
    if (!this.#stream.write(chunk)) await once(this.#stream, 'drain');
  }
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const CSV_OUTPUT_COLUMNS = [
  'account_id', 'score', 'provisional_score', 'tier', 'confidence', 'insufficient_data',
  ...CATEGORY_IDS, 'lifecycle_stage', 'model', 'model_version', 'drivers', 'scored_at',
] as const;

/** The output record: score is null with insufficient_data; provisional_score keeps what the data gave. */
export function outputRecord(accountId: string, result: ScoreResult) {
  return {
    account_id: accountId,
    score: result.insufficientData ? null : result.score,
    provisional_score: result.score,
    tier: result.tier,
    confidence: result.confidence,
    insufficient_data: result.insufficientData,
    categories: result.categories,
    lifecycle_stage: result.lifecycleStage,
    model: result.modelId,
    model_version: result.modelVersion,
    drivers: result.drivers.map((d) => ({ factor: d.factor, points: d.points, text: d.text })),
    scored_at: result.scoredAt.toISOString(),
  };
}

function formatRecord(format: OutputFormat, accountId: string, result: ScoreResult): string {
  const record = outputRecord(accountId, result);
  if (format === 'jsonl') return JSON.stringify(record);
  return [
    record.account_id, record.score, record.provisional_score, record.tier, record.confidence, record.insufficient_data,
    ...CATEGORY_IDS.map((c) => record.categories[c]), record.lifecycle_stage, record.model, record.model_version,
    record.drivers.map((d) => d.text).join(' | '), record.scored_at,
  ].map(csvField).join(',');
}

export async function scoreFiles(request: ScoreFilesRequest): Promise<ScoreFilesSummary> {
  const { models, asOf } = request;
  const asOfMs = asOf.getTime();
  const metrics = [...new Set(models.models.flatMap((m) => m.factors.map((f) => f.metric)))];
  const metricIndex = new Map(metrics.map((m, i) => [m, i]));
  const m = metrics.length;
  const compiled = models.models.map((model) => compileModel(model, { metrics }));

  const summary: ScoreFilesSummary = {
    accountsScored: 0,
    insufficientData: 0,
    signalRowsRead: 0,
    signalRowsRejected: 0,
    signalRowsAfterAsOf: 0,
    signalRowsUnusedMetric: 0,
    accountRowsRead: 0,
    accountRowsRejected: 0,
    accountsByModel: {},
  };
  const rejects = request.rejects ? new LineWriter(request.rejects) : null;
  if (rejects) await rejects.write('source,line,column,problem');
  const pendingRejects: RowError[] = [];
  const reject = (kind: 'signal' | 'account') => (error: RowError) => {
    if (kind === 'signal') summary.signalRowsRejected++;
    else summary.accountRowsRejected++;
    pendingRejects.push(error);
  };
  const drainRejects = async (): Promise<void> => {
    for (const e of pendingRejects.splice(0)) {
      await rejects?.write([e.source, e.line, e.column, e.problem].map(csvField).join(','));
    }
  };

  const accounts = new Map<string, AccountState>();
  const stateFor = (accountId: string): AccountState => {
    let state = accounts.get(accountId);
    if (!state) {
      const latest = new Float64Array(2 * m).fill(Number.NaN);
      latest.fill(Number.NEGATIVE_INFINITY, m);
      state = { account: null, latest, selection: 0, stage: 'unknown' };
      accounts.set(accountId, state);
    }
    return state;
  };

  if (request.accounts) {
    const input = await openInput(request.accounts.path);
    const rows = readAccounts(input, {
      source: request.accounts.path,
      format: request.accounts.format,
      strict: request.strict,
      onReject: reject('account'),
    });
    for await (const account of rows) {
      summary.accountRowsRead++;
      stateFor(account.accountId).account = account;
      if (pendingRejects.length > 0) await drainRejects();
    }
    await drainRejects();
  }

  const signalInput = await openInput(request.signals.path);
  const signalBatches = readSignalBatches(signalInput, {
    source: request.signals.path,
    format: request.signals.format,
    strict: request.strict,
    onReject: reject('signal'),
  });
  for await (const rows of signalBatches) {
    summary.signalRowsRead += rows.length;
    if (pendingRejects.length > 0) await drainRejects();
    for (const row of rows) {
      const index = metricIndex.get(row.metric);
      if (index === undefined) {
        summary.signalRowsUnusedMetric++;
        continue;
      }
      if (row.observedAt > asOfMs) {
        summary.signalRowsAfterAsOf++;
        continue;
      }
      const latest = stateFor(row.accountId).latest;
      // Later observation wins; on equal timestamps the later row in the file wins.
      if (row.observedAt >= latest[m + index]!) {
        latest[index] = row.value;
        latest[m + index] = row.observedAt;
      }
    }
  }
  await drainRejects();

  for (const [accountId, state] of accounts) {
    const selection = selectModel(models, attributesOf(accountId, state.account), asOf);
    state.selection = models.models.indexOf(selection.model);
    state.stage = selection.stage;
  }
  const references = compiled.some((c) => c.hasPercentile) ? segmentReferences(compiled, accounts, asOfMs) : null;

  const output = new LineWriter(request.output);
  if (request.format === 'csv') await output.write(CSV_OUTPUT_COLUMNS.join(','));
  const buffers = compiled.map((c) => createNumericScore(c));
  const ages = new Float64Array(m);
  for (const [accountId, state] of accounts) {
    const c = compiled[state.selection]!;
    const out = buffers[state.selection]!;
    const latest = state.latest;
    for (let i = 0; i < m; i++) ages[i] = (asOfMs - latest[m + i]!) / DAY_MS;
    const seats = state.account?.seats ?? Number.NaN;
    const segment = state.account?.segment ?? '';
    scoreNumeric(c, latest, ages, 0, seats, out, references?.get(referenceKey(state.selection, segment)));
    const result = buildResultFor(c, out, asOf, accountId, state, ages);
    summary.accountsScored++;
    if (result.insufficientData) summary.insufficientData++;
    summary.accountsByModel[c.model.id] = (summary.accountsByModel[c.model.id] ?? 0) + 1;
    await output.write(formatRecord(request.format, accountId, result));
  }
  await output.flush();
  await rejects?.flush();
  return summary;
}

function attributesOf(accountId: string, account: AccountRecord | null) {
  return {
    accountId,
    segment: account?.segment ?? null,
    seats: account?.seats ?? null,
    customerSince: account?.customerSince ?? null,
    renewalDate: account?.renewalDate ?? null,
    attributes: account?.attributes ?? {},
  };
}

function buildResultFor(
  c: CompiledModel,
  out: NumericScore,
  asOf: Date,
  accountId: string,
  state: AccountState,
  ages: Float64Array,
): ScoreResult {
  const m = c.metrics.length;
  return buildResult(c, out, asOf, { ...attributesOf(accountId, state.account), lifecycleStage: state.stage }, (metric) => {
    const i = c.metricIndex.get(metric) ?? 0;
    return { value: state.latest[i]!, observedAt: state.latest[m + i]!, ageDays: ages[i]! };
  });
}

const referenceKey = (model: number, segment: string): string => `${model}\u0000${segment.trim().toLowerCase()}`;

/**
 * Percentile factors compare an account with its segment: for each model and segment, the sorted fresh
 * (per-seat scaled) values of every percentile factor among the accounts that model scores.
 */
function segmentReferences(
  compiled: readonly CompiledModel[],
  accounts: ReadonlyMap<string, AccountState>,
  asOfMs: number,
): Map<string, (Float64Array | undefined)[]> {
  const collected = new Map<string, number[][]>();
  for (const state of accounts.values()) {
    const c = compiled[state.selection]!;
    if (!c.hasPercentile) continue;
    const key = referenceKey(state.selection, state.account?.segment ?? '');
    let lists = collected.get(key);
    if (!lists) {
      lists = c.model.factors.map(() => []);
      collected.set(key, lists);
    }
    const m = c.metrics.length;
    c.model.factors.forEach((f, i) => {
      if (f.normalization.type !== 'percentile') return;
      const metric = c.factorMetric[i]!;
      const value = state.latest[metric]!;
      const age = (asOfMs - state.latest[m + metric]!) / DAY_MS;
      if (Number.isNaN(value) || age > f.maxAgeDays) return;
      const seats = state.account?.seats ?? 0;
      if (f.perSeat && !(seats > 0)) return;
      lists[i]!.push(f.perSeat ? value / seats : value);
    });
  }
  const references = new Map<string, (Float64Array | undefined)[]>();
  for (const [key, lists] of collected) {
    references.set(key, lists.map((values) => (values.length > 0 ? segmentReference(values) : undefined)));
  }
  return references;
}
