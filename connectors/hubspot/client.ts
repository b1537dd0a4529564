/**
 * The one HubSpot HTTP client. Every call goes through `request`, which
 *  - draws from the portal's 110/10 s budget (shared through Redis when given) or, for CRM
 *    search, from the 5/s search pacer and budget;
 *  - slows down when X-HubSpot-RateLimit-Remaining runs low;
 *  - retries 429 by policy, 5xx, 423 and network errors with capped jittered backoff,
 *    honouring Retry-After — but retries 5xx/network failures only for idempotent requests,
 *    because a create that may have happened must not be replayed blindly;
 *  - refreshes the token once when HubSpot says it expired;
 *  - validates every response body with zod and turns every failure into a ConnectorError.
 */
import type { z } from 'zod';
import { ConnectorError } from '../core/error-kinds.ts';
import { backoffDelay, realSleep, systemClock } from '../core/backoff.ts';
import type { Clock, RandomSource, Sleep } from '../core/backoff.ts';
import { InMemoryRequestBudget, Pacer } from '../core/rate-budget.ts';
import type { RequestBudget } from '../core/rate-budget.ts';
import { classifyHubSpotResponse, classifyNetworkError } from './classify-error.ts';
import { budgetWindowMs, HUBSPOT_MANIFEST } from './manifest.ts';
import type { HubSpotManifest } from './manifest.ts';
import { isSearchPath } from './paths.ts';

export interface AccessTokenSource {
  getAccessToken(): Promise<string>;
  /** HubSpot rejected `rejected` as expired: refresh unless someone already did, return the new token. */
  refreshAfterRejection?(rejected: string): Promise<string>;
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface HubSpotRequest<S extends z.ZodType> {
  method: HttpMethod;
  path: string;
  query?: Record<string, string | number | boolean | readonly string[] | undefined>;
  /** JSON body. */
  body?: unknown;
  /** application/x-www-form-urlencoded body (OAuth token endpoints). */
  form?: Record<string, string | undefined>;
  /**
   * May this request be sent twice with the same effect? Defaults: GET/PUT/DELETE yes,
   * POST/PATCH no. Batch read/search/update/upsert callers pass `true`; creates never do.
   */
  idempotent?: boolean;
  /** false for OAuth token calls, which authenticate with the client secret instead. */
  auth?: boolean;
  schema: S;
}

export interface HubSpotResponse<T> {
  status: number;
  data: T;
  headers: Headers;
}

export type ClientEvent =
  | { type: 'retry'; path: string; status: number | null; code: string | undefined; attempt: number; waitMs: number }
  | { type: 'slow_down'; remaining: number; waitMs: number }
  | { type: 'token_refreshed_after_401'; path: string };

export interface HubSpotClientOptions {
  /** Portal (hub) id: the key of the per-account budgets. Use 'app' for app-level OAuth calls. */
  portalId: string;
  tokens?: AccessTokenSource;
  manifest?: HubSpotManifest;
  /** Per-portal 10-second budget; pass a RedisRequestBudget to share it across processes. */
  budget?: RequestBudget;
  /** Per-portal search budget (5/s); shared through Redis when given. */
  searchBudget?: RequestBudget;
  fetch?: typeof fetch;
  sleep?: Sleep;
  clock?: Clock;
  random?: RandomSource;
  timeoutMs?: number;
  onEvent?: (event: ClientEvent) => void;
}

export interface ClientStats {
  requests: number;
  retries: number;
  rateLimited: number;
}

export class HubSpotClient {
  readonly manifest: HubSpotManifest;
  readonly portalId: string;
  readonly stats: ClientStats = { requests: 0, retries: 0, rateLimited: 0 };
  readonly #tokens: AccessTokenSource | undefined;
  readonly #budget: RequestBudget;
  readonly #searchBudget: RequestBudget;
  readonly #searchPacer: Pacer;
  readonly #fetch: typeof fetch;
  readonly #sleep: Sleep;
  readonly #clock: Clock;
  readonly #random: RandomSource;
  readonly #timeoutMs: number;
  readonly #onEvent: ((event: ClientEvent) => void) | undefined;

