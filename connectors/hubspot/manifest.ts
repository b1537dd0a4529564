/**
 * HubSpot as data: where it lives, how it authenticates, what it allows. Every number the
 * connector obeys is here, validated by zod, with the page it comes from.
 * Facts: ../../../shared/platforms/hubspot.md (researched Dec 2026).
 */
import { z } from 'zod';

const UrlSchema = z.url({ protocol: /^https?$/ });

export const HubSpotManifestSchema = z.object({
  provider: z.literal('hubspot'),
  /** https://developers.hubspot.com/docs/api-reference/latest/overview — overridable for sandboxes/tests. */
  baseUrl: UrlSchema,
  /** https://developers.hubspot.com/docs/api-reference/auth-oauth-v3/guide */
  authorizeUrl: UrlSchema,
  auth: z.object({
    /** Date-versioned token endpoint; v1 is removed 2027-02-16 (changelog /changelog/v1-oauth-api-deprecation). */
    tokenPath: z.string().startsWith('/'),
    introspectPath: z.string().startsWith('/'),
    /** Access tokens live 30 min (changelog upcoming-expiration-of-oauth-access-tokens-is-changing). */
    refreshAheadMs: z.number().int().positive(),
    stateTtlMs: z.number().int().positive(),
    requiredScopes: z.array(z.string().min(1)).min(1),
    optionalScopes: z.array(z.string().min(1)),
    /**
     * Scopes of the app's client-credentials token for the webhooks journal (2026-03 guide,
     * "Authentication and scopes"); granted to the app itself, not asked of installers.
     */
    journalScopes: z.array(z.string().min(1)).min(1),
  }),
  limits: z.object({
    /** OAuth marketplace apps: 110 requests / 10 s per installing account (usage guidelines). */
    requestsPerWindow: z.number().int().positive(),
    windowMs: z.number().int().positive(),
    /** CRM search: 5 requests/s per account, excluded from the 10-second budget (search guide). */
    searchPerSecond: z.number().positive(),
    searchPageSize: z.number().int().positive(),
    /** Search stops at 10,000 results per query; paging further answers 400. */
    searchResultCap: z.number().int().positive(),
    batchWrite: z.number().int().positive(),
    batchRead: z.number().int().positive(),
    /** Associations v4 batch read takes up to 1,000 inputs (associate-records guide). */
    associationBatchRead: z.number().int().positive(),
    /**
     * Our budget window is this much longer than HubSpot's: HubSpot counts arrivals, we count
     * departures, and network jitter would otherwise let the 111th request land inside the window.
     */
    windowSafetyRatio: z.number().min(0).max(0.5),
    /** Below this many remaining requests (X-HubSpot-RateLimit-Remaining) we start spacing calls. */
    lowRemainingThreshold: z.number().int().nonnegative(),
  }),
  retry: z.object({
    maxAttempts: z.number().int().min(1),
    baseDelayMs: z.number().int().positive(),
    maxDelayMs: z.number().int().positive(),
    /** 423 Locked: "wait at least 2 seconds" (error-handling guide). */
    lockedMinDelayMs: z.number().int().positive(),
    /** Search 429 ("secondly limit"): wait one second. */
    searchRetryDelayMs: z.number().int().positive(),
    retryableStatuses: z.array(z.number().int()),
  }),
  headers: z.object({
    rateLimitMax: z.string(),
    rateLimitRemaining: z.string(),
    rateLimitIntervalMs: z.string(),
    retryAfter: z.string(),
  }),
  rateLimitPolicies: z.object({
    tenSecondly: z.string(),
    daily: z.string(),
    secondly: z.string(),
  }),
});

export type HubSpotManifest = z.infer<typeof HubSpotManifestSchema>;

/** The sliding window our budget enforces for the 10-second limit (HubSpot's window plus a margin). */
export function budgetWindowMs(manifest: HubSpotManifest): number {
  return Math.ceil(manifest.limits.windowMs * (1 + manifest.limits.windowSafetyRatio));
}

