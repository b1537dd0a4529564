/**
 * Wide files: one row per account, one column per signal or raw attribute, plus an
 * outcome column — the shape public churn datasets come in. A mapping says which column
 * feeds which metric (and so which factor of the model), turns categorical cells into
 * numbers, and names the outcome column. Parsing is pure: the caller reads the file.
 *
 * The mapping lives beside the model in one YAML bundle (`wide:` + `model:`), because the
 * model file format is strict and the same model must stay loadable by `score --model`.
 */
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { dedupe } from './cross-validation.ts';

const MetricId = z
  .string()
  .regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/, 'a metric id looks like "source.name", lower case');

export const WideColumnSchema = z.strictObject({
  /** Header of the column in the file (runs of spaces are treated as one). */
  column: z.string().min(1),
  /** Metric the cell becomes; a factor of the model reads it. */
  metric: MetricId,
  /**
   * Categorical columns: each category's number, or null where the signal does not apply
   * (e.g. an internet add-on for a customer without internet): the factor is then missing
   * for that account and its weight is redistributed, never imputed.
   */
  values: z.record(z.string(), z.number().nullable()).optional(),
});
export type WideColumn = z.output<typeof WideColumnSchema>;

export const WideMappingSchema = z.strictObject({
  /** Column holding the account id; without one, rows are numbered. */
  idColumn: z.string().min(1).optional(),
  /** Column whose value names the account's segment, for per-segment figures. */
  segmentColumn: z.string().min(1).optional(),
  outcome: z.strictObject({
    column: z.string().min(1),
    /** Cell values that mean the account churned, e.g. ["1"] or ["Yes"]. */
    churned: z.array(z.string()).min(1),
    /** Cell values that mean the account expanded. */
    expanded: z.array(z.string()).default([]),
  }),
  columns: z.array(WideColumnSchema).min(1, 'map at least one column to a metric'),
});
export type WideMapping = z.output<typeof WideMappingSchema>;

/** The YAML bundle: the mapping plus (optionally) the model it feeds. */
export const WideBundleSchema = z.strictObject({
  wide: WideMappingSchema,
  model: z.unknown().optional(),
});

export interface WideSignal {
  readonly metric: string;
  readonly value: number;
}

export interface WideRow {
  readonly accountId: string;
  /** 1-based line in the file, for messages. */
  readonly line: number;
  readonly segment: string | null;
  readonly signals: readonly WideSignal[];
  readonly churned: boolean;
  readonly expanded: boolean;
}

export interface WideDataset {
  readonly rows: readonly WideRow[];
  /** Exact duplicate lines removed before anything else (they would sit in train and test folds at once). */
  readonly duplicatesRemoved: number;
  /** Cells left blank: the signal is missing for that account, never imputed. */
  readonly blankCells: number;
  readonly metrics: readonly string[];
}

export class WideFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WideFileError';
  }
}

const squash = (header: string): string => header.trim().replace(/\s+/g, ' ').toLowerCase();

export function parseWideMapping(input: unknown): WideMapping {
  const result = WideMappingSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  wide.${i.path.join('.')}: ${i.message}`);
    throw new WideFileError(`wide-file mapping is invalid:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** Parses CSV text with a header line into rows of signals and outcomes. */
export function parseWideFile(csvText: string, mapping: WideMapping): WideDataset {
  const records: string[][] = parse(csvText, { relax_column_count: false, skip_empty_lines: true, bom: true });
  const header = records[0];
  if (!header) throw new WideFileError('the wide file is empty');
  const byName = new Map(header.map((h, i) => [squash(h), i]));
  const columnIndex = (name: string, role: string): number => {
    const index = byName.get(squash(name));
    if (index === undefined) {
      throw new WideFileError(`${role} column "${name}" is not in the file; columns are: ${header.join(', ')}`);
    }
    return index;
  };
  const outcomeIndex = columnIndex(mapping.outcome.column, 'outcome');
  const idIndex = mapping.idColumn === undefined ? undefined : columnIndex(mapping.idColumn, 'id');
  const segmentIndex = mapping.segmentColumn === undefined ? undefined : columnIndex(mapping.segmentColumn, 'segment');
  const columns = mapping.columns.map((c) => ({ ...c, index: columnIndex(c.column, 'mapped') }));
  const churnedValues = new Set(mapping.outcome.churned.map((v) => v.trim().toLowerCase()));
  const expandedValues = new Set(mapping.outcome.expanded.map((v) => v.trim().toLowerCase()));

  const numbered = records.slice(1).map((cells, i) => ({ cells, line: i + 2 }));
  const { kept, removed } = dedupe(numbered, (r) => JSON.stringify(r.cells));
  let blankCells = 0;
  const rows = kept.map(({ cells, line }): WideRow => {
    const signals: WideSignal[] = [];
    for (const column of columns) {
      const cell = (cells[column.index] ?? '').trim();
      if (cell === '') {
        blankCells += 1;
        continue;
      }
      const value = cellValue(cell, column, line);
      if (value !== null) signals.push({ metric: column.metric, value });
    }
    const outcome = (cells[outcomeIndex] ?? '').trim().toLowerCase();
    const segment = segmentIndex === undefined ? null : (cells[segmentIndex] ?? '').trim() || null;
    return {
      accountId: idIndex === undefined ? `row-${line}` : (cells[idIndex] ?? '').trim() || `row-${line}`,
      line,
      segment,
      signals,
      churned: churnedValues.has(outcome),
      expanded: expandedValues.has(outcome),
    };
  });
  return {
    rows,
    duplicatesRemoved: removed,
    blankCells,
    metrics: [...new Set(columns.map((c) => c.metric))],
  };
}

function cellValue(cell: string, column: WideColumn & { index: number }, line: number): number | null {
  if (column.values !== undefined) {
    const match = Object.entries(column.values).find(([category]) => category.trim().toLowerCase() === cell.toLowerCase());
    if (match === undefined) {
      throw new WideFileError(
        `line ${line}, column "${column.column}": category "${cell}" is not mapped; known: ${Object.keys(column.values).join(', ')}`,
      );
    }
    return match[1];
  }
  const value = Number(cell);
  if (!Number.isFinite(value)) {
    throw new WideFileError(
      `line ${line}, column "${column.column}": "${cell}" is not a number; map categories under values:`,
    );
  }
  return value;
}

/** Every row's values of each metric, for percentile normalisation against the whole file. */
export function metricValues(dataset: WideDataset): Map<string, number[]> {
  const values = new Map<string, number[]>(dataset.metrics.map((m) => [m, []]));
  for (const row of dataset.rows) for (const s of row.signals) values.get(s.metric)?.push(s.value);
  return values;
}
