/**
 * The HubSpot webhooks journal (2026-03), used for one thing: learning that a portal
 * uninstalled the app (APP_LIFECYCLE_EVENT, eventTypeId 4-1916193 — facts file §1).
 *
 *  - The journal is app-level: it is called with a client-credentials token of the app
 *    (`grant_type=client_credentials` + `scope` at `/oauth/2026-03/token`), cached until shortly
 *    before it expires and fetched by one caller at a time.
 *  - `ensureLifecycleSubscription` lists the app's journal subscriptions and creates the
 *    uninstall subscription only when it is missing.
 *  - `readJournal` walks earliest → next → next … from a stored offset. Each answer is
 *    `{currentOffset, expiresAt, url}`; `url` is a temporary pre-signed link to the entry's JSON
 *    file. The file is downloaded with a plain `fetch`, not through `HubSpotClient`: it is not a
 *    HubSpot API call (no api.hubapi.com base, no HubSpot error bodies, no portal budget), and
 *    it must not carry our bearer token — the link is its own credential, and a token sent to
 *    a storage host is a token leaked.
 *
 * Every HubSpot answer is validated with zod; mapping to our types is pure.
 */
import { z } from 'zod';
import { backoffDelay, realSleep, systemClock } from '../core/backoff.ts';
import type { Clock, RandomSource, Sleep } from '../core/backoff.ts';
import { ConnectorError, isConnectorError } from '../core/error-kinds.ts';
import type { AccessTokenSource, HubSpotClient } from './client.ts';
import type { HubSpotRuntime } from './connection.ts';
import type { HubSpotManifest } from './manifest.ts';
import type { OAuthAppConfig } from './oauth.ts';
import { TokenResponseSchema } from './oauth.ts';
import { hubspotPaths } from './paths.ts';
import { APP_UNINSTALL_EVENT_TYPE_ID, parseUninstallEvents } from './uninstall.ts';
import type { UninstallEvent } from './uninstall.ts';

// ---------------------------------------------------------------------------------------------
// Client-credentials token
// ---------------------------------------------------------------------------------------------

export interface AppToken {
  accessToken: string;
  expiresAt: Date;
}

/** POST /oauth/2026-03/token with grant_type=client_credentials. Safe to resend: it only mints a token. */
export async function requestClientCredentialsToken(
  appClient: HubSpotClient,
  app: OAuthAppConfig,
  input: { scopes: readonly string[]; now: number },
): Promise<AppToken> {
  const { data } = await appClient.request({
    method: 'POST',
    path: hubspotPaths.token,
    auth: false,
    idempotent: true,
    form: {
      grant_type: 'client_credentials',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      scope: input.scopes.join(' '),
    },
    schema: TokenResponseSchema,
  });
  return { accessToken: data.access_token, expiresAt: new Date(input.now + data.expires_in * 1000) };
}

export interface ClientCredentialsTokenOptions {
  appClient: HubSpotClient;
  app: OAuthAppConfig;
  scopes: readonly string[];
  clock?: Clock;
  /** Fetch a new token this long before expiry (capped at half the token's lifetime). */
  refreshAheadMs?: number;
}

/**
 * The app's own token: cached in memory until shortly before expiry; concurrent callers share
 * one request. No cross-process lock is needed — unlike a refresh token, minting another
 * client-credentials token invalidates nothing, so each process may hold its own.
 */
export class ClientCredentialsTokenProvider implements AccessTokenSource {
  readonly #options: ClientCredentialsTokenOptions;
  readonly #clock: Clock;
  #cached: { token: AppToken; renewAt: number } | null = null;
  #inFlight: Promise<string> | null = null;

