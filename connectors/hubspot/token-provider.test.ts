import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryCredentialStore, InProcessLock } from '../core/memory-ports.ts';
import type { Lock, StoredCredentials } from '../core/ports.ts';
import { API, PORTAL_ID, T0, invalidGrant400, tokenResponse } from './fixtures/hubspot-shapes.ts';
import { fakeTime, testClient } from './fixtures/test-kit.ts';
import { refreshAccessToken } from './oauth.ts';
import { hubspotPaths } from './paths.ts';
import { OAuthTokenProvider } from './token-provider.ts';
import { indicatesUninstall } from './uninstall.ts';

const app = { clientId: 'cid', clientSecret: 'csecret' };

function stored(overrides: Partial<StoredCredentials> = {}): StoredCredentials {
  return {
    accessToken: 'old-access',
    refreshToken: 'refresh-1',
    expiresAt: new Date(T0 + 60_000), // inside the 5-minute refresh-ahead margin
    scopes: ['oauth', 'tickets'],
    hubId: PORTAL_ID,
    mode: 'oauth',
    ...overrides,
  };
}

async function setup(credentials: StoredCredentials, lock: Lock = new InProcessLock()) {
  const time = fakeTime();
  const store = new InMemoryCredentialStore();
  await store.save('conn-1', credentials);
  store.saves = 0;
  const { client: appClient } = testClient({ time, portalId: 'app' });
  const provider = new OAuthTokenProvider({
    connectionId: 'conn-1',
    credentials: store,
    lock,
    clock: time.now,
    refresh: (refreshToken) => refreshAccessToken(appClient, app, { refreshToken, now: time.now }),
  });
  return { store, provider, time };
}

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});

describe('OAuthTokenProvider', () => {
  it('returns the stored token while it is comfortably valid', async () => {
    const { provider } = await setup(stored({ expiresAt: new Date(T0 + 20 * 60_000) }));
    await expect(provider.getAccessToken()).resolves.toBe('old-access');
  });

  it('refreshes ahead of expiry and merges a response that omits the refresh token', async () => {
    const scope = nock(API)
      .post(hubspotPaths.token, { grant_type: 'refresh_token', client_id: 'cid', client_secret: 'csecret', refresh_token: 'refresh-1' })
      .reply(200, tokenResponse({ access_token: 'new-access', refresh_token: undefined, scopes: undefined, hub_id: undefined }));
    const { provider, store } = await setup(stored());
    await expect(provider.getAccessToken()).resolves.toBe('new-access');
    expect(await store.load('conn-1')).toMatchObject({ accessToken: 'new-access', refreshToken: 'refresh-1', scopes: ['oauth', 'tickets'], hubId: PORTAL_ID, expiresAt: new Date(T0 + 1_800_000) });
    scope.done();
  });

  it('makes concurrent callers share ONE refresh', async () => {
    const scope = nock(API).post(hubspotPaths.token).once().reply(200, tokenResponse({ access_token: 'new-access' }));
    const { provider, store } = await setup(stored());
    const tokens = await Promise.all(Array.from({ length: 10 }, () => provider.getAccessToken()));
    expect(new Set(tokens)).toEqual(new Set(['new-access']));
    expect(store.saves).toBe(1);
    scope.done();
  });

  it('re-reads after taking the lock and uses a token another process just refreshed', async () => {
    const store = new InMemoryCredentialStore();
    // A lock whose wait lets "another process" finish its refresh first.
    const otherProcessFirst: Lock = {
      withLock: async (_key, _ttl, fn) => {
        await store.save('conn-1', stored({ accessToken: 'from-other-process', expiresAt: new Date(T0 + 1_800_000) }));
        return fn();
      },
    };
    const time = fakeTime();
    await store.save('conn-1', stored());
    const provider = new OAuthTokenProvider({
      connectionId: 'conn-1',
      credentials: store,
      lock: otherProcessFirst,
      clock: time.now,
      refresh: async () => {
        throw new Error('must not refresh');
      },
    });
    await expect(provider.getAccessToken()).resolves.toBe('from-other-process');
  });

  it('maps invalid_grant / BAD_REFRESH_TOKEN to needs_reauth with one call and no retry loop', async () => {
    const scope = nock(API).post(hubspotPaths.token).once().reply(400, invalidGrant400);
    const { provider, time } = await setup(stored());
    const error = await provider.getAccessToken().catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'needs_reauth', code: 'BAD_REFRESH_TOKEN' });
    expect(indicatesUninstall(error)).toBe(true);
    expect(time.sleeps).toEqual([]);
    expect(String(error)).not.toContain('refresh-1');
    scope.done();
  });

  it('after a 401 refreshes only if nobody replaced the rejected token yet', async () => {
    const scope = nock(API).post(hubspotPaths.token).once().reply(200, tokenResponse({ access_token: 'after-401' }));
    const { provider } = await setup(stored({ expiresAt: new Date(T0 + 20 * 60_000) }));
    await expect(provider.refreshAfterRejection('old-access')).resolves.toBe('after-401');
    await expect(provider.refreshAfterRejection('old-access')).resolves.toBe('after-401');
    scope.done();
  });
});
