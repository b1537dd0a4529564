import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signV2, signV3 } from '../../../connectors/hubspot/signature.ts';
import { createHubSpotAppRouter } from './app-router.ts';
import type { HubSpotAppDeps } from './app-router.ts';
import type { AppSettingsUpdate, AppSettingsView } from './app-settings.ts';
import type { CompanyHealth } from './health-details.ts';
import type { WebhookEvent } from './webhook-events.ts';

const CLIENT_SECRET = 'test-client-secret';
/** What HubSpot calls; deliberately not the loopback address the test server listens on. */
const PUBLIC_URL = 'https://api.crm-health.test';
const NOW = Date.UTC(2026, 10, 2, 9, 30, 0);

const PORTAL_A = '1001';
const PORTAL_B = '2002';
const WORKSPACES: Record<string, string> = { [PORTAL_A]: 'ws-a', [PORTAL_B]: 'ws-b' };

function health(companyId: string, overrides: Partial<CompanyHealth> = {}): CompanyHealth {
  return {
    companyId,
    score: 38,
    tier: 'critical',
    trend: 'declining',
    change30d: -26,
    changeFromModelVersion: false,
    categories: [
      { key: 'product_usage', label: 'Product Usage', score: 22, weight: 0.4 },
      { key: 'engagement', label: 'Engagement', score: 45, weight: 0.3 },
      { key: 'business_outcomes', label: 'Business Outcomes', score: 50, weight: 0.2 },
      { key: 'contract_health', label: 'Contract Health', score: 60, weight: 0.1 },
    ],
    confidence: 0.9,
    insufficientData: false,
    missingSources: [],
    drivers: [
      { category: 'product_usage', points: -14, description: 'weekly active users 21% of seats' },
      { category: 'engagement', points: -6, description: 'no meeting in 60 days' },
      { category: 'contract_health', points: 2, description: 'payments on time' },
    ],
    history: [
      { at: '2026-10-01T00:00:00.000Z', score: 64 },
      { at: '2026-11-01T00:00:00.000Z', score: 38 },
    ],
    churnProbability: 0.41,
    modelVersion: 'v7',
    lifecycleStage: 'renewal',
    scoredAt: '2026-11-02T06:00:00.000Z',
    ...overrides,
  };
}

/** Companies each workspace owns; lookups outside a workspace find nothing, as a scoped repository would. */
const COMPANIES: Record<string, Record<string, CompanyHealth>> = {
  'ws-a': {
    '501': health('501'),
    '502': health('502', { tier: null, insufficientData: true, confidence: 0.3, missingSources: ['usage'], churnProbability: null }),
  },
  'ws-b': { '777': health('777', { score: 91, tier: 'healthy', trend: 'improving', change30d: 4 }) },
};

interface Recorded {
  rescores: Array<[string, string]>;
  saved: Array<[string, AppSettingsUpdate]>;
  events: Array<[string, WebhookEvent[]]>;
  failEventsFor: Set<string>;
}

const recorded: Recorded = { rescores: [], saved: [], events: [], failEventsFor: new Set() };

function settingsView(workspaceId: string, update?: AppSettingsUpdate): AppSettingsView {
  return {
    connection: { status: 'connected', portalId: workspaceId === 'ws-a' ? PORTAL_A : PORTAL_B, connectedAt: '2026-09-01T00:00:00.000Z', lastSyncAt: null },
    modelVersion: 'v7',
    tierThresholds: update?.tierThresholds ?? { healthyMin: 80, atRiskMin: 40 },
    dropAlertPoints: update?.dropAlertPoints ?? 15,
    webSettingsUrl: `${PUBLIC_URL}/settings`,
  };
}

const deps: HubSpotAppDeps = {
  clientSecret: CLIENT_SECRET,
  publicUrl: `${PUBLIC_URL}/`,
  now: () => NOW,
  async resolveWorkspaceByPortal(portalId) {
    const workspaceId = WORKSPACES[portalId];
    return workspaceId ? { workspaceId } : null;
  },
  async getHealthDetails(workspaceId, companyId) {
    return COMPANIES[workspaceId]?.[companyId] ?? null;
  },
  async requestRescore(workspaceId, companyId) {
    if (!COMPANIES[workspaceId]?.[companyId]) return null;
    recorded.rescores.push([workspaceId, companyId]);
    return { queued: true };
  },
  async getSettings(workspaceId) {
    return settingsView(workspaceId);
  },
  async saveSettings(workspaceId, update) {
    recorded.saved.push([workspaceId, update]);
    return settingsView(workspaceId, update);
  },
  async onCompanyEvents(workspaceId, events) {
    if (recorded.failEventsFor.has(workspaceId)) throw new Error('queue unavailable');
    recorded.events.push([workspaceId, events]);
  },
};

