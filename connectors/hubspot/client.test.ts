import nock from 'nock';
import { z } from 'zod';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../core/error-kinds.ts';
import type { ClientEvent } from './client.ts';
import { API, batchResponse, crmObject, daily429, expired401, rateLimitHeaders, searchPage, searchSecondly429, serverError502, T0, tenSecondly429 } from './fixtures/hubspot-shapes.ts';
import { staticTokens, testClient } from './fixtures/test-kit.ts';
import { hubspotPaths } from './paths.ts';

const readPath = hubspotPaths.objectBatchRead('companies');
const readBody = { inputs: [{ id: '1' }], properties: ['name'], propertiesWithHistory: [] };
const ok = batchResponse([crmObject('1', { name: 'Acme' })]);
const AnySchema = z.unknown();

const batchRead = (client: ReturnType<typeof testClient>['client']) =>
  client.request({ method: 'POST', path: readPath, idempotent: true, body: readBody, schema: AnySchema });

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});

describe('HubSpotClient retries', () => {
  it('waits for the window on a TEN_SECONDLY_ROLLING 429, then succeeds', async () => {
    const scope = nock(API)
      .post(readPath, readBody)
      .reply(429, tenSecondly429, rateLimitHeaders(0))
      .post(readPath, readBody)
      .reply(200, ok, rateLimitHeaders(100));
    const { client, time } = testClient();
    const result = await batchRead(client);
    expect(result.status).toBe(200);
    // Interval header (10 s) — plus the budget pause it set, which the second attempt honours.
    expect(time.sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(10_000);
    scope.done();
  });

  it('honours Retry-After when HubSpot sends one', async () => {
    const scope = nock(API)
      .post(readPath, readBody)
      .reply(429, tenSecondly429, { 'Retry-After': '3' })
      .post(readPath, readBody)
      .reply(200, ok);
    const events: ClientEvent[] = [];
    const { client } = testClient({ events });
    await batchRead(client);
    expect(events).toContainEqual(expect.objectContaining({ type: 'retry', status: 429, waitMs: 3_000 }));
    scope.done();
  });

  it('does not loop on a DAILY 429: one call, rate_limited until the next day', async () => {
    const scope = nock(API).post(readPath, readBody).reply(429, daily429);
    const { client, time } = testClient();
    const error = await batchRead(client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ kind: 'rate_limited', code: 'DAILY', status: 429 });
    // T0 is 12:00 UTC: the allowance returns at midnight, 12 h later.
    expect((error as ConnectorError).retryAfterMs).toBe(12 * 3_600_000);
    expect(time.sleeps).toEqual([]);
    scope.done();
  });

  it('waits one second on the search "secondly" 429', async () => {
    const searchPath = hubspotPaths.objectSearch('companies');
    const scope = nock(API).post(searchPath).reply(429, searchSecondly429).post(searchPath).reply(200, searchPage([]));
    const events: ClientEvent[] = [];
    const { client } = testClient({ events });
    await client.request({ method: 'POST', path: searchPath, idempotent: true, body: { filterGroups: [] }, schema: AnySchema });
    expect(events).toContainEqual(expect.objectContaining({ type: 'retry', status: 429, code: 'SECONDLY', waitMs: 1_000 }));
    scope.done();
  });

  it('retries a 502 with backoff and returns the later success', async () => {
    const scope = nock(API).post(readPath, readBody).reply(502, serverError502).post(readPath, readBody).reply(200, ok);
    const { client, time } = testClient();
    const result = await batchRead(client);
    expect(result.status).toBe(200);
    expect(time.sleeps).toEqual([250]); // base 500 ms × random 0.5
    scope.done();
  });

  it('waits at least 2 s on 423 Locked', async () => {
    const scope = nock(API).post(readPath, readBody).reply(423, { status: 'error', message: 'Locked' }).post(readPath, readBody).reply(200, ok);
    const { client, time } = testClient();
    await batchRead(client);
    expect(time.sleeps[0]).toBeGreaterThanOrEqual(2_000);
    scope.done();
  });

  it('retries a network error on an idempotent request', async () => {
    const scope = nock(API).post(readPath, readBody).replyWithError('socket hang up').post(readPath, readBody).reply(200, ok);
    const { client } = testClient();
    await expect(batchRead(client)).resolves.toMatchObject({ status: 200 });
    scope.done();
  });

  it('never replays a create after a 502 or a network error', async () => {
    const createPath = hubspotPaths.objectCreate('notes');
    const scope = nock(API).post(createPath).reply(502, serverError502).post(createPath).replyWithError('connection reset');
    const { client } = testClient();
    const create = () => client.request({ method: 'POST', path: createPath, body: { properties: {} }, schema: AnySchema });
    await expect(create()).rejects.toMatchObject({ kind: 'retryable', status: 502 });
    await expect(create()).rejects.toMatchObject({ kind: 'retryable', code: 'NETWORK' });
    scope.done();
  });

  it('gives up after the attempt limit with the last classified error', async () => {
    const scope = nock(API).post(readPath, readBody).times(6).reply(503, { status: 'error', message: 'unavailable' });
    const { client } = testClient();
    await expect(batchRead(client)).rejects.toMatchObject({ kind: 'retryable', status: 503 });
    scope.done();
  });

  it('slows down when X-HubSpot-RateLimit-Remaining runs low', async () => {
    const scope = nock(API).post(readPath, readBody).reply(200, ok, rateLimitHeaders(1)).post(readPath, readBody).reply(200, ok, rateLimitHeaders(90));
    const events: ClientEvent[] = [];
    const { client, time } = testClient({ events });
    await batchRead(client);
    await batchRead(client);
    expect(events).toContainEqual({ type: 'slow_down', remaining: 1, waitMs: 455 });
    expect(time.sleeps).toContain(455);
    scope.done();
  });
});

