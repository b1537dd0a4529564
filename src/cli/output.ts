/** How a command prints: readable lines for people, one JSON document for machines. */
export type Output = {
  readonly json: boolean;
  /** Prints `human()` for people or `data` as JSON. */
  result(data: unknown, human: () => string): void;
  info(line: string): void;
};

export function createOutput(json: boolean, stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr): Output {
  return {
    json,
    result(data, human) {
      stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`);
    },
    info(line) {
      // Progress goes to stderr so `--json` output on stdout stays parseable.
      stderr.write(`${line}\n`);
    },
  };
}

/** A failure the CLI reports as a message and an exit code, without a stack trace. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
