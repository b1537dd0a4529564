/**
 * Access tokens for one connection. OAuth tokens live 30 minutes; we refresh 5 minutes early,
 * one refresh at a time per connection: in-process callers share one promise, other
 * processes are excluded by the Lock, and whoever gets the lock re-reads the store first —
 * another process may already have refreshed (CONVENTIONS lesson 6).
 */
import { ConnectorError } from '../core/error-kinds.ts';
import { systemClock } from '../core/backoff.ts';
import type { Clock } from '../core/backoff.ts';
import type { CredentialStore, Lock, StoredCredentials } from '../core/ports.ts';
import type { AccessTokenSource } from './client.ts';
import type { TokenSet } from './oauth.ts';

export type Refresher = (refreshToken: string) => Promise<TokenSet>;

export interface OAuthTokenProviderOptions {
  connectionId: string;
  credentials: CredentialStore;
  lock: Lock;
  refresh: Refresher;
  clock?: Clock;
  refreshAheadMs?: number;
  lockTtlMs?: number;
}

/** In-flight refreshes per credential store and connection, shared by every provider instance. */
const inFlight = new WeakMap<CredentialStore, Map<string, Promise<string>>>();

function noCredentials(): ConnectorError {
  return new ConnectorError({ kind: 'needs_reauth', provider: 'hubspot', code: 'NO_CREDENTIALS', message: 'this HubSpot connection has no stored credentials; reconnect it' });
}

/** Merges a refresh response into what is stored: a refresh may omit the refresh token and scopes. */
export function mergeRefreshedCredentials(stored: StoredCredentials, refreshed: TokenSet): StoredCredentials {
  return {
    ...stored,
    accessToken: refreshed.accessToken,
    refreshToken: refreshed.refreshToken ?? stored.refreshToken,
    expiresAt: refreshed.expiresAt,
    scopes: refreshed.scopes.length > 0 ? refreshed.scopes : stored.scopes,
    hubId: refreshed.hubId ?? stored.hubId,
  };
}

export class OAuthTokenProvider implements AccessTokenSource {
  readonly #options: Required<Omit<OAuthTokenProviderOptions, 'clock'>> & { clock: Clock };

  constructor(options: OAuthTokenProviderOptions) {
    // Explicit fallbacks: a caller passing `clock: undefined` must still get a clock.
    this.#options = {
      ...options,
      refreshAheadMs: options.refreshAheadMs ?? 5 * 60_000,
      lockTtlMs: options.lockTtlMs ?? 30_000,
      clock: options.clock ?? systemClock,
    };
  }

  async getAccessToken(): Promise<string> {
    const stored = await this.#options.credentials.load(this.#options.connectionId);
    if (!stored) throw noCredentials();
    if (!this.#needsRefresh(stored)) return stored.accessToken;
    return this.#singleFlight(undefined);
  }

  async refreshAfterRejection(rejected: string): Promise<string> {
    return this.#singleFlight(rejected);
  }

  #needsRefresh(stored: StoredCredentials): boolean {
    if (stored.expiresAt === null) return false;
    return stored.expiresAt.getTime() - this.#options.refreshAheadMs <= this.#options.clock();
  }

  #singleFlight(rejected: string | undefined): Promise<string> {
    const { credentials, connectionId } = this.#options;
    let byConnection = inFlight.get(credentials);
    if (!byConnection) {
      byConnection = new Map();
      inFlight.set(credentials, byConnection);
    }
    const existing = byConnection.get(connectionId);
    if (existing) return existing;
    const running = this.#refreshUnderLock(rejected).finally(() => {
      byConnection.delete(connectionId);
    });
    byConnection.set(connectionId, running);
    return running;
  }

  async #refreshUnderLock(rejected: string | undefined): Promise<string> {
    const { credentials, connectionId, lock, lockTtlMs, refresh } = this.#options;
    return lock.withLock(`hubspot:token-refresh:${connectionId}`, lockTtlMs, async () => {
      const stored = await credentials.load(connectionId);
      if (!stored) throw noCredentials();
      // Someone refreshed while we waited for the lock: use theirs.
      const alreadyReplaced = rejected !== undefined && stored.accessToken !== rejected;
      if (alreadyReplaced || (rejected === undefined && !this.#needsRefresh(stored))) return stored.accessToken;
      if (stored.mode === 'static' || stored.refreshToken === null) {
        throw new ConnectorError({ kind: 'needs_reauth', provider: 'hubspot', code: 'TOKEN_REJECTED', message: 'HubSpot rejected the access token and there is no refresh token; reconnect' });
      }
      const refreshed = await refresh(stored.refreshToken);
      const merged = mergeRefreshedCredentials(stored, refreshed);
      await credentials.save(connectionId, merged);
      return merged.accessToken;
    });
  }
}

/** Private-app tokens do not expire and cannot be refreshed; a rejection means reconnect. */
export class StaticTokenProvider implements AccessTokenSource {
  readonly #token: string;

  constructor(token: string) {
    this.#token = token;
  }

  async getAccessToken(): Promise<string> {
    return this.#token;
  }

  async refreshAfterRejection(): Promise<string> {
    throw new ConnectorError({ kind: 'needs_reauth', provider: 'hubspot', code: 'TOKEN_REJECTED', message: 'HubSpot rejected the private-app token; reconnect with a valid token' });
  }
}
