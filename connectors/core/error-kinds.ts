/**
 * The closed set of connector failure kinds. Each kind maps to exactly one action
 * (CONVENTIONS lesson 4), so callers switch on `kind`, never on HTTP statuses.
 */
export const ERROR_KINDS = [
  'retryable', // back off and try again
  'rate_limited', // wait for the provider's reset (retryAfterMs), then try again
  'needs_reauth', // stop this connection and tell the customer to reconnect
  'not_found', // the remote object is gone: resync
  'invalid_input', // our request was wrong: reject with the message
  'permanent', // fail the job visibly
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

export interface ConnectorErrorInit {
  kind: ErrorKind;
  provider: string;
  message: string;
  status?: number;
  retryAfterMs?: number;
  /** Provider's machine-readable code, e.g. HubSpot `category` or OAuth `error`. */
  code?: string;
  cause?: unknown;
}

/** Anything that looks like a credential is masked before it can reach a message or a log. */
const SECRET_PATTERNS: readonly RegExp[] = [
  /(bearer\s+)[\w.~+/=-]+/gi,
  /((?:access|refresh)_?token["'=:\s]+)[\w.~+/=-]+/gi,
  /(client_secret["'=:\s]+)[\w.~+/=-]+/gi,
  /\bpat-[a-z0-9]{2,}-[\w-]+/gi, // HubSpot private-app token shape
];

export function redactSecrets(text: string): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS) {
    out = out.replace(pattern, (_match, prefix: unknown) =>
      typeof prefix === 'string' ? `${prefix}[redacted]` : '[redacted]',
    );
  }
  return out.length > 500 ? `${out.slice(0, 500)}…` : out;
}

export class ConnectorError extends Error {
  readonly kind: ErrorKind;
  readonly provider: string;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly code: string | undefined;

  constructor(init: ConnectorErrorInit) {
    super(redactSecrets(init.message), init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ConnectorError';
    this.kind = init.kind;
    this.provider = init.provider;
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
    this.code = init.code;
  }

  /** A log-safe summary (no cause chain, which may hold request objects). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      kind: this.kind,
      provider: this.provider,
      status: this.status,
      retryAfterMs: this.retryAfterMs,
      code: this.code,
      message: this.message,
    };
  }
}

export function isConnectorError(value: unknown): value is ConnectorError {
  return value instanceof ConnectorError;
}

export function isErrorKind(value: unknown): value is ErrorKind {
  return typeof value === 'string' && (ERROR_KINDS as readonly string[]).includes(value);
}