describe('HubSpotClient authentication and errors', () => {
  it('attaches the bearer token', async () => {
    const scope = nock(API).matchHeader('authorization', 'Bearer tok-1').get(hubspotPaths.accountDetails).reply(200, { portalId: 1 });
    const { client } = testClient({ tokens: staticTokens('tok-1') });
    await client.request({ method: 'GET', path: hubspotPaths.accountDetails, schema: AnySchema });
    scope.done();
  });

  it('refreshes once when HubSpot says the token expired, then repeats the call with the new token', async () => {
    const scope = nock(API)
      .matchHeader('authorization', (value) => value === 'Bearer old' || value === 'Bearer new')
      .post(readPath, readBody)
      .reply(401, expired401)
      .post(readPath, readBody)
      .reply(200, ok);
    const rejected: string[] = [];
    const { client } = testClient({
      tokens: {
        getAccessToken: async () => 'old',
        refreshAfterRejection: async (token) => {
          rejected.push(token);
          return 'new';
        },
      },
    });
    await expect(batchRead(client)).resolves.toMatchObject({ status: 200 });
    expect(rejected).toEqual(['old']);
    scope.done();
  });

  it('classifies errors into the closed set of kinds', async () => {
    const { client } = testClient();
    const cases: [number, unknown, string][] = [
      [400, { status: 'error', category: 'VALIDATION_ERROR', message: 'Property values were not valid' }, 'invalid_input'],
      [401, { status: 'error', category: 'INVALID_AUTHENTICATION', message: 'Authentication credentials not found.' }, 'needs_reauth'],
      [403, { status: 'error', category: 'MISSING_SCOPES', message: 'This app hasn\u2019t been granted all required scopes' }, 'needs_reauth'],
      [404, { status: 'error', category: 'OBJECT_NOT_FOUND', message: 'resource not found' }, 'not_found'],
    ];
    for (const [status, body, kind] of cases) {
      nock(API).post(readPath, readBody).reply(status, body);
      await expect(batchRead(client)).rejects.toMatchObject({ kind, status });
    }
  });

  it('rejects a success response in an unexpected shape as permanent', async () => {
    nock(API).get(hubspotPaths.accountDetails).reply(200, { portal: 'nope' });
    const { client } = testClient();
    await expect(
      client.request({ method: 'GET', path: hubspotPaths.accountDetails, schema: z.object({ portalId: z.number() }) }),
    ).rejects.toMatchObject({ kind: 'permanent', code: 'UNEXPECTED_RESPONSE' });
  });

  it('keeps the per-portal budget: the 111th call in 10 s waits', async () => {
    nock(API).post(readPath, readBody).times(111).reply(200, ok);
    const { client, time } = testClient();
    for (let i = 0; i < 111; i += 1) await batchRead(client);
    expect(time.now() - T0).toBeGreaterThanOrEqual(10_000);
  });
});
