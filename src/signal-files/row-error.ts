/** A malformed input row, named by file, line and column so an admin can find and fix it. */
export class RowError extends Error {
  readonly source: string;
  readonly line: number;
  readonly column: string | null;
  readonly problem: string;
  constructor(source: string, line: number, column: string | null, problem: string) {
    super(`${source}: line ${line}${column ? `, column ${column}` : ''}: ${problem}`);
    this.name = 'RowError';
    this.source = source;
    this.line = line;
    this.column = column;
    this.problem = problem;
  }
}

export interface RowReadOptions {
  /** The file name used in messages. */
  readonly source: string;
  /** Stop at the first malformed row instead of rejecting it and going on. */
  readonly strict?: boolean;
  /** Receives every rejected row when not strict. */
  readonly onReject?: (error: RowError) => void;
}
