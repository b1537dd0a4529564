import { describe, expect, it } from 'vitest';
import { budgetWindowMs, HUBSPOT_MANIFEST, hubspotManifestFromEnv } from './manifest.ts';

describe('HubSpot manifest', () => {
  it('carries the documented limits and the date-versioned token path', () => {
    expect(HUBSPOT_MANIFEST.limits).toMatchObject({ requestsPerWindow: 110, windowMs: 10_000, searchPerSecond: 5, searchPageSize: 200, searchResultCap: 10_000, batchWrite: 100, batchRead: 100, associationBatchRead: 1_000 });
    expect(HUBSPOT_MANIFEST.auth.tokenPath).toBe('/oauth/2026-03/token');
    expect(budgetWindowMs(HUBSPOT_MANIFEST)).toBeGreaterThan(10_000);
  });

  it('takes base and authorize URLs from the environment', () => {
    const manifest = hubspotManifestFromEnv({ HUBSPOT_API_BASE_URL: 'http://127.0.0.1:4010/', HUBSPOT_AUTHORIZE_URL: 'https://app-eu1.hubspot.com/oauth/authorize' });
    expect(manifest.baseUrl).toBe('http://127.0.0.1:4010');
    expect(manifest.authorizeUrl).toBe('https://app-eu1.hubspot.com/oauth/authorize');
    expect(hubspotManifestFromEnv({}).baseUrl).toBe('https://api.hubapi.com');
  });

  it('names the variable when a URL is invalid', () => {
    expect(() => hubspotManifestFromEnv({ HUBSPOT_API_BASE_URL: 'not a url' })).toThrow('HUBSPOT_API_BASE_URL must be an http(s) URL');
  });
});
