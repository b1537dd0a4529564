/**
 * One whole cycle against nock-replayed HubSpot: install → provision → pull → (scores supplied
 * by the test) → write-back → note, then a second write-back that sends only what changed.
 * Every request body HubSpot receives is asserted; scope.done() proves every call happened.
 */
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  InMemoryAccountSink,
  InMemoryCheckpointStore,
  InMemoryCredentialStore,
  InMemorySignalSink,
  InMemoryStateStore,
  InMemoryTraceStore,
  InProcessLock,
} from '../core/memory-ports.ts';
import { createHubSpotRuntime, createPortalClient } from './connection.ts';
import { API, DAY, PORTAL_ID, T0, associationsResponse, batchResponse, company, crmObject, iso, searchPage, tokenResponse } from './fixtures/hubspot-shapes.ts';
import { fakeTime } from './fixtures/test-kit.ts';
import { completeInstall, startInstall } from './install.ts';
import { hubspotManifest } from './manifest.ts';
import { hubspotPaths } from './paths.ts';
import { provisionPortal, pullPortal, writeBackPortal } from './sync-portal.ts';
import { companyProperties } from './pull/companies.ts';
import { HEALTH_PROPERTIES } from './write/health-properties.ts';
import type { HealthValues } from './write/health-properties.ts';
import type { HealthChange } from './write/timeline-note.ts';

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});

const manifest = hubspotManifest();
const app = { clientId: 'client-1', clientSecret: 'secret-1' };
const installConfig = { ...app, redirectUri: 'https://health.example.com/oauth/hubspot/callback', stateSecret: 'x'.repeat(40), manifest };
const bearer = 'Bearer CKz-access-token-new';

type UpdateBody = { inputs: { id: string; objectWriteTraceId: string; properties: Record<string, string> }[] };

function scored(score: number, tier: HealthValues['tier'], drivers: string): HealthValues {
  return {
    score,
    tier,
    trend: 'declining',
    change30d: -12,
    categories: { productUsage: score - 5, engagement: score + 3, businessOutcomes: null, contractHealth: 70 },
    confidence: 0.82,
    churnRisk: 0.314,
    topDrivers: drivers,
    lifecycleStage: 'maturity',
    modelVersion: 'v3',
    scoredAt: new Date(T0),
    tierChangedAt: new Date(T0),
  };
}

