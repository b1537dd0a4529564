/** The signals file: `account_id,metric,value,observed_at` as CSV or JSON Lines, validated row by row with zod. */
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { ISO_DATE_PROBLEM, parseIsoDate } from './iso-date.ts';
import { readRecordBatches, recordFormatOf, type RecordFormat } from './record-reader.ts';
import { RowError, type RowReadOptions } from './row-error.ts';

export const SIGNAL_COLUMNS = ['account_id', 'metric', 'value', 'observed_at'] as const;

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

const Identifier = (what: string) =>
  z.union([z.string(), z.number().transform(String)], { error: `${what} must be text` })
    .pipe(z.string().trim().min(1, `${what} is empty`));

export const NumberField = z.union(
  [z.number(), z.string().trim().regex(NUMBER).transform(Number)],
  { error: 'expected a number' },
).pipe(z.number({ error: 'expected a finite number' }));

export const IsoDateField = z
  .string({ error: ISO_DATE_PROBLEM })
  .trim()
  .transform((text, ctx) => {
    const ms = parseIsoDate(text);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: `${ISO_DATE_PROBLEM}; got "${text}"` });
      return z.NEVER;
    }
    return ms;
  });

export const SignalRowSchema = z.object({
  account_id: Identifier('account_id'),
  metric: Identifier('metric'),
  value: NumberField,
  observed_at: IsoDateField,
});

export interface SignalRow {
  readonly accountId: string;
  readonly metric: string;
  readonly value: number;
  /** Epoch milliseconds. */
  readonly observedAt: number;
  readonly line: number;
}

export interface SignalReadOptions extends RowReadOptions {
  readonly format?: RecordFormat;
}

/** First issue of a row as a RowError naming its column. */
export function rowErrorOf(source: string, line: number, error: z.ZodError): RowError {
  const issue = error.issues[0];
  const column = issue && issue.path.length > 0 ? String(issue.path[0]) : null;
  return new RowError(source, line, column, issue?.message ?? 'invalid row');
}

/** Rejects (or, when strict, throws) malformed rows; yields every good one, in batches. */
export async function* readSignalBatches(input: Readable, options: SignalReadOptions): AsyncGenerator<SignalRow[]> {
  const format = options.format ?? recordFormatOf(options.source);
  for await (const items of readRecordBatches(input, options.source, format, SIGNAL_COLUMNS)) {
    const rows: SignalRow[] = [];
    for (const item of items) {
      let failure: RowError;
      if (item instanceof RowError) failure = item;
      else {
        const parsed = SignalRowSchema.safeParse(item.record);
        if (parsed.success) {
          const row = parsed.data;
          rows.push({ accountId: row.account_id, metric: row.metric, value: row.value, observedAt: row.observed_at, line: item.line });
          continue;
        }
        failure = rowErrorOf(options.source, item.line, parsed.error);
      }
      if (options.strict) {
        // Rows before the bad one are still delivered, so "stops at the first" means exactly that.
        if (rows.length > 0) yield rows;
        throw failure;
      }
      options.onReject?.(failure);
    }
    if (rows.length > 0) yield rows;
  }
}

/** Row by row; see readSignalBatches. */
export async function* readSignalRows(input: Readable, options: SignalReadOptions): AsyncGenerator<SignalRow> {
  for await (const rows of readSignalBatches(input, options)) yield* rows;
}