export const HUBSPOT_MANIFEST: HubSpotManifest = HubSpotManifestSchema.parse({
  provider: 'hubspot',
  baseUrl: 'https://api.hubapi.com',
  authorizeUrl: 'https://app.hubspot.com/oauth/authorize',
  auth: {
    tokenPath: '/oauth/2026-03/token',
    introspectPath: '/oauth/2026-03/token/introspect',
    refreshAheadMs: 5 * 60_000,
    stateTtlMs: 10 * 60_000,
    // Scopes per operation come from each spec's `security` block (facts file §1).
    requiredScopes: [
      'oauth',
      'crm.objects.companies.read', // pull companies
      'crm.objects.companies.write', // write health values
      'crm.schemas.companies.read', // read our property definitions
      'crm.schemas.companies.write', // create/repair the "Customer Health" group and properties
      'crm.objects.contacts.read', // associated contacts; engagements (calls, meetings, notes) read
      'crm.objects.contacts.write', // create the fallback timeline note
      'crm.objects.deals.read', // renewals, amounts, closed-lost renewals
      'tickets', // support signals
      'sales-email-read', // email engagement bodies/direction
    ],
    optionalScopes: [
      'timeline', // app events, only once HubSpot approves our event type
      'crm.objects.feedback_submissions.read', // NPS where the portal has surveys
    ],
    journalScopes: [
      'developer.webhooks_journal.read', // earliest / latest / next journal entries
      'developer.webhooks_journal.subscriptions.read', // list subscriptions (idempotent ensure)
      'developer.webhooks_journal.subscriptions.write', // create the APP_LIFECYCLE_EVENT subscription
    ],
  },
  limits: {
    requestsPerWindow: 110,
    windowMs: 10_000,
    searchPerSecond: 5,
    searchPageSize: 200,
    searchResultCap: 10_000,
    batchWrite: 100,
    batchRead: 100,
    associationBatchRead: 1_000,
    windowSafetyRatio: 0.03,
    lowRemainingThreshold: 5,
  },
  retry: {
    maxAttempts: 6,
    baseDelayMs: 500,
    maxDelayMs: 30_000,
    lockedMinDelayMs: 2_000,
    searchRetryDelayMs: 1_000,
    retryableStatuses: [423, 429, 500, 502, 503, 504],
  },
  // https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines
  headers: {
    rateLimitMax: 'x-hubspot-ratelimit-max',
    rateLimitRemaining: 'x-hubspot-ratelimit-remaining',
    rateLimitIntervalMs: 'x-hubspot-ratelimit-interval-milliseconds',
    retryAfter: 'retry-after',
  },
  rateLimitPolicies: { tenSecondly: 'TEN_SECONDLY_ROLLING', daily: 'DAILY', secondly: 'SECONDLY' },
});

export interface HubSpotManifestOverrides {
  baseUrl?: string;
  authorizeUrl?: string;
  limits?: Partial<HubSpotManifest['limits']>;
  retry?: Partial<HubSpotManifest['retry']>;
}

/** The manifest with deployment overrides (sandbox URLs, a scaled bench window), re-validated. */
export function hubspotManifest(overrides: HubSpotManifestOverrides = {}): HubSpotManifest {
  return HubSpotManifestSchema.parse({
    ...HUBSPOT_MANIFEST,
    baseUrl: (overrides.baseUrl ?? HUBSPOT_MANIFEST.baseUrl).replace(/\/+$/, ''),
    authorizeUrl: overrides.authorizeUrl ?? HUBSPOT_MANIFEST.authorizeUrl,
    limits: { ...HUBSPOT_MANIFEST.limits, ...overrides.limits },
    retry: { ...HUBSPOT_MANIFEST.retry, ...overrides.retry },
  });
}

/** Reads `HUBSPOT_API_BASE_URL` and `HUBSPOT_AUTHORIZE_URL` (both optional). */
export function hubspotManifestFromEnv(env: Record<string, string | undefined> = process.env): HubSpotManifest {
  const parsed = z
    .object({
      HUBSPOT_API_BASE_URL: UrlSchema.optional(),
      HUBSPOT_AUTHORIZE_URL: UrlSchema.optional(),
    })
    .safeParse({ HUBSPOT_API_BASE_URL: env.HUBSPOT_API_BASE_URL || undefined, HUBSPOT_AUTHORIZE_URL: env.HUBSPOT_AUTHORIZE_URL || undefined });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${String(issue?.path[0] ?? 'HUBSPOT_*')} must be an http(s) URL`);
  }
  return hubspotManifest({
    baseUrl: parsed.data.HUBSPOT_API_BASE_URL,
    authorizeUrl: parsed.data.HUBSPOT_AUTHORIZE_URL,
  });
}