describe('HubSpot end to end', () => {
  it('installs, provisions, pulls signals, writes back scores with a note, then writes only changes', async () => {
    const time = fakeTime();
    const credentials = new InMemoryCredentialStore();
    const runtime = createHubSpotRuntime({ manifest, app, credentials, lock: new InProcessLock(), sleep: time.sleep, clock: time.now, random: () => 0.5 });

    // 1. Install.
    const { state } = startInstall(installConfig, { now: time.now() });
    const install = nock(API)
      .post(hubspotPaths.token, { grant_type: 'authorization_code', client_id: 'client-1', client_secret: 'secret-1', redirect_uri: installConfig.redirectUri, code: 'auth-code' })
      .reply(200, tokenResponse({ scopes: manifest.auth.requiredScopes }));
    const installed = await completeInstall(installConfig, { appClient: runtime.appClient, stateStore: new InMemoryStateStore(time.now), now: time.now }, { code: 'auth-code', state });
    if (!installed.ok) throw new Error(`install failed: ${installed.reason}`);
    await credentials.save('conn-1', installed.credentials);
    install.done();
    const client = await createPortalClient(runtime, 'conn-1');
    expect(client.portalId).toBe(PORTAL_ID);

    // 2. Provision.
    const provision = nock(API, { reqheaders: { authorization: bearer } })
      .get(hubspotPaths.propertyGroup('companies', 'customer_health'))
      .reply(404, { status: 'error', category: 'OBJECT_NOT_FOUND', message: 'not found' })
      .post(hubspotPaths.propertyGroups('companies'), { name: 'customer_health', label: 'Customer Health', displayOrder: -1 })
      .reply(201, { name: 'customer_health', label: 'Customer Health', displayOrder: -1 })
      .get(hubspotPaths.properties('companies'))
      .query({ archived: 'false' })
      .reply(200, { results: [] })
      .post(hubspotPaths.propertiesBatchCreate('companies'), (body: { inputs: { name: string }[] }) =>
        JSON.stringify(body.inputs.map((p) => p.name)) === JSON.stringify(HEALTH_PROPERTIES.map((p) => p.name)),
      )
      .reply(201, batchResponse(HEALTH_PROPERTIES));
    expect((await provisionPortal(client)).created).toHaveLength(HEALTH_PROPERTIES.length);
    provision.done();

    // 3. Pull.
    const checkpoints = new InMemoryCheckpointStore();
    const accounts = new InMemoryAccountSink();
    const signals = new InMemorySignalSink();
    const assoc = (to: string) => hubspotPaths.associationsBatchRead('companies', to as 'contacts');
    const bothCompanies = { inputs: [{ id: '501' }, { id: '502' }] };
    const pull = nock(API, { reqheaders: { authorization: bearer } })
      .post(hubspotPaths.objectSearch('companies'), {
        filterGroups: [],
        sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }],
        properties: ['name', 'domain', 'lifecyclestage', 'hubspot_owner_id', 'hs_lastmodifieddate', 'createdate', 'industry', 'numberofemployees', 'annualrevenue', 'country', 'type', 'active_users_pct', 'hs_lifecyclestage_customer_date'],
        limit: 200,
      })
      .reply(200, searchPage([company('501', T0 - 2 * DAY, { active_users_pct: '21' }), company('502', T0 - DAY, { active_users_pct: '88' })]))
      .post(assoc('contacts'), bothCompanies)
      .reply(200, associationsResponse({ '501': ['701'], '502': ['702'] }, 280))
      .post(assoc('deals'), bothCompanies)
      .reply(200, associationsResponse({ '501': ['801'], '502': [] }, 342))
      .post(assoc('tickets'), bothCompanies)
      .reply(200, associationsResponse({ '501': ['901', '902'], '502': [] }, 340))
      .post(assoc('calls'), bothCompanies)
      .reply(200, associationsResponse({ '501': [], '502': [] }, 181))
      .post(assoc('emails'), bothCompanies)
      .reply(200, associationsResponse({ '501': ['601', '602'], '502': ['603'] }, 185))
      .post(assoc('meetings'), bothCompanies)
      .reply(200, associationsResponse({ '501': [], '502': ['651'] }, 187))
      .post(assoc('notes'), bothCompanies)
      .reply(200, associationsResponse({ '501': [], '502': [] }, 189))
      .post(hubspotPaths.objectBatchRead('emails'), { inputs: [{ id: '601' }, { id: '602' }, { id: '603' }], properties: ['hs_timestamp', 'hs_email_direction', 'hs_email_status'], propertiesWithHistory: [] })
      .reply(
        200,
        batchResponse([
          crmObject('601', { hs_timestamp: iso(T0 - 10 * DAY), hs_email_direction: 'EMAIL' }),
          crmObject('602', { hs_timestamp: iso(T0 - 40 * DAY), hs_email_direction: 'EMAIL' }),
          crmObject('603', { hs_timestamp: iso(T0 - 4 * DAY), hs_email_direction: 'INCOMING_EMAIL' }),
        ]),
      )
      .post(hubspotPaths.objectBatchRead('meetings'), (body: { inputs: { id: string }[] }) => body.inputs[0]?.id === '651')
      .reply(200, batchResponse([crmObject('651', { hs_timestamp: iso(T0 - 7 * DAY), hs_meeting_start_time: iso(T0 - 7 * DAY), hs_meeting_outcome: 'COMPLETED' })]))
      .post(hubspotPaths.objectBatchRead('tickets'), (body: { inputs: { id: string }[] }) => body.inputs.length === 2)
      .reply(
        200,
        batchResponse([
          crmObject('901', { createdate: iso(T0 - 3 * DAY), closed_date: null, hs_pipeline_stage: '1', hs_ticket_priority: 'URGENT', time_to_first_agent_reply: String(5 * 3_600_000) }),
          crmObject('902', { createdate: iso(T0 - 50 * DAY), closed_date: iso(T0 - 45 * DAY), hs_pipeline_stage: '4', hs_ticket_priority: 'LOW', time_to_first_agent_reply: String(3_600_000) }),
        ]),
      )
      .post(hubspotPaths.objectBatchRead('deals'), (body: { inputs: { id: string }[] }) => body.inputs[0]?.id === '801')
      .reply(200, batchResponse([crmObject('801', { dealname: 'Renewal 2027', dealtype: 'existingbusiness', amount: '48000', closedate: iso(T0 + 60 * DAY), createdate: iso(T0 - 30 * DAY), hs_is_closed: 'false' })]))
      .post(hubspotPaths.associationsBatchRead('contacts', 'feedback_submissions'))
      .reply(404, { status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Unable to infer object type from: feedback_submissions' });
    const report = await pullPortal(
      { client, checkpoints, accounts, signals },
      { connectionId: 'conn-1', asOf: new Date(T0), mapping: { metrics: [{ property: 'active_users_pct', metric: 'usage.active_users_pct' }] } },
    );
    pull.done();
    expect(report.companies).toMatchObject({ phase: 'initial', companies: 2, done: true });
    expect(report.notes).toEqual(['NPS skipped: this portal has no survey responses available (HubSpot 404)']);
    expect(accounts.accounts.get('501')).toMatchObject({ name: 'Company 501', renewalDate: new Date(T0 + 60 * DAY) });
    const value = (id: string, metric: string) => signals.latest(id, metric)?.value;
    expect(value('501', 'usage.active_users_pct')).toBe(21);
    expect(value('501', 'support.open_tickets')).toBe(1);
    expect(value('501', 'support.escalations_90d')).toBe(1);
    expect(value('501', 'contract.days_to_renewal')).toBe(60);
    expect(value('501', 'engagement.email_reply_rate')).toBe(0);
    expect(value('502', 'engagement.days_since_last_touch')).toBe(4);
    expect(value('502', 'engagement.meetings_90d')).toBe(1);

    // 4. Write back the (test-supplied) scores, with a trace for the tier change.
    const traces = new InMemoryTraceStore(time.now);
    const firstScores = new Map([
      ['501', scored(38, 'critical', 'Usage \u221214: weekly active users 21% of seats')],
      ['502', scored(86, 'healthy', 'Engagement +6: meeting held last week')],
    ]);
    const change: HealthChange = {
      companyId: '501',
      previous: { score: 64, tier: 'at_risk' },
      current: { score: 38, tier: 'critical' },
      drivers: [{ label: 'usage', points: -14 }],
      modelVersion: 'v3',
      scoredAt: new Date(T0),
    };
    const expected501 = {
      crmh_health_score: '38',
      crmh_health_tier: 'critical',
      crmh_health_trend: 'declining',
      crmh_health_change_30d: '-12',
      crmh_score_product_usage: '33',
      crmh_score_engagement: '41',
      crmh_score_business_outcomes: '',
      crmh_score_contract_health: '70',
      crmh_health_confidence: '82',
      crmh_churn_risk_pct: '31.4',
      crmh_top_drivers: 'Usage \u221214: weekly active users 21% of seats',
      crmh_lifecycle_stage: 'maturity',
      crmh_model_version: 'v3',
      crmh_scored_at: iso(T0),
      crmh_tier_changed_at: iso(T0),
    };
    const writeBack = nock(API, { reqheaders: { authorization: bearer } })
      .post(hubspotPaths.objectBatchUpdate('companies'), (body: UpdateBody) =>
        body.inputs.length === 2 &&
        JSON.stringify(body.inputs[0]) === JSON.stringify({ id: '501', objectWriteTraceId: '501', properties: expected501 }) &&
        body.inputs[1]?.properties.crmh_health_tier === 'healthy',
      )
      .reply(200, batchResponse([{ ...crmObject('501', {}), objectWriteTraceId: '501' }, { ...crmObject('502', {}), objectWriteTraceId: '502' }]))
      .post(hubspotPaths.objectCreate('notes'), (body: { properties: { hs_note_body: string }; associations: { to: { id: string }; types: { associationTypeId: number }[] }[] }) =>
        body.properties.hs_note_body.startsWith('<p>Health 64 \u2192 38 (At Risk \u2192 Critical). Drivers: usage \u221214.</p>') &&
        body.associations[0]?.to.id === '501' &&
        body.associations[0]?.types[0]?.associationTypeId === 190,
      )
      .reply(201, crmObject('7001', {}));
    const first = await writeBackPortal(
      { client, traces },
      { scores: firstScores, lastWritten: new Map(), changes: [change], trace: { mode: { type: 'note' }, dropThreshold: 15 } },
    );
    writeBack.done();
    expect(first.write).toMatchObject({ sent: 2, batches: 1, failed: [] });
    expect(first.traces).toEqual([{ companyId: '501', outcome: { status: 'posted', remoteId: '7001', reason: 'tier_change' } }]);

    // 5. Next run: only 502's score moved (and its timestamp); 501 is unchanged; the retried
    //    trace for 501 is not posted again.
    const lastWritten = new Map(first.write.written.map((w) => [w.companyId, w.properties]));
    const later = new Date(T0 + DAY);
    const secondScores = new Map([
      ['501', { ...scored(38, 'critical', 'Usage \u221214: weekly active users 21% of seats'), scoredAt: later }],
      ['502', { ...scored(84, 'healthy', 'Engagement +6: meeting held last week'), scoredAt: later }],
    ]);
    const secondRun = nock(API, { reqheaders: { authorization: bearer } })
      .post(hubspotPaths.objectBatchUpdate('companies'), {
        inputs: [
          {
            id: '502',
            objectWriteTraceId: '502',
            properties: { crmh_health_score: '84', crmh_score_product_usage: '79', crmh_score_engagement: '87', crmh_scored_at: later.toISOString() },
          },
        ],
      })
      .reply(200, batchResponse([{ ...crmObject('502', {}), objectWriteTraceId: '502' }]));
    const second = await writeBackPortal({ client, traces }, { scores: secondScores, lastWritten, changes: [change], trace: { mode: { type: 'note' }, dropThreshold: 15 } });
    secondRun.done();
    expect(second.write).toMatchObject({ considered: 2, unchanged: 1, sent: 1, batches: 1 });
    expect(second.traces).toEqual([{ companyId: '501', outcome: { status: 'already_posted', remoteId: '7001' } }]);
  });
});

