/**
 * Wiring for the lead's server, CLI and workers: one runtime per process (so every client of a
 * portal draws from the same budgets), and a client per connection with the right token source.
 */
import type { Redis } from 'ioredis';
import { ConnectorError } from '../core/error-kinds.ts';
import type { Clock, Sleep } from '../core/backoff.ts';
import { InMemoryRequestBudget, RedisRequestBudget } from '../core/rate-budget.ts';
import type { RequestBudget } from '../core/rate-budget.ts';
import type { CredentialStore, Lock } from '../core/ports.ts';
import { HubSpotClient } from './client.ts';
import type { ClientEvent } from './client.ts';
import { budgetWindowMs } from './manifest.ts';
import type { HubSpotManifest } from './manifest.ts';
import { refreshAccessToken } from './oauth.ts';
import type { OAuthAppConfig } from './oauth.ts';
import { OAuthTokenProvider, StaticTokenProvider } from './token-provider.ts';

export interface HubSpotRuntimeOptions {
  manifest: HubSpotManifest;
  app: OAuthAppConfig;
  credentials: CredentialStore;
  lock: Lock;
  /** When given, budgets are shared by every process on this Redis. */
  redis?: Redis;
  redisPrefix?: string;
  fetch?: typeof fetch;
  sleep?: Sleep;
  clock?: Clock;
  random?: () => number;
  onEvent?: (event: ClientEvent) => void;
}

export interface HubSpotRuntime {
  options: HubSpotRuntimeOptions;
  budget: RequestBudget;
  searchBudget: RequestBudget;
  /** App-level client (OAuth token endpoints); no portal token. */
  appClient: HubSpotClient;
}

export function createHubSpotRuntime(options: HubSpotRuntimeOptions): HubSpotRuntime {
  const { limits } = options.manifest;
  const windowLimits = { limit: limits.requestsPerWindow, windowMs: budgetWindowMs(options.manifest) };
  const searchLimits = { limit: Math.max(1, Math.floor(limits.searchPerSecond)), windowMs: 1000 };
  const prefix = options.redisPrefix ?? 'crmh:hubspot:';
  const budget = options.redis
    ? new RedisRequestBudget(options.redis, windowLimits, { prefix: `${prefix}budget:`, sleep: options.sleep })
    : new InMemoryRequestBudget(windowLimits, { clock: options.clock, sleep: options.sleep });
  const searchBudget = options.redis
    ? new RedisRequestBudget(options.redis, searchLimits, { prefix: `${prefix}search:`, sleep: options.sleep })
    : new InMemoryRequestBudget(searchLimits, { clock: options.clock, sleep: options.sleep });
  const appClient = new HubSpotClient({
    portalId: 'app',
    manifest: options.manifest,
    budget,
    searchBudget,
    fetch: options.fetch,
    sleep: options.sleep,
    clock: options.clock,
    random: options.random,
    onEvent: options.onEvent,
  });
  return { options, budget, searchBudget, appClient };
}

/** A client for one stored connection: OAuth tokens refresh themselves, static tokens do not. */
export async function createPortalClient(runtime: HubSpotRuntime, connectionId: string): Promise<HubSpotClient> {
  const { credentials, lock, app, clock } = runtime.options;
  const stored = await credentials.load(connectionId);
  if (!stored) {
    throw new ConnectorError({ kind: 'needs_reauth', provider: 'hubspot', code: 'NO_CREDENTIALS', message: 'this HubSpot connection has no stored credentials; reconnect it' });
  }
  const tokens =
    stored.mode === 'static'
      ? new StaticTokenProvider(stored.accessToken)
      : new OAuthTokenProvider({
          connectionId,
          credentials,
          lock,
          clock,
          refreshAheadMs: runtime.options.manifest.auth.refreshAheadMs,
          refresh: (refreshToken) => refreshAccessToken(runtime.appClient, app, { refreshToken, now: clock ?? Date.now }),
        });
  return runtime.appClient.withTokens(tokens, stored.hubId);
}
