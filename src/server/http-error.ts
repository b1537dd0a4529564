/** An error an HTTP handler throws on purpose; the error middleware turns it into the stable JSON shape. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export type ErrorBody = { error: { code: string; message: string; details?: unknown; requestId?: string } };
