/**
 * The card's and settings page's view of the crm-health backend, reached through
 * `hubspot.fetch` (which signs each request and appends portalId/userId/userEmail/appId).
 * This project is uploaded to HubSpot on its own, so the wire shapes are restated here
 * (they mirror `src/server/hubspot/health-details.ts` and `app-settings.ts`) and every
 * response is validated before it is rendered.
 */
import { z } from 'zod';

export type FetchMethod = 'GET' | 'POST';

/** The subset of `hubspot.fetch` we use; tests pass a stand-in. */
export type Fetcher = (
  url: string,
  options?: { method?: FetchMethod; body?: Record<string, unknown>; timeout?: number },
) => Promise<Response>;

/** Name of the config-profile variable holding the backend origin (see README). */
export const BACKEND_ORIGIN_VARIABLE = 'BACKEND_ORIGIN';

/** `hubspot.fetch` only takes absolute https URLs that are listed in permittedUrls.fetch. */
export function backendOriginFrom(variables: Readonly<Record<string, unknown>> | undefined): string | null {
  const value = variables?.[BACKEND_ORIGIN_VARIABLE];
  if (typeof value !== 'string' || !/^https:\/\/[^/\s]+/.test(value)) return null;
  return value.replace(/\/+$/, '');
}

const tierSchema = z.enum(['healthy', 'at_risk', 'critical']);
const categoryKeySchema = z.enum(['product_usage', 'engagement', 'business_outcomes', 'contract_health']);

export const healthDetailsSchema = z.object({
  companyId: z.string(),
  score: z.number().nullable(),
  tier: tierSchema.nullable(),
  trend: z.enum(['improving', 'stable', 'declining']).nullable(),
  change30d: z.number().nullable(),
  changeFromModelVersion: z.boolean(),
  categories: z.array(z.object({ key: categoryKeySchema, label: z.string(), score: z.number().nullable(), weight: z.number() })),
  confidence: z.number().min(0).max(1),
  insufficientData: z.boolean(),
  missingSources: z.array(z.enum(['crm', 'support', 'billing', 'usage'])),
  drivers: z.array(z.object({ category: categoryKeySchema, points: z.number(), description: z.string() })),
  history: z.array(z.object({ at: z.string(), score: z.number() })),
  churnProbability: z.number().min(0).max(1).nullable(),
  modelVersion: z.string(),
  lifecycleStage: z.enum(['onboarding', 'growth', 'maturity', 'renewal']).nullable(),
  scoredAt: z.string().nullable(),
  recommendedPlays: z.array(z.object({ id: z.string(), title: z.string(), kind: z.enum(['manual', 'automated']) })),
});

export type HealthDetails = z.infer<typeof healthDetailsSchema>;
export type HealthTier = z.infer<typeof tierSchema>;
export type SignalSource = HealthDetails['missingSources'][number];

const thresholdsSchema = z.object({ healthyMin: z.number().int(), atRiskMin: z.number().int() });

export const settingsViewSchema = z.object({
  connection: z.object({
    status: z.enum(['connected', 'needs_reauth', 'disconnected']),
    portalId: z.string(),
    connectedAt: z.string().nullable(),
    lastSyncAt: z.string().nullable(),
  }),
  modelVersion: z.string().nullable(),
  tierThresholds: thresholdsSchema,
  dropAlertPoints: z.number().int(),
  webSettingsUrl: z.string(),
});

export type SettingsView = z.infer<typeof settingsViewSchema>;

export interface SettingsUpdate {
  tierThresholds: { healthyMin: number; atRiskMin: number };
  dropAlertPoints: number;
}

const rescoreSchema = z.object({ queued: z.boolean() });
const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export interface BackendError {
  /** HTTP status, or 0 when the request never got an answer. */
  status: number;
  code: string;
  message: string;
}

export type BackendResult<T> = { ok: true; data: T } | { ok: false; error: BackendError };

async function call<T>(fetcher: Fetcher, url: string, schema: z.ZodType<T>, options?: Parameters<Fetcher>[1]): Promise<BackendResult<T>> {
  let response: Response;
  try {
    response = await fetcher(url, options);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : 'The request could not be sent.';
    return { ok: false, error: { status: 0, code: 'network_error', message } };
  }
  let json: unknown = null;
  try {
    json = await response.json();
  } catch {
    // Non-JSON bodies (a proxy's HTML error page) are reported by status below.
  }
  if (!response.ok) {
    const parsed = errorSchema.safeParse(json);
    return {
      ok: false,
      error: parsed.success
        ? { status: response.status, ...parsed.data.error }
        : { status: response.status, code: 'http_error', message: `The crm-health service answered ${response.status}.` },
    };
  }
  const parsed = schema.safeParse(json);
  return parsed.success
    ? { ok: true, data: parsed.data }
    : { ok: false, error: { status: response.status, code: 'unexpected_response', message: 'The crm-health service sent an answer this app version does not understand.' } };
}

export interface BackendApi {
  getHealth(companyId: string): Promise<BackendResult<HealthDetails>>;
  rescore(companyId: string): Promise<BackendResult<{ queued: boolean }>>;
  getSettings(): Promise<BackendResult<SettingsView>>;
  saveSettings(update: SettingsUpdate): Promise<BackendResult<SettingsView>>;
}

export function createBackendApi(fetcher: Fetcher, origin: string): BackendApi {
  return {
    getHealth: (companyId) => call(fetcher, `${origin}/hubspot/card?companyId=${encodeURIComponent(companyId)}`, healthDetailsSchema, { method: 'GET' }),
    rescore: (companyId) => call(fetcher, `${origin}/hubspot/card/rescore`, rescoreSchema, { method: 'POST', body: { companyId } }),
    getSettings: () => call(fetcher, `${origin}/hubspot/settings`, settingsViewSchema, { method: 'GET' }),
    saveSettings: (update) =>
      call(fetcher, `${origin}/hubspot/settings`, settingsViewSchema, {
        method: 'POST',
        body: { tierThresholds: { ...update.tierThresholds }, dropAlertPoints: update.dropAlertPoints },
      }),
  };
}