let server: Server;
let baseUrl: string;

beforeAll(async () => {
  const app = express();
  app.use(createHubSpotAppRouter(deps));
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
});

beforeEach(() => {
  recorded.rescores = [];
  recorded.saved = [];
  recorded.events = [];
  recorded.failEventsFor = new Set();
});

interface SendOptions {
  body?: unknown;
  rawBody?: string;
  /** Sign with v3 (default), v2 (workflow actions) or not at all. */
  signature?: 'v3' | 'v2' | 'none';
  secret?: string;
  timestamp?: number;
  /** Body HubSpot signed, when a test wants it to differ from what arrives. */
  signedBody?: string;
}

async function send(method: 'GET' | 'POST', pathAndQuery: string, options: SendOptions = {}) {
  const body = options.rawBody ?? (options.body === undefined ? '' : JSON.stringify(options.body));
  const uri = PUBLIC_URL + pathAndQuery;
  const secret = options.secret ?? CLIENT_SECRET;
  const headers: Record<string, string> = {};
  if (body) headers['content-type'] = 'application/json';
  const signedBody = options.signedBody ?? body;
  if ((options.signature ?? 'v3') === 'v3') {
    const timestamp = String(options.timestamp ?? NOW);
    headers['x-hubspot-signature-v3'] = signV3({ clientSecret: secret, method, uri, body: signedBody, timestamp });
    headers['x-hubspot-request-timestamp'] = timestamp;
  } else if (options.signature === 'v2') {
    headers['x-hubspot-signature'] = signV2({ clientSecret: secret, method, uri, body: signedBody });
    headers['x-hubspot-signature-version'] = 'v2';
  }
  const response = await fetch(baseUrl + pathAndQuery, { method, headers, body: method === 'GET' ? undefined : body });
  const json: unknown = await response.json();
  return { status: response.status, json };
}

/** The query string `hubspot.fetch` appends to every card and settings request. */
function fetchQuery(portalId: string, extra: Record<string, string> = {}): string {
  return new URLSearchParams({ ...extra, userId: '42', userEmail: 'csm@example.com', appId: '9001', portalId }).toString();
}

describe('signature checks', () => {
  it('serves the card to a request with a valid v3 signature over the public URL', async () => {
    const res = await send('GET', `/hubspot/card?${fetchQuery(PORTAL_A, { companyId: '501' })}`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ companyId: '501', score: 38, tier: 'critical' });
  });

  it('answers 401 signature_mismatch when the request was signed with another secret', async () => {
    const res = await send('GET', `/hubspot/card?${fetchQuery(PORTAL_A, { companyId: '501' })}`, { secret: 'not-our-secret' });
    expect(res).toEqual({ status: 401, json: { error: { code: 'signature_mismatch', message: expect.any(String) } } });
  });

  it('answers 401 signature_stale for a timestamp older than five minutes', async () => {
    const res = await send('GET', `/hubspot/card?${fetchQuery(PORTAL_A, { companyId: '501' })}`, { timestamp: NOW - 6 * 60 * 1000 });
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ error: { code: 'signature_stale' } });
  });

  it('answers 401 when the body was altered after HubSpot signed it', async () => {
    const signed = JSON.stringify({ companyId: '501' });
    const res = await send('POST', `/hubspot/card/rescore?${fetchQuery(PORTAL_A)}`, { rawBody: JSON.stringify({ companyId: '777' }), signedBody: signed });
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ error: { code: 'signature_mismatch' } });
    expect(recorded.rescores).toEqual([]);
  });

  it('answers 401 signature_missing to an unsigned request', async () => {
    const res = await send('GET', `/hubspot/settings?${fetchQuery(PORTAL_A)}`, { signature: 'none' });
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ error: { code: 'signature_missing' } });
  });

  it('refuses a portalId swapped into a signed card URL', async () => {
    const signedPath = `/hubspot/card?${fetchQuery(PORTAL_A, { companyId: '777' })}`;
    const timestamp = String(NOW);
    const response = await fetch(`${baseUrl}/hubspot/card?${fetchQuery(PORTAL_B, { companyId: '777' })}`, {
      headers: {
        'x-hubspot-signature-v3': signV3({ clientSecret: CLIENT_SECRET, method: 'GET', uri: PUBLIC_URL + signedPath, timestamp }),
        'x-hubspot-request-timestamp': timestamp,
      },
    });
    expect(response.status).toBe(401);
  });

  it('does not accept the weaker v2 signature on card routes', async () => {
    const res = await send('GET', `/hubspot/card?${fetchQuery(PORTAL_A, { companyId: '501' })}`, { signature: 'v2' });
    expect(res.status).toBe(401);
  });
});

