/** The outcomes file: `account_id,outcome,occurred_at` (CSV or JSON Lines), outcome churned|renewed|expanded. */
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { IsoDateField, readRecords, recordFormatOf, RowError, type RecordFormat, type RowReadOptions } from '../signal-files/index.ts';
import { OUTCOME_KINDS, type OutcomeKindName } from './replay.ts';

/** The same ISO date rule as the signals file: one reading of dates across every input file. */
const OccurredAt = IsoDateField;

export const OUTCOME_COLUMNS = ['account_id', 'outcome', 'occurred_at'] as const;

export const OutcomeRowSchema = z.object({
  account_id: z.union([z.string(), z.number().transform(String)]).pipe(z.string().trim().min(1, 'account_id is empty')),
  outcome: z
    .string({ error: 'outcome must be churned, renewed or expanded' })
    .trim()
    .toLowerCase()
    .pipe(z.enum(OUTCOME_KINDS, { error: 'outcome must be churned, renewed or expanded' })),
  occurred_at: OccurredAt,
});

export interface OutcomeRow {
  readonly accountId: string;
  readonly outcome: OutcomeKindName;
  readonly occurredAt: Date;
  readonly line: number;
}

export async function* readOutcomes(
  input: Readable,
  options: RowReadOptions & { format?: RecordFormat },
): AsyncGenerator<OutcomeRow> {
  const format = options.format ?? recordFormatOf(options.source);
  for await (const item of readRecords(input, options.source, format, OUTCOME_COLUMNS)) {
    let failure: RowError;
    if (item instanceof RowError) failure = item;
    else {
      const parsed = OutcomeRowSchema.safeParse(item.record);
      if (parsed.success) {
        yield {
          accountId: parsed.data.account_id,
          outcome: parsed.data.outcome,
          occurredAt: new Date(parsed.data.occurred_at),
          line: item.line,
        };
        continue;
      }
      const issue = parsed.error.issues[0];
      failure = new RowError(options.source, item.line, issue?.path[0]?.toString() ?? null, issue?.message ?? 'invalid row');
    }
    if (options.strict) throw failure;
    options.onReject?.(failure);
  }
}