  constructor(options: HubSpotClientOptions) {
    this.manifest = options.manifest ?? HUBSPOT_MANIFEST;
    this.portalId = options.portalId;
    this.#tokens = options.tokens;
    this.#sleep = options.sleep ?? realSleep;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    const { limits } = this.manifest;
    this.#budget =
      options.budget ??
      new InMemoryRequestBudget({ limit: limits.requestsPerWindow, windowMs: budgetWindowMs(options.manifest ?? HUBSPOT_MANIFEST) }, { clock: this.#clock, sleep: this.#sleep });
    this.#searchBudget =
      options.searchBudget ??
      new InMemoryRequestBudget({ limit: Math.max(1, Math.floor(limits.searchPerSecond)), windowMs: 1000 }, { clock: this.#clock, sleep: this.#sleep });
    this.#searchPacer = new Pacer(limits.searchPerSecond, { clock: this.#clock, sleep: this.#sleep });
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#onEvent = options.onEvent;
  }

  /**
   * A client for another token (or portal) that shares this one's budgets, transport, clock
   * and manifest — e.g. to call the API with a freshly exchanged token before it is stored.
   */
  withTokens(tokens: AccessTokenSource, portalId: string = this.portalId): HubSpotClient {
    return new HubSpotClient({
      portalId,
      tokens,
      manifest: this.manifest,
      budget: this.#budget,
      searchBudget: this.#searchBudget,
      fetch: this.#fetch,
      sleep: this.#sleep,
      clock: this.#clock,
      random: this.#random,
      timeoutMs: this.#timeoutMs,
      onEvent: this.#onEvent,
    });
  }

  get budgetKey(): string {
    return `hubspot:${this.portalId}`;
  }

  async request<S extends z.ZodType>(spec: HubSpotRequest<S>): Promise<HubSpotResponse<z.output<S>>> {
    const { retry } = this.manifest;
    const isSearch = isSearchPath(spec.path);
    const idempotent = spec.idempotent ?? (spec.method === 'GET' || spec.method === 'PUT' || spec.method === 'DELETE');
    const url = this.#url(spec);
    let refreshedAfter401 = false;
    let token = spec.auth === false ? undefined : await this.#accessToken();

    for (let attempt = 0; ; attempt += 1) {
      await this.#acquire(isSearch);
      this.stats.requests += 1;
      let response: Response;
      try {
        response = await this.#fetch(url, {
          method: spec.method,
          headers: this.#headers(spec, token),
          body: this.#body(spec),
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
      } catch (cause) {
        const error = classifyNetworkError(cause);
        if (!idempotent || attempt + 1 >= retry.maxAttempts) throw error;
        await this.#wait(spec.path, null, error, attempt, backoffDelay(attempt, { baseMs: retry.baseDelayMs, maxMs: retry.maxDelayMs, random: this.#random }));
        continue;
      }

      if (!isSearch) await this.#observeRateHeaders(response.headers);
      const payload = await readBody(response);

      if (response.ok) {
        const parsed = spec.schema.safeParse(payload);
        if (!parsed.success) {
          throw new ConnectorError({
            kind: 'permanent',
            provider: 'hubspot',
            status: response.status,
            code: 'UNEXPECTED_RESPONSE',
            message: `HubSpot ${spec.method} ${spec.path} answered ${response.status} in an unexpected shape: ${parsed.error.issues
              .slice(0, 3)
              .map((issue) => `${issue.path.join('.')} ${issue.message}`)
              .join('; ')}`,
          });
        }
        return { status: response.status, data: parsed.data, headers: response.headers };
      }

      const error = classifyHubSpotResponse({
        status: response.status,
        body: payload,
        headers: response.headers,
        now: this.#clock(),
        isSearch,
        manifest: this.manifest,
      });

      if (error.code === 'EXPIRED_AUTHENTICATION' && token !== undefined && !refreshedAfter401 && this.#tokens?.refreshAfterRejection) {
        refreshedAfter401 = true;
        token = await this.#tokens.refreshAfterRejection(token);
        this.#onEvent?.({ type: 'token_refreshed_after_401', path: spec.path });
        attempt -= 1; // the expired token was not a failure of this request
        continue;
      }

      if (error.kind === 'rate_limited') {
        this.stats.rateLimited += 1;
        // A 429 is refused before any processing, so even a create may be re-sent. DAILY is not
        // retried: the allowance only comes back tomorrow.
        if (error.code === 'DAILY' || attempt + 1 >= retry.maxAttempts) throw error;
        const waitMs = error.retryAfterMs ?? this.manifest.limits.windowMs;
        // Tell every process sharing the budget to hold off, not only this request.
        await (isSearch ? this.#searchBudget : this.#budget).pause(this.budgetKey, waitMs);
        await this.#wait(spec.path, response.status, error, attempt, waitMs);
        continue;
      }

      if (error.kind === 'retryable' && idempotent && attempt + 1 < retry.maxAttempts) {
        const jittered = backoffDelay(attempt, {
          baseMs: retry.baseDelayMs,
          maxMs: retry.maxDelayMs,
          minMs: response.status === 423 ? retry.lockedMinDelayMs : 0,
          random: this.#random,
        });
        await this.#wait(spec.path, response.status, error, attempt, Math.max(jittered, error.retryAfterMs ?? 0));
        continue;
      }
      throw error;
    }
  }

  async #accessToken(): Promise<string> {
    if (!this.#tokens) {
      throw new ConnectorError({ kind: 'needs_reauth', provider: 'hubspot', code: 'NO_CREDENTIALS', message: 'no HubSpot credentials for this connection' });
    }
    return this.#tokens.getAccessToken();
  }

  async #acquire(isSearch: boolean): Promise<void> {
    if (isSearch) {
      // Search is outside the 10-second budget but limited per second per account.
      await this.#searchPacer.wait(this.budgetKey);
      await this.#searchBudget.acquire(this.budgetKey);
    } else {
      await this.#budget.acquire(this.budgetKey);
    }
  }

  async #observeRateHeaders(headers: Headers): Promise<void> {
    const names = this.manifest.headers;
    const remaining = Number(headers.get(names.rateLimitRemaining) ?? Number.NaN);
    const max = Number(headers.get(names.rateLimitMax) ?? Number.NaN);
    const interval = Number(headers.get(names.rateLimitIntervalMs) ?? Number.NaN);
    if (!Number.isFinite(remaining) || !Number.isFinite(max) || !Number.isFinite(interval) || max <= 0) return;
    const threshold = this.manifest.limits.lowRemainingThreshold;
    if (remaining > threshold) return;
    // HubSpot sees more traffic than our budget accounted for (another process without a
    // shared budget, a clock skew): space the next calls at the steady rate the window allows.
    const waitMs = Math.ceil((interval / max) * (threshold - remaining + 1));
    this.#onEvent?.({ type: 'slow_down', remaining, waitMs });
    await this.#budget.pause(this.budgetKey, waitMs);
  }

  async #wait(path: string, status: number | null, error: ConnectorError, attempt: number, waitMs: number): Promise<void> {
    this.stats.retries += 1;
    this.#onEvent?.({ type: 'retry', path, status, code: error.code, attempt, waitMs });
    await this.#sleep(waitMs);
  }

  #url(spec: HubSpotRequest<z.ZodType>): string {
    const url = new URL(this.manifest.baseUrl + spec.path);
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value === undefined) continue;
      if (Array.isArray(value)) url.searchParams.set(key, value.join(','));
      else url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  #headers(spec: HubSpotRequest<z.ZodType>, token: string | undefined): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (spec.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    else if (spec.body !== undefined) headers['content-type'] = 'application/json';
    return headers;
  }

  #body(spec: HubSpotRequest<z.ZodType>): string | undefined {
    if (spec.form) {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(spec.form)) if (value !== undefined) params.set(key, value);
      return params.toString();
    }
    return spec.body === undefined ? undefined : JSON.stringify(spec.body);
  }
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 200) };
  }
}
