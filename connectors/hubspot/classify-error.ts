/**
 * The one place that decides which error kind a HubSpot failure is (CONVENTIONS lesson 4).
 * Shapes: CRM errors `{status:"error", message, category, policyName?, errorType?}`,
 * OAuth 2026-03 errors `{error, error_description, status, message}` (facts file §1, §4).
 */
import { z } from 'zod';
import { ConnectorError } from '../core/error-kinds.ts';
import { parseRetryAfter } from '../core/backoff.ts';
import type { HubSpotManifest } from './manifest.ts';

const PROVIDER = 'hubspot';

export const HubSpotErrorBodySchema = z.object({
  status: z.string().optional(),
  message: z.string().optional(),
  category: z.string().optional(),
  subCategory: z.unknown().optional(),
  errorType: z.string().optional(),
  policyName: z.string().optional(),
  correlationId: z.string().optional(),
  error: z.string().optional(),
  error_description: z.string().optional(),
});
export type HubSpotErrorBody = z.infer<typeof HubSpotErrorBodySchema>;

export interface ClassifyInput {
  status: number;
  body: unknown;
  headers: Headers;
  now: number;
  isSearch: boolean;
  manifest: HubSpotManifest;
}

/** Milliseconds until the next UTC midnight: HubSpot's daily allowance resets once a day. */
export function msUntilNextUtcDay(now: number): number {
  const date = new Date(now);
  const next = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1);
  return next - now;
}

function messageOf(status: number, body: HubSpotErrorBody): string {
  const detail = body.message ?? body.error_description ?? body.error ?? '';
  return `HubSpot ${status}${body.category ? ` ${body.category}` : ''}${detail ? `: ${detail}` : ''}`;
}

export function classifyHubSpotResponse(input: ClassifyInput): ConnectorError {
  const { status, headers, now, manifest } = input;
  const parsed = HubSpotErrorBodySchema.safeParse(input.body);
  const body: HubSpotErrorBody = parsed.success ? parsed.data : {};
  const message = messageOf(status, body);
  const retryAfterHeader = parseRetryAfter(headers.get(manifest.headers.retryAfter), now);
  const base = { provider: PROVIDER, status, message };

  // OAuth: a dead refresh token means the app was uninstalled or access was revoked.
  // Our own client id/secret is wrong: a configuration fault on our side, never the customer's
  // install, so it must not cost anyone their tokens; fail visibly instead.
  if (body.error === 'invalid_client') {
    return new ConnectorError({ ...base, kind: 'permanent', code: 'invalid_client', message: 'HubSpot rejected our OAuth client credentials: check HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET' });
  }
  if (body.error === 'invalid_grant' || body.status === 'BAD_REFRESH_TOKEN') {
    return new ConnectorError({ ...base, kind: 'needs_reauth', code: body.status === 'BAD_REFRESH_TOKEN' ? 'BAD_REFRESH_TOKEN' : body.error });
  }

  if (status === 429) {
    const policy = body.policyName;
    const isDaily = policy === manifest.rateLimitPolicies.daily || /daily limit/i.test(body.message ?? '');
    if (isDaily) {
      // Retrying before the reset only burns more of the error budget: no loop, wait for tomorrow.
      return new ConnectorError({ ...base, kind: 'rate_limited', code: 'DAILY', retryAfterMs: retryAfterHeader ?? msUntilNextUtcDay(now) });
    }
    const isSecondly =
      policy === manifest.rateLimitPolicies.secondly || /secondly limit/i.test(body.message ?? '') || (input.isSearch && !policy);
    if (isSecondly) {
      return new ConnectorError({ ...base, kind: 'rate_limited', code: 'SECONDLY', retryAfterMs: retryAfterHeader ?? manifest.retry.searchRetryDelayMs });
    }
    const interval = Number(headers.get(manifest.headers.rateLimitIntervalMs));
    const windowMs = Number.isFinite(interval) && interval > 0 ? interval : manifest.limits.windowMs;
    return new ConnectorError({ ...base, kind: 'rate_limited', code: policy ?? 'TEN_SECONDLY_ROLLING', retryAfterMs: retryAfterHeader ?? windowMs });
  }

  if (status === 401) {
    // EXPIRED_AUTHENTICATION is recoverable by one refresh; any other 401 is a revoked/invalid token.
    return new ConnectorError({ ...base, kind: 'needs_reauth', code: body.category ?? 'INVALID_AUTHENTICATION' });
  }
  if (status === 403) {
    const missingScopes = body.category === 'MISSING_SCOPES';
    return new ConnectorError({ ...base, kind: missingScopes ? 'needs_reauth' : 'permanent', code: body.category ?? 'FORBIDDEN' });
  }
  if (status === 404 || status === 410) {
    return new ConnectorError({ ...base, kind: 'not_found', code: body.category ?? 'OBJECT_NOT_FOUND' });
  }
  if (status === 423) {
    return new ConnectorError({
      ...base,
      kind: 'retryable',
      code: 'LOCKED',
      retryAfterMs: Math.max(manifest.retry.lockedMinDelayMs, retryAfterHeader ?? 0),
    });
  }
  if (status === 477) {
    // "Migration in progress": Retry-After in seconds, sometimes hours.
    return new ConnectorError({ ...base, kind: 'retryable', code: 'MIGRATION_IN_PROGRESS', retryAfterMs: retryAfterHeader });
  }
  if (status >= 500) {
    return new ConnectorError({ ...base, kind: 'retryable', code: body.category ?? `HTTP_${status}`, retryAfterMs: retryAfterHeader });
  }
  if (status >= 400) {
    return new ConnectorError({ ...base, kind: 'invalid_input', code: body.category ?? body.error ?? `HTTP_${status}` });
  }
  return new ConnectorError({ ...base, kind: 'permanent', code: `HTTP_${status}` });
}

export function classifyNetworkError(error: unknown): ConnectorError {
  const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
  const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : 'unknown';
  return new ConnectorError({
    kind: 'retryable',
    provider: PROVIDER,
    code: timedOut ? 'TIMEOUT' : 'NETWORK',
    message: `HubSpot request failed before a response (${timedOut ? 'timeout' : reason})`,
  });
}
