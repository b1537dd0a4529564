/**
 * The accounts file: `account_id,name,domain,segment,seats,customer_since,renewal_date` plus any other
 * attribute columns (plan, region…), which segment rules can use.
 */
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { readRecords, recordFormatOf, type RecordFormat } from './record-reader.ts';
import { RowError, type RowReadOptions } from './row-error.ts';
import { IsoDateField, rowErrorOf } from './signals-file.ts';

export const ACCOUNT_COLUMNS = ['account_id', 'name', 'domain', 'segment', 'seats', 'customer_since', 'renewal_date'] as const;
const REQUIRED_COLUMNS = ['account_id'] as const;
const CORE = new Set<string>(ACCOUNT_COLUMNS);

const blankToNull = (value: unknown): unknown =>
  value === undefined || value === null || (typeof value === 'string' && value.trim() === '') ? null : value;

const OptionalText = z.preprocess(blankToNull, z.union([z.string().trim(), z.number().transform(String)]).nullable());

const OptionalDate = z.preprocess(blankToNull, IsoDateField.transform((ms) => new Date(ms)).nullable());

const Seats = z.preprocess(
  blankToNull,
  z
    .union([z.number(), z.string().trim().regex(/^\d+$/, 'seats must be a whole number').transform(Number)], {
      error: 'seats must be a whole number',
    })
    .pipe(z.number().int('seats must be a whole number').min(0, 'seats cannot be negative'))
    .nullable(),
);

export const AccountRowSchema = z.object({
  account_id: z.union([z.string(), z.number().transform(String)]).pipe(z.string().trim().min(1, 'account_id is empty')),
  name: OptionalText,
  domain: OptionalText,
  segment: OptionalText,
  seats: Seats,
  customer_since: OptionalDate,
  renewal_date: OptionalDate,
});

export interface AccountRecord {
  readonly accountId: string;
  readonly name: string | null;
  readonly domain: string | null;
  readonly segment: string | null;
  readonly seats: number | null;
  readonly customerSince: Date | null;
  readonly renewalDate: Date | null;
  /** Every other non-empty column, plus name and domain, for segment rules. */
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  readonly line: number;
}

export interface AccountReadOptions extends RowReadOptions {
  readonly format?: RecordFormat;
}

function extraAttributes(record: Readonly<Record<string, unknown>>, name: string | null, domain: string | null) {
  const attributes: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(record)) {
    if (CORE.has(key)) continue;
    if (typeof value === 'number' || typeof value === 'boolean') attributes[key] = value;
    else if (typeof value === 'string' && value.trim() !== '') attributes[key] = value.trim();
  }
  if (name !== null) attributes['name'] = name;
  if (domain !== null) attributes['domain'] = domain;
  return attributes;
}

/** Rejects (or, when strict, throws) malformed and duplicate rows; yields every good one. */
export async function* readAccounts(input: Readable, options: AccountReadOptions): AsyncGenerator<AccountRecord> {
  const format = options.format ?? recordFormatOf(options.source);
  const firstSeen = new Map<string, number>();
  for await (const item of readRecords(input, options.source, format, REQUIRED_COLUMNS)) {
    let failure: RowError;
    if (item instanceof RowError) failure = item;
    else {
      const parsed = AccountRowSchema.safeParse(item.record);
      if (!parsed.success) failure = rowErrorOf(options.source, item.line, parsed.error);
      else {
        const row = parsed.data;
        const earlier = firstSeen.get(row.account_id);
        if (earlier === undefined) {
          firstSeen.set(row.account_id, item.line);
          yield {
            accountId: row.account_id,
            name: row.name,
            domain: row.domain,
            segment: row.segment,
            seats: row.seats,
            customerSince: row.customer_since,
            renewalDate: row.renewal_date,
            attributes: extraAttributes(item.record, row.name, row.domain),
            line: item.line,
          };
          continue;
        }
        failure = new RowError(options.source, item.line, 'account_id', `duplicate account_id "${row.account_id}", first on line ${earlier}`);
      }
    }
    if (options.strict) throw failure;
    options.onReject?.(failure);
  }
}
