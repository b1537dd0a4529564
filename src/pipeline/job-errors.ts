import { isErrorKind, redactSecrets, type ErrorKind } from '../../connectors/core/error-kinds.ts';

/** A thrown error reduced to what the pipeline acts on. Any error with a known `kind` counts. */
export type ClassifiedError = { kind: ErrorKind | 'unknown'; message: string; retryAfterMs: number | null };

export function classifyJobError(error: unknown): ClassifiedError {
  const message = redactSecrets(error instanceof Error ? error.message || error.name : String(error));
  if (error && typeof error === 'object') {
    const kind: unknown = 'kind' in error ? error.kind : undefined;
    const retryAfter: unknown = 'retryAfterMs' in error ? error.retryAfterMs : undefined;
    if (isErrorKind(kind)) {
      return {
        kind,
        message,
        retryAfterMs: typeof retryAfter === 'number' && Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : null,
      };
    }
  }
  return { kind: 'unknown', message, retryAfterMs: null };
}

/** Raised around the pipeline's own database work: the job waits for the database, it is not the handler's fault. */
export class InfrastructureError extends Error {
  override name = 'InfrastructureError';
}

/** Handlers may throw this one directly when they have no connector error at hand. */
export class StageError extends Error {
  override name = 'StageError';
  readonly kind: ErrorKind;
  readonly retryAfterMs: number | undefined;
  constructor(kind: ErrorKind, message: string, options: { retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.retryAfterMs = options.retryAfterMs;
  }
}
