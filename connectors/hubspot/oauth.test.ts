import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryStateStore } from '../core/memory-ports.ts';
import { API, PORTAL_ID, T0, invalidGrant400, tokenResponse } from './fixtures/hubspot-shapes.ts';
import { fakeTime, testClient } from './fixtures/test-kit.ts';
import { completeInstall, connectPrivateApp, startInstall } from './install.ts';
import type { InstallConfig } from './install.ts';
import { hubspotManifest } from './manifest.ts';
import { buildAuthorizeUrl } from './oauth.ts';
import { createSignedState, verifySignedState } from './oauth-state.ts';
import { hubspotPaths } from './paths.ts';

const SECRET = 'state-secret-that-is-long-enough-0123456789';
const manifest = hubspotManifest();
const config: InstallConfig = {
  clientId: 'client-id-1',
  clientSecret: 'client-secret-1',
  redirectUri: 'https://health.example.com/oauth/hubspot/callback',
  stateSecret: SECRET,
  manifest,
};

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});

describe('signed state', () => {
  it('accepts a fresh state exactly once', async () => {
    const store = new InMemoryStateStore(() => T0);
    const { state } = createSignedState({ secret: SECRET, now: T0, ttlMs: 600_000, returnTo: '/settings' });
    expect(await verifySignedState({ secret: SECRET, state, now: T0 + 1_000, store })).toMatchObject({ ok: true, returnTo: '/settings' });
    expect(await verifySignedState({ secret: SECRET, state, now: T0 + 2_000, store })).toEqual({ ok: false, reason: 'replayed' });
  });

  it('refuses a forged state (signed with another secret or edited payload)', async () => {
    const store = new InMemoryStateStore(() => T0);
    const { state } = createSignedState({ secret: 'another-secret-another-secret-0000000', now: T0, ttlMs: 600_000 });
    expect(await verifySignedState({ secret: SECRET, state, now: T0, store })).toEqual({ ok: false, reason: 'forged' });
    const good = createSignedState({ secret: SECRET, now: T0, ttlMs: 600_000 }).state;
    const [, signature] = good.split('.');
    const edited = `${Buffer.from(JSON.stringify({ n: 'x'.repeat(24), e: T0 + 9e9 })).toString('base64url')}.${signature}`;
    expect(await verifySignedState({ secret: SECRET, state: edited, now: T0, store })).toEqual({ ok: false, reason: 'forged' });
  });

  it('refuses an expired state and a malformed one', async () => {
    const store = new InMemoryStateStore(() => T0);
    const { state } = createSignedState({ secret: SECRET, now: T0, ttlMs: 600_000 });
    expect(await verifySignedState({ secret: SECRET, state, now: T0 + 600_001, store })).toEqual({ ok: false, reason: 'expired' });
    expect(await verifySignedState({ secret: SECRET, state: 'garbage', now: T0, store })).toEqual({ ok: false, reason: 'malformed' });
    expect(await verifySignedState({ secret: SECRET, state: undefined, now: T0, store })).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('startInstall', () => {
  it('redirects to the authorize URL with required and optional scopes and a signed state', () => {
    const { url, state } = startInstall(config, { now: T0 });
    const parsed = new URL(url);
    expect(parsed.origin + parsed.pathname).toBe('https://app.hubspot.com/oauth/authorize');
    expect(parsed.searchParams.get('client_id')).toBe('client-id-1');
    expect(parsed.searchParams.get('redirect_uri')).toBe(config.redirectUri);
    expect(parsed.searchParams.get('scope')?.split(' ')).toEqual(manifest.auth.requiredScopes);
    expect(parsed.searchParams.get('optional_scope')?.split(' ')).toEqual(manifest.auth.optionalScopes);
    expect(parsed.searchParams.get('state')).toBe(state);
    expect(url).not.toContain('+'); // spaces encoded as %20
  });

  it('uses the configured authorize URL (sandbox)', () => {
    const url = buildAuthorizeUrl({ authorizeUrl: 'https://app-eu1.hubspot.com/oauth/authorize', clientId: 'c', redirectUri: 'https://x/cb', scopes: ['oauth'], state: 's' });
    expect(url.startsWith('https://app-eu1.hubspot.com/oauth/authorize?client_id=c')).toBe(true);
  });
});

describe('completeInstall', () => {
  const requiredScopes = manifest.auth.requiredScopes;

  function deps() {
    const time = fakeTime();
    const { client } = testClient({ time, portalId: 'app' });
    return { appClient: client, stateStore: new InMemoryStateStore(time.now), now: time.now };
  }

  it('exchanges the code at /oauth/2026-03/token and returns the portal and tokens', async () => {
    const d = deps();
    const { state } = startInstall(config, { now: T0 });
    const scope = nock(API)
      .post(hubspotPaths.token, (body: Record<string, string>) =>
        body.grant_type === 'authorization_code' &&
        body.code === 'code-123' &&
        body.client_id === 'client-id-1' &&
        body.client_secret === 'client-secret-1' &&
        body.redirect_uri === config.redirectUri,
      )
      .matchHeader('content-type', 'application/x-www-form-urlencoded')
      .reply(200, tokenResponse({ scopes: [...requiredScopes, 'timeline'] }));
    const result = await completeInstall(config, d, { code: 'code-123', state });
    expect(result).toMatchObject({ ok: true, hubId: PORTAL_ID, grantedOptionalScopes: ['timeline'] });
    if (result.ok) {
      expect(result.credentials).toMatchObject({ mode: 'oauth', refreshToken: 'na1-refresh-token-1111', hubId: PORTAL_ID });
      expect(result.credentials.expiresAt?.getTime()).toBe(T0 + 1_800_000);
    }
    scope.done();
  });

  it('learns hub_id by introspection when the token response lacks it', async () => {
    const d = deps();
    const { state } = startInstall(config, { now: T0 });
    const scope = nock(API)
      .post(hubspotPaths.token)
      .reply(200, tokenResponse({ hub_id: undefined, scopes: undefined }))
      .post(hubspotPaths.tokenIntrospect, (body: Record<string, string>) => body.token === 'CKz-access-token-new' && body.token_type_hint === 'access_token')
      .reply(200, { active: true, hub_id: 555, hub_domain: 'acme.com', app_id: 1, scopes: requiredScopes, expires_in: 1799 });
    const result = await completeInstall(config, d, { code: 'c', state });
    expect(result).toMatchObject({ ok: true, hubId: '555' });
    scope.done();
  });

  it('reports denied consent', async () => {
    const d = deps();
    const { state } = startInstall(config, { now: T0 });
    expect(await completeInstall(config, d, { error: 'access_denied', error_description: 'User denied', state })).toMatchObject({ ok: false, reason: 'denied_consent' });
  });

  it('reports a missing required scope', async () => {
    const d = deps();
    const { state } = startInstall(config, { now: T0 });
    nock(API).post(hubspotPaths.token).reply(200, tokenResponse({ scopes: requiredScopes.filter((s) => s !== 'tickets') }));
    expect(await completeInstall(config, d, { code: 'c', state })).toMatchObject({ ok: false, reason: 'missing_scope', missingScopes: ['tickets'] });
  });

  it('refuses a replayed, forged or expired state without calling HubSpot', async () => {
    const d = deps();
    const { state } = startInstall(config, { now: T0 });
    nock(API).post(hubspotPaths.token).reply(200, tokenResponse({ scopes: requiredScopes }));
    expect((await completeInstall(config, d, { code: 'c', state })).ok).toBe(true);
    expect(await completeInstall(config, d, { code: 'c', state })).toMatchObject({ ok: false, reason: 'replayed_state' });
    expect(await completeInstall(config, d, { code: 'c', state: `${state.split('.')[0]}.AAAA` })).toMatchObject({ ok: false, reason: 'bad_state' });
    const old = createSignedState({ secret: SECRET, now: T0 - 3_600_000, ttlMs: 600_000 }).state;
    expect(await completeInstall(config, d, { code: 'c', state: old })).toMatchObject({ ok: false, reason: 'expired_state' });
  });

  it('reports a HubSpot error from the exchange without leaking the client secret', async () => {
    const d = deps();
    const { state } = startInstall(config, { now: T0 });
    nock(API).post(hubspotPaths.token).reply(400, invalidGrant400);
    const result = await completeInstall(config, d, { code: 'used-code', state });
    expect(result).toMatchObject({ ok: false, reason: 'hubspot_error', kind: 'needs_reauth' });
    expect(JSON.stringify(result)).not.toContain('client-secret-1');
  });
});

describe('connectPrivateApp', () => {
  it('validates the token against account details and learns the portal', async () => {
    const scope = nock(API)
      .matchHeader('authorization', 'Bearer pat-na1-aaaa-bbbb')
      .get(hubspotPaths.accountDetails)
      .reply(200, { portalId: 4242, timeZone: 'Europe/Berlin', companyCurrency: 'EUR', dataHostingLocation: 'eu1', accountType: 'STANDARD' });
    const { client } = testClient({ portalId: 'app' });
    const result = await connectPrivateApp(client, 'pat-na1-aaaa-bbbb');
    expect(result).toMatchObject({ ok: true, hubId: '4242', credentials: { mode: 'static', refreshToken: null, expiresAt: null } });
    scope.done();
  });

  it('says the token is invalid when HubSpot rejects it', async () => {
    nock(API).get(hubspotPaths.accountDetails).reply(401, { status: 'error', message: 'Authentication credentials not found.', category: 'INVALID_AUTHENTICATION' });
    const { client } = testClient({ portalId: 'app' });
    const result = await connectPrivateApp(client, 'pat-na1-wrong-token');
    expect(result).toMatchObject({ ok: false, reason: 'invalid_token' });
    expect(JSON.stringify(result)).not.toContain('pat-na1-wrong-token');
  });
});