describe('a full pull', () => {
  it('re-reads mapped properties of companies the incremental search did not return', async () => {
    const time = fakeTime();
    const credentials = new InMemoryCredentialStore();
    const runtime = createHubSpotRuntime({ manifest, app, credentials, lock: new InProcessLock(), sleep: time.sleep, clock: time.now, random: () => 0.5 });
    await credentials.save('conn-2', { accessToken: 'static-token', refreshToken: null, expiresAt: null, scopes: manifest.auth.requiredScopes, hubId: PORTAL_ID, mode: 'static' });
    const client = await createPortalClient(runtime, 'conn-2');
    const checkpoints = new InMemoryCheckpointStore();
    const mapping = { metrics: [{ property: 'active_users_ratio', metric: 'usage.active_user_ratio' }] };
    const scope = nock(API)
      .post(hubspotPaths.objectSearch('companies'))
      .reply(200, searchPage([]))
      .post(hubspotPaths.objectBatchRead('companies'), { inputs: [{ id: '777' }], properties: companyProperties(mapping), propertiesWithHistory: [] })
      .reply(200, batchResponse([company('777', T0 - 30 * DAY, { active_users_ratio: '0.42' })]))
      .post(/\/associations\//)
      .reply(200, { results: [] })
      .persist();
    const signals = new InMemorySignalSink();
    await pullPortal(
      { client, checkpoints, accounts: new InMemoryAccountSink(), signals },
      { connectionId: 'conn-2', asOf: new Date(T0), mapping, alsoRecompute: ['777'] },
    );
    expect(signals.latest('777', 'usage.active_user_ratio')?.value).toBe(0.42);
    expect(signals.latest('777', 'usage.active_user_ratio')?.observedAt).toEqual(new Date(T0));
    scope.done();
  });
});