describe('app card', () => {
  it('adds the recommended plays for the tier to the health details', async () => {
    const res = await send('GET', `/hubspot/card?${fetchQuery(PORTAL_A, { companyId: '501' })}`);
    expect(res.json).toMatchObject({
      recommendedPlays: expect.arrayContaining([expect.objectContaining({ title: 'Executive escalation' })]),
    });
  });

  it("gives 404 when a portal asks for another portal's company", async () => {
    const res = await send('GET', `/hubspot/card?${fetchQuery(PORTAL_A, { companyId: '777' })}`);
    expect(res).toEqual({ status: 404, json: { error: { code: 'company_not_found', message: expect.any(String) } } });
  });

  it('gives 404 portal_not_connected to a signed request from a portal without a workspace', async () => {
    const res = await send('GET', `/hubspot/card?${fetchQuery('3003', { companyId: '501' })}`);
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ error: { code: 'portal_not_connected' } });
  });

  it('rejects a card request without a numeric company id', async () => {
    const res = await send('GET', `/hubspot/card?${fetchQuery(PORTAL_A, { companyId: 'abc' })}`);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { code: 'invalid_request' } });
  });

  it('queues a rescore for the calling workspace only', async () => {
    const ok = await send('POST', `/hubspot/card/rescore?${fetchQuery(PORTAL_A)}`, { body: { companyId: '501' } });
    expect(ok).toEqual({ status: 202, json: { queued: true } });
    const foreign = await send('POST', `/hubspot/card/rescore?${fetchQuery(PORTAL_A)}`, { body: { companyId: '777' } });
    expect(foreign.status).toBe(404);
    expect(recorded.rescores).toEqual([['ws-a', '501']]);
  });
});

describe('settings', () => {
  it("returns the calling portal's settings", async () => {
    const res = await send('GET', `/hubspot/settings?${fetchQuery(PORTAL_B)}`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ connection: { portalId: PORTAL_B }, tierThresholds: { healthyMin: 80, atRiskMin: 40 } });
  });

  it('saves valid thresholds and refuses overlapping ones', async () => {
    const update = { tierThresholds: { healthyMin: 75, atRiskMin: 35 }, dropAlertPoints: 10 };
    const saved = await send('POST', `/hubspot/settings?${fetchQuery(PORTAL_A)}`, { body: update });
    expect(saved.status).toBe(200);
    expect(recorded.saved).toEqual([['ws-a', update]]);

    const bad = await send('POST', `/hubspot/settings?${fetchQuery(PORTAL_A)}`, { body: { tierThresholds: { healthyMin: 30, atRiskMin: 40 }, dropAlertPoints: 10 } });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: { code: 'invalid_request', message: expect.stringContaining('healthyMin') } });
    expect(recorded.saved).toHaveLength(1);
  });
});