  constructor(options: ClientCredentialsTokenOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  async getAccessToken(): Promise<string> {
    if (this.#cached && this.#clock() < this.#cached.renewAt) return this.#cached.token.accessToken;
    return this.#fetch();
  }

  async refreshAfterRejection(rejected: string): Promise<string> {
    if (this.#inFlight) return this.#inFlight;
    if (this.#cached && this.#cached.token.accessToken !== rejected) return this.#cached.token.accessToken;
    this.#cached = null;
    return this.#fetch();
  }

  #fetch(): Promise<string> {
    this.#inFlight ??= (async () => {
      const now = this.#clock();
      const token = await requestClientCredentialsToken(this.#options.appClient, this.#options.app, { scopes: this.#options.scopes, now });
      const lifetime = token.expiresAt.getTime() - now;
      const ahead = Math.min(this.#options.refreshAheadMs ?? 5 * 60_000, lifetime / 2);
      this.#cached = { token, renewAt: token.expiresAt.getTime() - ahead };
      return token.accessToken;
    })().finally(() => {
      this.#inFlight = null;
    });
    return this.#inFlight;
  }
}

/**
 * A client for the journal endpoints: the runtime's transport and budgets, authenticated with
 * the app's client-credentials token. Create it once per process so the token is reused.
 */
export function createJournalClient(runtime: HubSpotRuntime): HubSpotClient {
  const { app, manifest, clock } = runtime.options;
  const tokens = new ClientCredentialsTokenProvider({
    appClient: runtime.appClient,
    app,
    scopes: manifest.auth.journalScopes,
    refreshAheadMs: manifest.auth.refreshAheadMs,
    ...(clock ? { clock } : {}),
  });
  return runtime.appClient.withTokens(tokens, 'app');
}

// ---------------------------------------------------------------------------------------------
// Subscriptions
// ---------------------------------------------------------------------------------------------

const IdSchema = z.union([z.number().int(), z.string().min(1)]).transform(String);

/**
 * SubscriptionResponse (webhooks-journal 2026-03). The spec marks `actions`, `objectTypeId`,
 * `appId` and the timestamps required, but an APP_LIFECYCLE_EVENT subscription is created
 * without actions or an object type, so we insist only on what we read: id and type.
 */
export const JournalSubscriptionSchema = z.object({
  id: IdSchema,
  subscriptionType: z.string(),
  actions: z.array(z.string()).optional(),
  objectTypeId: z.string().nullish(),
  eventTypeId: z.string().nullish(),
  appId: z.union([z.number(), z.string()]).optional(),
  portalId: z.union([z.number(), z.string()]).nullish(),
  properties: z.array(z.string()).nullish(),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
  deletedAt: z.string().nullish(),
});
export type JournalSubscription = z.infer<typeof JournalSubscriptionSchema>;

/** CollectionResponseSubscriptionResponseNoPaging. */
export const JournalSubscriptionListSchema = z.object({ results: z.array(JournalSubscriptionSchema) });

/** AppLifecycleEventSubscriptionUpsertRequest: `eventTypeId`, `properties`, `subscriptionType`. */
export function uninstallSubscriptionRequest(): { subscriptionType: 'APP_LIFECYCLE_EVENT'; eventTypeId: string; properties: string[] } {
  return { subscriptionType: 'APP_LIFECYCLE_EVENT', eventTypeId: APP_UNINSTALL_EVENT_TYPE_ID, properties: [] };
}

/**
 * Pure: is this live subscription the uninstall one? The list answer has no `eventTypeId` in
 * the spec, so the event type may show up as `objectTypeId` or as an APP_UNINSTALL action;
 * any of the three counts.
 */
export function isUninstallSubscription(subscription: JournalSubscription): boolean {
  if (subscription.subscriptionType !== 'APP_LIFECYCLE_EVENT') return false;
  if (subscription.deletedAt) return false;
  return (
    subscription.eventTypeId === APP_UNINSTALL_EVENT_TYPE_ID ||
    subscription.objectTypeId === APP_UNINSTALL_EVENT_TYPE_ID ||
    (subscription.actions ?? []).includes('APP_UNINSTALL')
  );
}

export interface EnsureSubscriptionResult {
  created: boolean;
  subscriptionId: string;
}

/** Idempotent: lists the journal subscriptions and creates the uninstall one only when missing. */
export async function ensureLifecycleSubscription(journalClient: HubSpotClient): Promise<EnsureSubscriptionResult> {
  const { data } = await journalClient.request({ method: 'GET', path: hubspotPaths.journalSubscriptions, schema: JournalSubscriptionListSchema });
  const existing = data.results.find(isUninstallSubscription);
  if (existing) return { created: false, subscriptionId: existing.id };
  // A create is not replayed after an ambiguous failure; the next ensure lists again.
  const { data: created } = await journalClient.request({
    method: 'POST',
    path: hubspotPaths.journalSubscriptions,
    body: uninstallSubscriptionRequest(),
    idempotent: false,
    schema: JournalSubscriptionSchema,
  });
  return { created: true, subscriptionId: created.id };
}

// ---------------------------------------------------------------------------------------------
// Journal entries and files
// ---------------------------------------------------------------------------------------------

/** JournalFetchResponse: all three fields are required in the spec. */
export const JournalFetchResponseSchema = z.object({
  currentOffset: z.string().min(1),
  expiresAt: z.string(),
  url: z.url({ protocol: /^https?$/ }),
});
export type JournalFetchResponse = z.infer<typeof JournalFetchResponseSchema>;

export interface JournalEntry {
  offset: string;
  url: string;
  /** When the download link stops working; null when HubSpot's date does not parse. */
  urlExpiresAt: Date | null;
}

export function toJournalEntry(data: JournalFetchResponse): JournalEntry {
  const expires = Date.parse(data.expiresAt);
  return { offset: data.currentOffset, url: data.url, urlExpiresAt: Number.isNaN(expires) ? null : new Date(expires) };
}

/**
 * The downloaded journal file. Its layout is not in the reference we could reach, so we accept
 * a list of events, `{results: [...]}` / `{events: [...]}`, or a single event object.
 */
export const JournalFileSchema = z.union([
  z.array(z.unknown()),
  z.object({ results: z.array(z.unknown()) }),
  z.object({ events: z.array(z.unknown()) }),
  z.record(z.string(), z.unknown()),
]);

/** Pure: the raw events of a journal file, whichever documented-or-guessed layout it has. */
export function journalFileEvents(file: z.infer<typeof JournalFileSchema>): unknown[] {
  if (Array.isArray(file)) return file;
  if ('results' in file && Array.isArray(file.results)) return file.results;
  if ('events' in file && Array.isArray(file.events)) return file.events;
  return [file];
}

export type JournalDownloader = (url: string) => Promise<unknown[]>;

export interface JournalDownloaderOptions {
  retry: HubSpotManifest['retry'];
  fetch?: typeof fetch;
  sleep?: Sleep;
  random?: RandomSource;
  timeoutMs?: number;
}

/** Where a download went, for messages: the host only — the query string is the signature. */
function describeUrl(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an invalid URL';
  }
}

/**
 * Downloads a journal file from its pre-signed URL without any Authorization header. Network
 * errors, 429 and 5xx are retried with jittered backoff (a GET); any other refusal (typically
 * 403 once the link expired) fails as `retryable` without a retry here: the caller has not
 * saved the entry's offset yet, so the next poll asks HubSpot again and gets a fresh link.
 */
export function journalFileDownloader(options: JournalDownloaderOptions): JournalDownloader {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const sleep = options.sleep ?? realSleep;
  const { retry } = options;
  return async (url) => {
    const where = describeUrl(url);
    for (let attempt = 0; ; attempt += 1) {
      const last = attempt + 1 >= retry.maxAttempts;
      const wait = () => sleep(backoffDelay(attempt, { baseMs: retry.baseDelayMs, maxMs: retry.maxDelayMs, ...(options.random ? { random: options.random } : {}) }));
      let response: Response;
      try {
        response = await doFetch(url, { method: 'GET', headers: { accept: 'application/json' }, signal: AbortSignal.timeout(options.timeoutMs ?? 30_000) });
      } catch (cause) {
        if (last) {
          throw new ConnectorError({ kind: 'retryable', provider: 'hubspot', code: 'JOURNAL_DOWNLOAD_NETWORK', message: `journal file download from ${where} failed before a response`, cause });
        }
        await wait();
        continue;
      }
      if (response.ok) {
        const text = await response.text();
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          throw new ConnectorError({ kind: 'permanent', provider: 'hubspot', status: response.status, code: 'UNEXPECTED_RESPONSE', message: `journal file from ${where} is not JSON` });
        }
        const parsed = JournalFileSchema.safeParse(json);
        if (!parsed.success) {
          throw new ConnectorError({ kind: 'permanent', provider: 'hubspot', status: response.status, code: 'UNEXPECTED_RESPONSE', message: `journal file from ${where} has an unexpected shape` });
        }
        return journalFileEvents(parsed.data);
      }
      await response.body?.cancel();
      const transient = response.status === 429 || response.status >= 500;
      if (transient && !last) {
        await wait();
        continue;
      }
      throw new ConnectorError({
        kind: 'retryable',
        provider: 'hubspot',
        status: response.status,
        code: transient ? `HTTP_${response.status}` : 'JOURNAL_URL_REJECTED',
        message: `journal file download from ${where} answered ${response.status}${transient ? '' : ' (the link may have expired; the entry is fetched again next time)'}`,
      });
    }
  };
}

/** A downloader using the runtime's transport, sleep and retry settings. */
export function runtimeJournalDownloader(runtime: HubSpotRuntime): JournalDownloader {
  const { manifest, fetch: runtimeFetch, sleep, random } = runtime.options;
  return journalFileDownloader({
    retry: manifest.retry,
    ...(runtimeFetch ? { fetch: runtimeFetch } : {}),
    ...(sleep ? { sleep } : {}),
    ...(random ? { random } : {}),
  });
}

type EntryKind = 'earliest' | 'latest' | 'next';

function journalPath(kind: EntryKind, offset: string | null, local: boolean): string {
  if (kind === 'earliest') return local ? hubspotPaths.journalLocalEarliest : hubspotPaths.journalEarliest;
  if (kind === 'latest') return local ? hubspotPaths.journalLocalLatest : hubspotPaths.journalLatest;
  if (offset === null) throw new Error('next needs an offset');
  return local ? hubspotPaths.journalLocalNext(offset) : hubspotPaths.journalNext(offset);
}

/**
 * One journal entry, or null when there is none: an empty answer, or 404 (no entry after this
 * offset yet, an offset that aged out of the 3-day journal, or an empty journal).
 */
async function fetchEntry(client: HubSpotClient, kind: EntryKind, offset: string | null, installPortalId: string | undefined): Promise<JournalEntry | null> {
  const local = installPortalId !== undefined;
  const path = journalPath(kind, offset, local);
  try {
    const { data } = await client.request({
      method: 'GET',
      path,
      ...(local ? { query: { installPortalId } } : {}),
      schema: JournalFetchResponseSchema.nullish(),
    });
    return data ? toJournalEntry(data) : null;
  } catch (error) {
    if (isConnectorError(error) && error.kind === 'not_found') return null;
    throw error;
  }
}

export interface JournalPage {
  /** The entry's `currentOffset`: save it once the page's events are handled. */
  offset: string;
  events: unknown[];
  uninstalls: UninstallEvent[];
}

export interface ReadJournalOptions {
  /** The offset of the last entry handled, or null to start at the earliest retained entry. */
  offset: string | null;
  /** Local journal of one portal instead of the global one. */
  installPortalId?: string;
  /** Stop after this many entries; the next read continues from the returned offset. */
  maxPages?: number;
  download?: JournalDownloader;
  /**
   * Called after each entry is downloaded, before the next is requested. Handle the events and
   * save `page.offset` here: if it throws, the walk stops and the saved offset is where the
   * next read resumes.
   */
  onPage?: (page: JournalPage) => Promise<void>;
}

export interface JournalReadResult {
  events: unknown[];
  uninstalls: UninstallEvent[];
  /** The offset to store: the last entry walked, or the one passed in when nothing was new. */
  offset: string | null;
  pages: number;
  /** false when `maxPages` stopped the walk with more entries waiting. */
  caughtUp: boolean;
  /**
   * The stored offset had aged out of the journal (HubSpot keeps 3 days), so the walk began
   * again at the earliest entry: entries between the two may have been missed.
   */
  restartedFromEarliest: boolean;
}

/**
 * Walks the journal from `offset`: earliest (first run) or next, downloading each entry's file.
 * When `next` finds nothing it asks for `latest` to tell "caught up" (latest is our offset)
 * from "our offset expired" (latest is another one) — then it starts over at earliest; the
 * replay is harmless because handling is idempotent.
 */
export async function readJournal(client: HubSpotClient, options: ReadJournalOptions): Promise<JournalReadResult> {
  const { installPortalId } = options;
  const maxPages = options.maxPages ?? 100;
  const download = options.download ?? journalFileDownloader({ retry: client.manifest.retry });
  const result: JournalReadResult = { events: [], uninstalls: [], offset: options.offset, pages: 0, caughtUp: false, restartedFromEarliest: false };

  let entry: JournalEntry | null;
  if (options.offset === null) {
    entry = await fetchEntry(client, 'earliest', null, installPortalId);
  } else {
    entry = await fetchEntry(client, 'next', options.offset, installPortalId);
    if (entry === null) {
      const latest = await fetchEntry(client, 'latest', null, installPortalId);
      if (latest !== null && latest.offset !== options.offset) {
        result.restartedFromEarliest = true;
        entry = await fetchEntry(client, 'earliest', null, installPortalId);
      }
    }
  }

  while (entry !== null) {
    const events = await download(entry.url);
    const page: JournalPage = { offset: entry.offset, events, uninstalls: parseUninstallEvents(events) };
    await options.onPage?.(page);
    result.events.push(...page.events);
    result.uninstalls.push(...page.uninstalls);
    result.offset = page.offset;
    result.pages += 1;
    if (result.pages >= maxPages) return result;
    entry = await fetchEntry(client, 'next', page.offset, installPortalId);
  }
  result.caughtUp = true;
  return result;
}
