import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decodeUriForV3,
  signV1,
  signV2,
  signV3,
  verifyHubSpotSignature,
  verifyV2,
  verifyV3,
} from './signature.ts';

const secret = 'client-secret-abc';
const now = Date.UTC(2026, 10, 2, 12, 0, 0);
const uri = 'https://api.example.com/hubspot/webhooks';
const body = '[{"eventId":1,"portalId":62515,"objectId":1246965}]';

function v3Headers(overrides: { secret?: string; timestamp?: number; body?: string; uri?: string; method?: string } = {}) {
  const timestamp = String(overrides.timestamp ?? now);
  return {
    'x-hubspot-signature-v3': signV3({
      clientSecret: overrides.secret ?? secret,
      method: overrides.method ?? 'POST',
      uri: overrides.uri ?? uri,
      body: overrides.body ?? body,
      timestamp,
    }),
    'x-hubspot-request-timestamp': timestamp,
  };
}

describe('v3 signatures', () => {
  it('is the base64 HMAC-SHA256 of method, URI, body and timestamp keyed by the client secret', () => {
    const expected = createHmac('sha256', secret).update(`POST${uri}${body}${now}`).digest('base64');
    expect(signV3({ clientSecret: secret, method: 'POST', uri, body, timestamp: String(now) })).toBe(expected);
  });

  it('accepts a correctly signed request within five minutes', () => {
    const result = verifyHubSpotSignature(
      { method: 'POST', uri, rawBody: body, headers: v3Headers({ timestamp: now - 4 * 60 * 1000 }) },
      { clientSecret: secret, accept: ['v3'], now },
    );
    expect(result).toEqual({ ok: true, version: 'v3' });
  });

  it('hashes raw bytes, so a multi-byte body signed as UTF-8 verifies from a Buffer', () => {
    const unicodeBody = '{"note":"Zürich — 🚀"}';
    const headers = v3Headers({ body: unicodeBody });
    const result = verifyHubSpotSignature(
      { method: 'POST', uri, rawBody: Buffer.from(unicodeBody, 'utf8'), headers },
      { clientSecret: secret, accept: ['v3'], now },
    );
    expect(result.ok).toBe(true);
  });

  it('rejects a signature made with another secret as a mismatch', () => {
    const result = verifyHubSpotSignature(
      { method: 'POST', uri, rawBody: body, headers: v3Headers({ secret: 'someone-else' }) },
      { clientSecret: secret, accept: ['v3'], now },
    );
    expect(result).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('rejects a body altered after signing', () => {
    const result = verifyHubSpotSignature(
      { method: 'POST', uri, rawBody: body.replace('62515', '99999'), headers: v3Headers() },
      { clientSecret: secret, accept: ['v3'], now },
    );
    expect(result).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('rejects a request replayed to another URL', () => {
    const result = verifyHubSpotSignature(
      { method: 'POST', uri: 'https://api.example.com/hubspot/actions/rescore', rawBody: body, headers: v3Headers() },
      { clientSecret: secret, accept: ['v3'], now },
    );
    expect(result).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('rejects a timestamp older than five minutes as stale, even when the HMAC is right', () => {
    const result = verifyHubSpotSignature(
      { method: 'POST', uri, rawBody: body, headers: v3Headers({ timestamp: now - 5 * 60 * 1000 - 1 }) },
      { clientSecret: secret, accept: ['v3'], now },
    );
    expect(result).toEqual({ ok: false, reason: 'stale' });
  });

  it('rejects a timestamp far in the future and a non-numeric one as stale', () => {
    const future = v3Headers({ timestamp: now + 10 * 60 * 1000 });
    expect(verifyV3({ clientSecret: secret, method: 'POST', uri, body, signature: future['x-hubspot-signature-v3'], timestamp: future['x-hubspot-request-timestamp'], now })).toEqual({ ok: false, reason: 'stale' });
    expect(verifyV3({ clientSecret: secret, method: 'POST', uri, body, signature: 'x', timestamp: 'yesterday', now })).toEqual({ ok: false, reason: 'stale' });
  });

  it('reports missing headers as missing', () => {
    expect(verifyHubSpotSignature({ method: 'POST', uri, rawBody: body, headers: {} }, { clientSecret: secret, accept: ['v3'], now })).toEqual({ ok: false, reason: 'missing' });
    const { 'x-hubspot-signature-v3': signature } = v3Headers();
    expect(verifyHubSpotSignature({ method: 'POST', uri, rawBody: body, headers: { 'x-hubspot-signature-v3': signature } }, { clientSecret: secret, accept: ['v3'], now })).toEqual({ ok: false, reason: 'missing' });
  });

  it('decodes exactly the characters HubSpot lists before hashing the URI', () => {
    expect(decodeUriForV3('https://x.io/a%3Ab%2Fc%3Fd%40e%21f%24g%27h%28i%29j%2Ak%2Cl%3Bm%20n%2B')).toBe(
      "https://x.io/a:b/c?d@e!f$g'h(i)j*k,l;m%20n%2B",
    );
    expect(decodeUriForV3('https://x.io/?email=a%40b.com')).toBe('https://x.io/?email=a@b.com');
    expect(decodeUriForV3('https://x.io/?t=10%3a30')).toBe('https://x.io/?t=10:30');
  });

  it('verifies a request whose URL carries encoded characters HubSpot decoded before signing', () => {
    const encoded = 'https://api.example.com/hubspot/card?companyId=1&userEmail=csm%40example.com&portalId=7';
    const timestamp = String(now);
    const signature = createHmac('sha256', secret)
      .update(`GET${'https://api.example.com/hubspot/card?companyId=1&userEmail=csm@example.com&portalId=7'}${timestamp}`)
      .digest('base64');
    const result = verifyHubSpotSignature(
      { method: 'GET', uri: encoded, rawBody: undefined, headers: { 'X-HubSpot-Signature-v3': signature, 'X-HubSpot-Request-Timestamp': timestamp } },
      { clientSecret: secret, accept: ['v3'], now },
    );
    expect(result).toEqual({ ok: true, version: 'v3' });
  });
});

describe('v2 signatures (workflow actions)', () => {
  it("matches HubSpot's documented GET example", () => {
    // Example from HubSpot's request-validation guide: secret, GET, URI, empty body.
    expect(
      signV2({ clientSecret: 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy', method: 'GET', uri: 'https://www.example.com/webhook_uri', body: '' }),
    ).toBe('eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e');
  });

  it('is accepted only where the endpoint allows v2', () => {
    const headers = { 'x-hubspot-signature': signV2({ clientSecret: secret, method: 'POST', uri, body }), 'x-hubspot-signature-version': 'v2' };
    expect(verifyHubSpotSignature({ method: 'POST', uri, rawBody: body, headers }, { clientSecret: secret, accept: ['v3', 'v2'] })).toEqual({ ok: true, version: 'v2' });
    expect(verifyHubSpotSignature({ method: 'POST', uri, rawBody: body, headers }, { clientSecret: secret, accept: ['v3'] })).toEqual({ ok: false, reason: 'missing' });
  });

  it('rejects an altered body and a wrong secret', () => {
    const signature = signV2({ clientSecret: secret, method: 'POST', uri, body });
    expect(verifyV2({ clientSecret: secret, method: 'POST', uri, body: `${body} `, signature })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyV2({ clientSecret: 'other', method: 'POST', uri, body, signature })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('judges a request by its v3 signature when it carries one, never falling back to v2', () => {
    const headers = {
      ...v3Headers({ secret: 'forged' }),
      'x-hubspot-signature': signV2({ clientSecret: secret, method: 'POST', uri, body }),
      'x-hubspot-signature-version': 'v2',
    };
    expect(verifyHubSpotSignature({ method: 'POST', uri, rawBody: body, headers }, { clientSecret: secret, accept: ['v3', 'v2'], now })).toEqual({ ok: false, reason: 'mismatch' });
  });
});

describe('v1 signatures (legacy webhooks)', () => {
  it('hashes secret plus body and is accepted only when asked for', () => {
    const headers = { 'x-hubspot-signature': signV1({ clientSecret: secret, body }), 'x-hubspot-signature-version': 'v1' };
    expect(verifyHubSpotSignature({ method: 'POST', uri, rawBody: body, headers }, { clientSecret: secret, accept: ['v1'] })).toEqual({ ok: true, version: 'v1' });
    expect(verifyHubSpotSignature({ method: 'POST', uri, rawBody: body, headers }, { clientSecret: secret, accept: ['v3', 'v2'] })).toEqual({ ok: false, reason: 'missing' });
  });
});
