/**
 * Streams rows of a CSV (with header) or JSON Lines file as plain records with their line number.
 * Nothing is buffered beyond the parser's chunk, so memory does not grow with the file.
 */
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { RowError } from './row-error.ts';

export type RecordFormat = 'csv' | 'jsonl';

export interface SourceRecord {
  readonly line: number;
  readonly record: Readonly<Record<string, unknown>>;
}

/** .jsonl, .ndjson and .json mean JSON Lines; anything else is CSV. */
export function recordFormatOf(fileName: string): RecordFormat {
  return /\.(jsonl|ndjson|json)$/i.test(fileName) ? 'jsonl' : 'csv';
}

function checkHeader(source: string, header: readonly string[], required: readonly string[]): void {
  const missing = required.filter((column) => !header.includes(column));
  if (missing.length > 0) {
    throw new RowError(source, 1, missing[0]!, `header lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (found: ${header.join(', ') || 'nothing'})`);
  }
}

/**
 * Yields batches of rows (whatever the parser has ready), each row a record or a RowError for a row that
 * cannot be a record at all (wrong column count, invalid JSON). Batches keep the per-row cost of async
 * iteration off the hot path. A missing required column, or CSV broken beyond one row, throws.
 */
export async function* readRecordBatches(
  input: Readable,
  source: string,
  format: RecordFormat,
  requiredColumns: readonly string[],
): AsyncGenerator<(SourceRecord | RowError)[]> {
  if (format === 'jsonl') {
    yield* readJsonLineBatches(input, source);
    return;
  }
  const parser = parse({ bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true });
  let failure: unknown = null;
  let ended = false;
  parser.on('error', (error) => {
    failure = error;
  });
  parser.on('end', () => {
    ended = true;
  });
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  let header: string[] | null = null;
  try {
    for (;;) {
      const batch: (SourceRecord | RowError)[] = [];
      let row: { record: string[]; info: { lines: number } } | null;
      while ((row = parser.read()) !== null) {
        const fields = row.record;
        const line = row.info.lines;
        if (header === null) {
          header = fields.map((f) => f.trim().toLowerCase());
          checkHeader(source, header, requiredColumns);
          continue;
        }
        if (fields.length !== header.length) {
          batch.push(new RowError(source, line, null, `expected ${header.length} fields, found ${fields.length}`));
          continue;
        }
        const record: Record<string, string> = {};
        for (let i = 0; i < header.length; i++) record[header[i]!] = fields[i]!;
        batch.push({ line, record });
      }
      if (batch.length > 0) yield batch;
      if (failure !== null) throw failure;
      if (ended) break;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          parser.off('readable', done);
          parser.off('end', done);
          parser.off('error', done);
          parser.off('close', done);
          resolve();
        };
        parser.on('readable', done);
        parser.on('end', done);
        parser.on('error', done);
        parser.on('close', done);
      });
      if (parser.destroyed && !ended && failure === null && parser.readableLength === 0) break;
    }
  } catch (error) {
    if (error instanceof CsvError) {
      const line = typeof error.lines === 'number' ? error.lines : 0;
      throw new RowError(source, line, null, `CSV cannot be read past here: ${error.message}`);
    }
    throw error;
  } finally {
    input.unpipe(parser);
    input.destroy();
    parser.destroy();
  }
  if (header === null) throw new RowError(source, 1, null, `empty file; expected a header with ${requiredColumns.join(', ')}`);
}

/** JSON Lines cannot hold a raw newline inside a value, so splitting chunks at newlines is safe. */
async function* readJsonLineBatches(input: Readable, source: string): AsyncGenerator<(SourceRecord | RowError)[]> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let line = 0;
  const parseLine = (text: string, batch: (SourceRecord | RowError)[]): void => {
    line++;
    const trimmed = text.trim();
    if (trimmed === '') return;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      batch.push(new RowError(source, line, null, `invalid JSON: ${error instanceof Error ? error.message : String(error)}`));
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      batch.push(new RowError(source, line, null, 'expected a JSON object'));
      return;
    }
    batch.push({ line, record: Object.fromEntries(Object.entries(value)) });
  };
  try {
    for await (const chunk of input) {
      const text = rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      const batch: (SourceRecord | RowError)[] = [];
      for (const l of lines) parseLine(l, batch);
      if (batch.length > 0) yield batch;
    }
    const batch: (SourceRecord | RowError)[] = [];
    const last = rest + decoder.end();
    if (last.trim() !== '') parseLine(last, batch);
    if (batch.length > 0) yield batch;
  } finally {
    input.destroy();
  }
}

/** Row by row, for callers that prefer it; the file scorer uses the batches. */
export async function* readRecords(
  input: Readable,
  source: string,
  format: RecordFormat,
  requiredColumns: readonly string[],
): AsyncGenerator<SourceRecord | RowError> {
  for await (const batch of readRecordBatches(input, source, format, requiredColumns)) yield* batch;
}