describe('webhooks', () => {
  function event(portalId: string, fields: Record<string, unknown>) {
    return { eventId: 1, subscriptionId: 11, portalId: Number(portalId), appId: 9001, occurredAt: NOW, attemptNumber: 0, objectId: 501, changeSource: 'CRM', ...fields };
  }

  it('validates the batch and dispatches company events to each portal’s workspace, oldest first', async () => {
    const delivery = [
      event(PORTAL_A, { eventId: 3, subscriptionType: 'company.propertyChange', propertyName: 'lifecyclestage', propertyValue: 'customer', occurredAt: NOW - 1000 }),
      event(PORTAL_B, { eventId: 4, subscriptionType: 'company.creation', objectId: 888 }),
      event(PORTAL_A, { eventId: 2, subscriptionType: 'company.merge', objectId: 501, primaryObjectId: 501, mergedObjectIds: [502], occurredAt: NOW - 5000 }),
      event(PORTAL_A, { eventId: 3, subscriptionType: 'company.propertyChange', propertyName: 'lifecyclestage', propertyValue: 'customer', occurredAt: NOW - 1000 }),
      event(PORTAL_A, { eventId: 5, subscriptionType: 'contact.creation' }),
      event('3003', { eventId: 6, subscriptionType: 'company.deletion' }),
    ];
    const res = await send('POST', '/hubspot/webhooks', { body: delivery });
    expect(res).toEqual({ status: 200, json: { received: 6, dispatched: 3, ignored: 2, unknownPortals: ['3003'] } });

    const byWorkspace = Object.fromEntries(recorded.events);
    expect(byWorkspace['ws-a']).toEqual([
      { type: 'company.merged', eventId: '2', companyId: '501', mergedCompanyIds: ['502'], occurredAt: new Date(NOW - 5000) },
      { type: 'company.property_changed', eventId: '3', companyId: '501', propertyName: 'lifecyclestage', propertyValue: 'customer', occurredAt: new Date(NOW - 1000) },
    ]);
    expect(byWorkspace['ws-b']).toEqual([{ type: 'company.created', eventId: '4', companyId: '888', occurredAt: new Date(NOW) }]);
  });

  it('rejects a batch of more than 100 events and malformed events with 400', async () => {
    const tooMany = Array.from({ length: 101 }, (_, i) => event(PORTAL_A, { eventId: i + 1, subscriptionType: 'company.creation' }));
    expect((await send('POST', '/hubspot/webhooks', { body: tooMany })).status).toBe(400);
    expect((await send('POST', '/hubspot/webhooks', { body: [{ eventId: 'x' }] })).status).toBe(400);
    expect((await send('POST', '/hubspot/webhooks', { rawBody: '[{"eventId":' })).status).toBe(400);
    expect(recorded.events).toEqual([]);
  });

  it('answers 500 when a workspace cannot take its events, so HubSpot redelivers', async () => {
    recorded.failEventsFor.add('ws-b');
    const res = await send('POST', '/hubspot/webhooks', { body: [event(PORTAL_B, { eventId: 9, subscriptionType: 'company.deletion' })] });
    expect(res.status).toBe(500);
    expect(res.json).toMatchObject({ error: { code: 'internal' } });
  });
});

describe('workflow actions', () => {
  function actionRequest(portalId: string, objectId: number, objectType = 'COMPANY') {
    return { callbackId: 'ap-123-456', origin: { portalId: Number(portalId), actionDefinitionId: 77 }, object: { objectId, objectType }, inputFields: {} };
  }

  it('answers "get health details" signed with v2 with the output fields', async () => {
    const res = await send('POST', '/hubspot/actions/get-health-details', { body: actionRequest(PORTAL_A, 501), signature: 'v2' });
    expect(res).toEqual({
      status: 200,
      json: {
        outputFields: {
          hs_execution_state: 'SUCCESS',
          health_score: 38,
          health_tier: 'critical',
          health_trend: 'declining',
          health_change_30d: -26,
          health_confidence: 90,
          health_churn_risk: 41,
          health_top_drivers: 'Product Usage −14: weekly active users 21% of seats; Engagement −6: no meeting in 60 days; Contract Health +2: payments on time',
          health_model_version: 'v7',
        },
      },
    });
  });

  it("continues the workflow without data when the company belongs to another portal", async () => {
    const res = await send('POST', '/hubspot/actions/get-health-details', { body: actionRequest(PORTAL_B, 501), signature: 'v2' });
    expect(res).toEqual({ status: 200, json: { outputFields: { hs_execution_state: 'FAIL_CONTINUE' } } });
  });

  it('rejects a v2-signed action whose body was altered', async () => {
    const signed = JSON.stringify(actionRequest(PORTAL_A, 501));
    const res = await send('POST', '/hubspot/actions/get-health-details', { rawBody: JSON.stringify(actionRequest(PORTAL_B, 777)), signedBody: signed, signature: 'v2' });
    expect(res.status).toBe(401);
  });

  it('queues a rescore from a workflow', async () => {
    const res = await send('POST', '/hubspot/actions/rescore', { body: actionRequest(PORTAL_B, 777), signature: 'v2' });
    expect(res).toEqual({ status: 200, json: { outputFields: { hs_execution_state: 'SUCCESS', rescore_queued: true } } });
    expect(recorded.rescores).toEqual([['ws-b', '777']]);
  });

  it('marks an insufficient-data company as such instead of reporting a tier', async () => {
    const res = await send('POST', '/hubspot/actions/get-health-details', { body: actionRequest(PORTAL_A, 502), signature: 'v2' });
    expect(res.json).toMatchObject({ outputFields: { hs_execution_state: 'SUCCESS', health_tier: 'insufficient_data', health_confidence: 30 } });
    expect(res.json).not.toHaveProperty('outputFields.health_churn_risk');
  });
});
