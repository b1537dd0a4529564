/**
 * The whole HubSpot cycle through the real app wiring, with HubSpot replayed by nock in its
 * documented request/response shapes: marketplace install (our Express routes) → provisioning
 * → first sync on the embedded pipeline (pull → score → write-back → actions) → a second,
 * incremental sync that writes only what changed and leaves a note on the company timeline.
 * Every request body HubSpot receives is asserted, and scope.done() proves every call happened.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { eq } from 'drizzle-orm';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, PORTAL_ID, associationsResponse, batchResponse, company, crmObject, iso, searchPage, tokenResponse } from '../connectors/hubspot/fixtures/hubspot-shapes.ts';
import { HUBSPOT_MANIFEST } from '../connectors/hubspot/manifest.ts';
import { hubspotPaths } from '../connectors/hubspot/paths.ts';
import { DEAL_PROPERTIES } from '../connectors/hubspot/pull/deals.ts';
import { EMAIL_PROPERTIES, MEETING_PROPERTIES } from '../connectors/hubspot/pull/engagements.ts';
import { TICKET_PROPERTIES } from '../connectors/hubspot/pull/tickets.ts';
import { HEALTH_PROPERTIES, TIER_LABELS, toHealthProperties, type HealthTier } from '../connectors/hubspot/write/health-properties.ts';
import { NOTE_TO_COMPANY_ASSOCIATION_TYPE, traceKey, traceMarker } from '../connectors/hubspot/write/timeline-note.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { createLogger } from '../src/logging/logger.ts';
import { followRun } from '../src/pipeline/follow-run.ts';
import { createPipeline, type Pipeline } from '../src/pipeline/pipeline.ts';
import { createHandlerRegistry } from '../src/pipeline/stage-handlers.ts';
import { assembleAppContext, type AppContext } from '../src/runtime/app-context.ts';
import { buildStageHandlers } from '../src/runtime/stage-handlers.ts';
import { createKeyring, parseKeySpec } from '../src/security/keyring.ts';
import { createHttpApp } from '../src/server/create-http-app.ts';
import { createHubSpotInstallRouter } from '../src/server/hubspot/install-router.ts';
import { startHttpServer, type RunningServer } from '../src/server/start-http-server.ts';
import { connections } from '../src/storage/schema.ts';
import type { ScoreRow } from '../src/storage/workspace-repository.ts';
import { healthValues, hubspotSettings } from '../src/use-cases/hubspot/sync-hubspot.ts';
import { createTestDatabase, type TestDatabase } from './support/test-database.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** Fixture times are relative to the test's start: the pipeline pulls and scores "as of now". */
const NOW = Date.now();
const REDIRECT_URI = 'https://health.example.com/oauth/hubspot/callback';
const BEARER = 'Bearer CKz-access-token-new';
const ACCESS_TOKEN = 'CKz-access-token-new';
const FEEDBACK_SCOPE = 'crm.objects.feedback_submissions.read';
const WEAK = '501';
const HEALTHY = '502';

/** Admin-mapped company properties → the whole Usage category of the default model (40 %). */
const METRIC_MAPPING = [
  { property: 'health_active_ratio', metric: 'usage.active_user_ratio' },
  { property: 'health_login_days', metric: 'usage.login_days_30d' },
  { property: 'health_feature_adoption', metric: 'usage.feature_adoption' },
  { property: 'health_session_minutes', metric: 'usage.session_minutes_per_user' },
  { property: 'health_user_growth', metric: 'usage.user_growth_90d' },
  { property: 'health_api_change', metric: 'usage.api_calls_change_30d' },
];
const STRONG_USAGE = {
  health_active_ratio: '0.9', health_login_days: '22', health_feature_adoption: '0.75',
  health_session_minutes: '180', health_user_growth: '0.15', health_api_change: '0.2',
};
const WEAK_USAGE = {
  health_active_ratio: '0.05', health_login_days: '1', health_feature_adoption: '0.05',
  health_session_minutes: '3', health_user_growth: '-0.3', health_api_change: '-0.4',
};
const COLLAPSED_USAGE = {
  health_active_ratio: '0.02', health_login_days: '0', health_feature_adoption: '0.02',
  health_session_minutes: '1', health_user_growth: '-0.5', health_api_change: '-0.6',
};
const COMPANY_PROPERTIES = [
  'name', 'domain', 'lifecyclestage', 'hubspot_owner_id', 'hs_lastmodifieddate', 'createdate',
  'industry', 'numberofemployees', 'annualrevenue', 'country', 'type',
  ...METRIC_MAPPING.map((m) => m.property),
  'hs_lifecyclestage_customer_date',
];
const SEARCH = { sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }], properties: COMPANY_PROPERTIES, limit: 200 };

const FIRST_MODIFIED = { [WEAK]: NOW - 2 * DAY, [HEALTHY]: NOW - DAY };
const SECOND_MODIFIED = NOW - HOUR;

type UpdateInput = { id: string; objectWriteTraceId: string; properties: Record<string, string> };
type NoteBody = {
  properties: { hs_timestamp: string; hs_note_body: string };
  associations: { to: { id: string }; types: { associationCategory: string; associationTypeId: number }[] }[];
};

let database: TestDatabase;
let ctx: AppContext;
let pipeline: Pipeline;
let server: RunningServer;
let dataDir: string;
const queuedRuns: string[] = [];
const unmatched: string[] = [];

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  nock.emitter.on('no match', (request: Request) => {
    if (request.url.startsWith(API)) unmatched.push(`${request.method} ${request.url}`);
  });
  dataDir = mkdtempSync(join(tmpdir(), 'crmh-hubspot-e2e-'));
  database = await createTestDatabase('pglite');
  const config = loadConfig({
    HUBSPOT_CLIENT_ID: 'client-1', HUBSPOT_CLIENT_SECRET: 'secret-1', PUBLIC_URL: 'https://health.example.com', DATA_DIR: dataDir, LOG_LEVEL: 'silent',
  });
  const logger = createLogger({ level: 'silent' });
  const keyring = createKeyring(parseKeySpec(`k1:${randomBytes(32).toString('base64')}`));
  ctx = assembleAppContext({ config, logger, database, keyring, redis: null });

  pipeline = createPipeline(ctx, { handlers: createHandlerRegistry(buildStageHandlers(ctx)) });
  await pipeline.startProcessing('worker', { schedules: false });

  const queueFirstSync = async (workspaceId: string, connectionId: string) => {
    // Stands in for the admin mapping company properties to metrics before the first run starts.
    const repo = ctx.workspace(workspaceId);
    const connection = await repo.connections.get(connectionId);
    await repo.connections.updateSettings(connectionId, { ...connection?.settings, mapping: { metrics: METRIC_MAPPING } });
    const started = await pipeline.startRun(workspaceId, { kind: 'sync', trigger: 'manual', options: { full: true } });
    queuedRuns.push(started.run.id);
  };
  const app = createHttpApp({ logger, readiness: [], routers: [{ path: '/', router: createHubSpotInstallRouter(ctx, queueFirstSync) }] });
  server = await startHttpServer(app, 0, '127.0.0.1');
});

afterAll(async () => {
  await server?.stop(1_000);
  await pipeline?.stop();
  await database?.destroy();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  nock.emitter.removeAllListeners('no match');
  nock.cleanAll();
  nock.enableNetConnect();
});

/** A request-body matcher that records what HubSpot received, for exact assertions after the run. */
function capture<T>(into: T[]) {
  return (body: T) => {
    into.push(body);
    return true;
  };
}

const ids = (...list: string[]) => ({ inputs: list.map((id) => ({ id })) });
const read = (list: string[], properties: readonly string[]) => ({ ...ids(...list), properties: [...properties], propertiesWithHistory: [] });
const assoc = (to: 'contacts' | 'deals' | 'tickets' | 'calls' | 'emails' | 'meetings' | 'notes') => hubspotPaths.associationsBatchRead('companies', to);
const feedback404 = { status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Unable to infer object type from: feedback_submissions' };

async function runToEnd(workspaceId: string, runId: string) {
  const final = await followRun(ctx.workspace(workspaceId), runId, () => undefined, { intervalMs: 50 });
  expect(final.error, `run ${runId} failed; pending mocks: ${nock.pendingMocks().join(', ')}; unmatched: ${unmatched.join(', ')}`).toBeNull();
  expect(final.status).toBe('succeeded');
  return final;
}

async function latestScores(workspaceId: string): Promise<Map<string, ScoreRow>> {
  const repo = ctx.workspace(workspaceId);
  const accounts = await repo.accounts.findByCrmIds([WEAK, HEALTHY]);
  const rows = await repo.scores.latest(accounts.map((a) => a.id));
  const crmOf = new Map(accounts.map((a) => [a.id, a.crmId]));
  return new Map(rows.map((r) => [crmOf.get(r.accountId) ?? '', r]));
}

function must<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`${what} is missing`);
  return value;
}

describe('HubSpot end to end through the app (install route → embedded pipeline → write-back → note)', () => {
  it('installs, provisions, syncs and scores, writes health back, then writes only what changed with a timeline note', { timeout: 90_000 }, async () => {
    // ── 1. Install: our route redirects to HubSpot's consent screen with a signed state. ──
    const install = await fetch(`${server.url}/oauth/hubspot/install`, { redirect: 'manual' });
    expect(install.status).toBe(302);
    const authorize = new URL(must(install.headers.get('location'), 'Location header'));
    expect(`${authorize.origin}${authorize.pathname}`).toBe('https://app.hubspot.com/oauth/authorize');
    expect(authorize.searchParams.get('client_id')).toBe('client-1');
    expect(authorize.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(authorize.searchParams.get('scope')?.split(' ')).toEqual(HUBSPOT_MANIFEST.auth.requiredScopes);
    expect(authorize.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['oauth', 'crm.objects.companies.write', 'crm.schemas.companies.write', 'tickets']));
    expect(authorize.searchParams.get('optional_scope')?.split(' ')).toEqual(['timeline', FEEDBACK_SCOPE]);
    const state = must(authorize.searchParams.get('state'), 'state');

    // ── 2. HubSpot for the callback: token exchange, then provisioning. ──
    const grantedScopes = [...HUBSPOT_MANIFEST.auth.requiredScopes, FEEDBACK_SCOPE];
    const token = nock(API)
      .post(hubspotPaths.token, { grant_type: 'authorization_code', client_id: 'client-1', client_secret: 'secret-1', redirect_uri: REDIRECT_URI, code: 'auth-code' })
      .reply(200, tokenResponse({ scopes: grantedScopes }));
    const provision = nock(API, { reqheaders: { authorization: BEARER } })
      .get(hubspotPaths.propertyGroup('companies', 'customer_health'))
      .reply(404, { status: 'error', category: 'OBJECT_NOT_FOUND', message: 'resource not found' })
      .post(hubspotPaths.propertyGroups('companies'), { name: 'customer_health', label: 'Customer Health', displayOrder: -1 })
      .reply(201, { name: 'customer_health', label: 'Customer Health', displayOrder: -1, archived: false })
      .get(hubspotPaths.properties('companies'))
      .query({ archived: 'false' })
      .reply(200, { results: [] })
      .post(hubspotPaths.propertiesBatchCreate('companies'), (body: unknown) => isDeepStrictEqual(body, JSON.parse(JSON.stringify({ inputs: HEALTH_PROPERTIES }))))
      .reply(201, batchResponse(HEALTH_PROPERTIES));

    // ── 3. HubSpot for the first sync (queued by the callback): the initial pull of both companies. ──
    const both = ids(WEAK, HEALTHY);
    const firstPull = nock(API, { reqheaders: { authorization: BEARER } })
      .post(hubspotPaths.objectSearch('companies'), { filterGroups: [], ...SEARCH })
      .reply(200, searchPage([company(WEAK, FIRST_MODIFIED[WEAK], WEAK_USAGE), company(HEALTHY, FIRST_MODIFIED[HEALTHY], STRONG_USAGE)]))
      .post(assoc('contacts'), both)
      .reply(200, associationsResponse({ [WEAK]: ['701'], [HEALTHY]: ['702'] }, 280))
      .post(assoc('deals'), both)
      .reply(200, associationsResponse({ [WEAK]: ['801'], [HEALTHY]: ['802'] }, 342))
      .post(assoc('tickets'), both)
      .reply(200, associationsResponse({ [WEAK]: ['901', '902'], [HEALTHY]: ['903'] }, 340))
      .post(assoc('calls'), both)
      .reply(200, associationsResponse({ [WEAK]: [], [HEALTHY]: [] }, 181))
      .post(assoc('emails'), both)
      .reply(200, associationsResponse({ [WEAK]: ['601', '602'], [HEALTHY]: ['603', '604'] }, 185))
      .post(assoc('meetings'), both)
      .reply(200, associationsResponse({ [WEAK]: [], [HEALTHY]: ['651'] }, 187))
      .post(assoc('notes'), both)
      .reply(200, associationsResponse({ [WEAK]: [], [HEALTHY]: [] }, 189))
      .post(hubspotPaths.objectBatchRead('emails'), read(['601', '602', '603', '604'], EMAIL_PROPERTIES))
      .reply(200, batchResponse([
        // The weak company's outreach goes unanswered; the healthy one answered four days ago.
        crmObject('601', { hs_timestamp: iso(NOW - 20 * DAY), hs_email_direction: 'EMAIL', hs_email_status: 'SENT' }),
        crmObject('602', { hs_timestamp: iso(NOW - 8 * DAY), hs_email_direction: 'EMAIL', hs_email_status: 'SENT' }),
        crmObject('603', { hs_timestamp: iso(NOW - 6 * DAY), hs_email_direction: 'EMAIL', hs_email_status: 'SENT' }),
        crmObject('604', { hs_timestamp: iso(NOW - 4 * DAY), hs_email_direction: 'INCOMING_EMAIL', hs_email_status: null }),
      ]))
      .post(hubspotPaths.objectBatchRead('meetings'), read(['651'], MEETING_PROPERTIES))
      .reply(200, batchResponse([crmObject('651', { hs_timestamp: iso(NOW - 7 * DAY), hs_meeting_start_time: iso(NOW - 7 * DAY), hs_meeting_outcome: 'COMPLETED' })]))
      .post(hubspotPaths.objectBatchRead('tickets'), read(['901', '902', '903'], TICKET_PROPERTIES))
      .reply(200, batchResponse([
        crmObject('901', { createdate: iso(NOW - 3 * DAY), closed_date: null, hs_pipeline_stage: '1', hs_ticket_priority: 'URGENT', time_to_first_agent_reply: String(5 * HOUR) }),
        crmObject('902', { createdate: iso(NOW - 10 * DAY), closed_date: null, hs_pipeline_stage: '2', hs_ticket_priority: 'HIGH', time_to_first_agent_reply: String(30 * HOUR) }),
        crmObject('903', { createdate: iso(NOW - 50 * DAY), closed_date: iso(NOW - 45 * DAY), hs_pipeline_stage: '4', hs_ticket_priority: 'LOW', time_to_first_agent_reply: String(HOUR) }),
      ]))
      .post(hubspotPaths.objectBatchRead('deals'), read(['801', '802'], DEAL_PROPERTIES))
      .reply(200, batchResponse([
        crmObject('801', { dealname: 'Renewal 2027', dealtype: 'existingbusiness', amount: '48000', closedate: iso(NOW + 60 * DAY), createdate: iso(NOW - 30 * DAY), hs_is_closed: 'false' }),
        crmObject('802', { dealname: 'Renewal 2027', dealtype: 'existingbusiness', amount: '120000', closedate: iso(NOW + 200 * DAY), createdate: iso(NOW - 30 * DAY), hs_is_closed: 'false' }),
      ]))
      .post(hubspotPaths.associationsBatchRead('contacts', 'feedback_submissions'), ids('701', '702'))
      .reply(404, feedback404);
    // Write-back: the body depends on what the scoring engine computes, so it is captured here
    // and compared with the stored scores after the run.
    const firstUpdates: { inputs: UpdateInput[] }[] = [];
    const firstWrite = nock(API, { reqheaders: { authorization: BEARER } })
      .post(hubspotPaths.objectBatchUpdate('companies'), capture(firstUpdates))
      .reply(200, batchResponse([{ ...crmObject(WEAK, {}), objectWriteTraceId: WEAK }, { ...crmObject(HEALTHY, {}), objectWriteTraceId: HEALTHY }]));

    // ── 4. The callback: installed, provisioned, first sync queued. ──
    const callback = await fetch(`${server.url}/oauth/hubspot/callback?code=auth-code&state=${encodeURIComponent(state)}`);
    const page = await callback.text();
    expect(callback.status, page).toBe(200);
    expect(page).toContain('crm-health is installed');
    expect(page).toContain(`Portal ${PORTAL_ID} is connected to workspace`);
    expect(page).toContain(`(${HEALTH_PROPERTIES.length} properties created, 0 repaired)`);
    expect(page).toContain('The first sync is running');
    token.done();
    provision.done();

    const found = must(await ctx.directory.findByConnection('hubspot', PORTAL_ID), 'workspace of the portal');
    const { workspaceId, connectionId } = found;
    const repo = ctx.workspace(workspaceId);
    const connection = must(await repo.connections.get(connectionId), 'connection');
    expect(connection).toMatchObject({ provider: 'hubspot', externalAccountId: PORTAL_ID, authMode: 'oauth', status: 'active', scopes: grantedScopes });
    // Sealed at rest: the raw column never holds the token, yet the repository opens it.
    const [raw] = await database.db
      .select({ sealed: connections.sealedCredentials })
      .from(connections)
      .where(eq(connections.id, connectionId));
    expect(raw?.sealed).toBeTruthy();
    expect(raw?.sealed).not.toContain(ACCESS_TOKEN);
    expect(raw?.sealed).not.toContain('na1-refresh-token-1111');
    expect(await repo.connections.readCredentials(connectionId, (v) => v)).toMatchObject({ accessToken: ACCESS_TOKEN, refreshToken: 'na1-refresh-token-1111', hubId: PORTAL_ID });
    // Install recorded the provisioning, so the sync does not provision again.
    expect(hubspotSettings(connection.settings).provisionedAt).not.toBeNull();
    expect(hubspotSettings(connection.settings).mapping.metrics).toEqual(METRIC_MAPPING);
    expect(queuedRuns).toHaveLength(1);

    // The state is single-use: replaying the callback is refused without calling HubSpot.
    const replay = await fetch(`${server.url}/oauth/hubspot/callback?code=auth-code&state=${encodeURIComponent(state)}`);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('already used');

    // ── 5. The first sync runs to the end. ──
    const firstRunId = must(queuedRuns[0], 'first run id');
    await runToEnd(workspaceId, firstRunId);
    firstPull.done();
    firstWrite.done();
    expect(unmatched).toEqual([]);

    const first = await latestScores(workspaceId);
    const weak1 = must(first.get(WEAK), 'weak score');
    const healthy1 = must(first.get(HEALTHY), 'healthy score');
    expect(weak1).toMatchObject({ tier: 'critical', insufficientData: false, modelKey: 'default' });
    expect(healthy1).toMatchObject({ tier: 'healthy', insufficientData: false, modelKey: 'default' });
    expect(healthy1.score ?? 0).toBeGreaterThanOrEqual(80);
    expect(weak1.score ?? 100).toBeLessThan(40);

    // Exactly one batch update with every health property of both companies, as scored.
    const written1 = { [WEAK]: toHealthProperties(healthValues(weak1)), [HEALTHY]: toHealthProperties(healthValues(healthy1)) };
    expect(firstUpdates).toEqual([{
      inputs: [
        { id: WEAK, objectWriteTraceId: WEAK, properties: written1[WEAK] },
        { id: HEALTHY, objectWriteTraceId: HEALTHY, properties: written1[HEALTHY] },
      ],
    }]);
    const sentHealthy = must(firstUpdates[0]?.inputs[1], 'healthy input').properties;
    expect(Object.keys(sentHealthy).sort()).toEqual(HEALTH_PROPERTIES.map((p) => p.name).sort());
    expect(sentHealthy).toMatchObject({
      crmh_health_score: String(healthy1.score),
      crmh_health_tier: 'healthy',
      crmh_health_confidence: String(Math.round((healthy1.confidence ?? 0) * 100)),
      crmh_model_version: 'default v1',
      crmh_scored_at: healthy1.asOf.toISOString(),
      crmh_tier_changed_at: healthy1.asOf.toISOString(),
    });
    expect(sentHealthy.crmh_top_drivers).toMatch(/^Usage \+\d+: weekly active users 90 % of seats$/m);
    expect(must(firstUpdates[0]?.inputs[0], 'weak input').properties).toMatchObject({ crmh_health_tier: 'critical', crmh_model_version: 'default v1' });
    expect(must(firstUpdates[0]?.inputs[0], 'weak input').properties.crmh_top_drivers).toContain('weekly active users 5 % of seats');
    // What was written is remembered for the next diff.
    const accounts = await repo.accounts.findByCrmIds([WEAK, HEALTHY]);
    const accountOf = new Map(accounts.map((a) => [a.crmId, a.id]));
    const stored1 = await repo.crmWrites.get('hubspot', accounts.map((a) => a.id));
    expect(stored1.get(must(accountOf.get(WEAK), 'weak account'))).toEqual(written1[WEAK]);
    expect(stored1.get(must(accountOf.get(HEALTHY), 'healthy account'))).toEqual(written1[HEALTHY]);
    // No note on the first sync: there is no previous score to compare with (no notes interceptor,
    // and nothing unmatched reached HubSpot).
    const run1 = must(await repo.jobRuns.get(firstRunId), 'first run');
    expect(run1.progress).toMatchObject({ counts: { pulled: 2, scored: 2, written: 2, unchanged: 0, failed: 0, traces: 0 } });

    // ── 6. Second sync: only the healthy company changed in HubSpot; its usage collapsed and
    //       three urgent tickets opened. ──
    const secondPull = nock(API, { reqheaders: { authorization: BEARER } })
      .post(hubspotPaths.objectSearch('companies'), {
        filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: String(FIRST_MODIFIED[HEALTHY]) }] }],
        ...SEARCH,
      })
      .reply(200, searchPage([company(HEALTHY, SECOND_MODIFIED, COLLAPSED_USAGE)]))
      .post(assoc('contacts'), ids(HEALTHY))
      .reply(200, associationsResponse({ [HEALTHY]: ['702'] }, 280))
      .post(assoc('deals'), ids(HEALTHY))
      .reply(200, associationsResponse({ [HEALTHY]: ['802'] }, 342))
      .post(assoc('tickets'), ids(HEALTHY))
      .reply(200, associationsResponse({ [HEALTHY]: ['903', '904', '905', '906'] }, 340))
      .post(assoc('calls'), ids(HEALTHY))
      .reply(200, associationsResponse({ [HEALTHY]: [] }, 181))
      .post(assoc('emails'), ids(HEALTHY))
      .reply(200, associationsResponse({ [HEALTHY]: ['603', '604'] }, 185))
      .post(assoc('meetings'), ids(HEALTHY))
      .reply(200, associationsResponse({ [HEALTHY]: ['651'] }, 187))
      .post(assoc('notes'), ids(HEALTHY))
      .reply(200, associationsResponse({ [HEALTHY]: [] }, 189))
      .post(hubspotPaths.objectBatchRead('emails'), read(['603', '604'], EMAIL_PROPERTIES))
      .reply(200, batchResponse([
        crmObject('603', { hs_timestamp: iso(NOW - 6 * DAY), hs_email_direction: 'EMAIL', hs_email_status: 'SENT' }),
        crmObject('604', { hs_timestamp: iso(NOW - 4 * DAY), hs_email_direction: 'INCOMING_EMAIL', hs_email_status: null }),
      ]))
      .post(hubspotPaths.objectBatchRead('meetings'), read(['651'], MEETING_PROPERTIES))
      .reply(200, batchResponse([crmObject('651', { hs_timestamp: iso(NOW - 7 * DAY), hs_meeting_start_time: iso(NOW - 7 * DAY), hs_meeting_outcome: 'COMPLETED' })]))
      .post(hubspotPaths.objectBatchRead('tickets'), read(['903', '904', '905', '906'], TICKET_PROPERTIES))
      .reply(200, batchResponse([
        crmObject('903', { createdate: iso(NOW - 50 * DAY), closed_date: iso(NOW - 45 * DAY), hs_pipeline_stage: '4', hs_ticket_priority: 'LOW', time_to_first_agent_reply: String(HOUR) }),
        ...['904', '905', '906'].map((id) =>
          crmObject(id, { createdate: iso(NOW - 2 * DAY), closed_date: null, hs_pipeline_stage: '1', hs_ticket_priority: 'URGENT', time_to_first_agent_reply: String(40 * HOUR) }),
        ),
      ]))
      .post(hubspotPaths.objectBatchRead('deals'), read(['802'], DEAL_PROPERTIES))
      .reply(200, batchResponse([
        crmObject('802', { dealname: 'Renewal 2027', dealtype: 'existingbusiness', amount: '120000', closedate: iso(NOW + 200 * DAY), createdate: iso(NOW - 30 * DAY), hs_is_closed: 'false' }),
      ]))
      .post(hubspotPaths.associationsBatchRead('contacts', 'feedback_submissions'), ids('702'))
      .reply(404, feedback404);
    const secondUpdates: { inputs: UpdateInput[] }[] = [];
    const notes: NoteBody[] = [];
    const secondWrite = nock(API, { reqheaders: { authorization: BEARER } })
      .post(hubspotPaths.objectBatchUpdate('companies'), capture(secondUpdates))
      .reply(200, batchResponse([{ ...crmObject(HEALTHY, {}), objectWriteTraceId: HEALTHY }]))
      .post(hubspotPaths.objectCreate('notes'), capture(notes))
      .reply(201, crmObject('7001', {}));

    const second = await pipeline.startRun(workspaceId, { kind: 'sync', trigger: 'manual' });
    expect(second.created).toBe(true);
    await runToEnd(workspaceId, second.run.id);
    secondPull.done();
    secondWrite.done();
    expect(unmatched).toEqual([]);

    const after = await latestScores(workspaceId);
    const healthy2 = must(after.get(HEALTHY), 'healthy rescore');
    // The weak company had no new signals: it was not rescored.
    expect(after.get(WEAK)?.id).toBe(weak1.id);
    expect(healthy2.id).not.toBe(healthy1.id);
    expect(healthy2.tier).not.toBe('healthy');
    expect(healthy2.insufficientData).toBe(false);
    expect(healthy2.score ?? 100).toBeLessThan(healthy1.score ?? 0);

    // Only the changed company, with only its changed properties (and the new scored-at).
    const full2 = toHealthProperties(healthValues(healthy2));
    const changed = Object.fromEntries(Object.entries(full2).filter(([name, value]) => written1[HEALTHY][name] !== value));
    expect(secondUpdates).toEqual([{ inputs: [{ id: HEALTHY, objectWriteTraceId: HEALTHY, properties: changed }] }]);
    expect(changed).toMatchObject({
      crmh_health_score: String(healthy2.score),
      crmh_health_tier: healthy2.tier,
      crmh_scored_at: healthy2.asOf.toISOString(),
      crmh_tier_changed_at: healthy2.asOf.toISOString(),
    });
    expect(changed).toHaveProperty('crmh_score_product_usage');
    expect(changed).toHaveProperty('crmh_top_drivers');
    for (const unchanged of ['crmh_model_version', 'crmh_health_confidence', 'crmh_lifecycle_stage', 'crmh_score_contract_health']) {
      expect(changed).not.toHaveProperty(unchanged);
    }

    // The tier change leaves one note on the company's timeline.
    const tierChange = `(Healthy \u2192 ${TIER_LABELS[healthy2.tier as HealthTier]})`;
    const drivers = must((healthy2.result as { drivers?: { points: number; text: string }[] }).drivers, 'drivers');
    const driverText = drivers
      .slice(0, 3)
      .map((d) => `${d.text.slice(d.text.indexOf(': ') + 2)} ${d.points < 0 ? '\u2212' : '+'}${Math.abs(d.points)}`)
      .join(', ');
    const text = `Health ${healthy1.score} \u2192 ${healthy2.score} ${tierChange}. Drivers: ${driverText}.`;
    const marker = traceMarker(traceKey(PORTAL_ID, { companyId: HEALTHY, scoredAt: healthy2.asOf, previous: { score: null, tier: null }, current: { score: null, tier: 'healthy' }, drivers: [], modelVersion: '' }));
    expect(notes).toEqual([{
      properties: {
        hs_timestamp: healthy2.asOf.toISOString(),
        hs_note_body: `<p>${text}</p><p><small>crm-health ref ${marker}</small></p>`,
      },
      associations: [{ to: { id: HEALTHY }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: NOTE_TO_COMPANY_ASSOCIATION_TYPE }] }],
    }]);
    expect(must(notes[0], 'note').properties.hs_note_body.startsWith(`<p>Health ${healthy1.score} \u2192 ${healthy2.score} ${tierChange}.`)).toBe(true);
    // Each driver reads "<what> <points>" once, without the category prefix of the stored text.
    expect(text).not.toMatch(/(Usage|Engagement) [+\u2212]\d+:/);
    expect(text).toContain('weekly active users 2 % of seats \u2212');

    // ── 7. Pipeline bookkeeping and the remembered write state. ──
    const runs = await repo.jobRuns.recent();
    expect(runs.map((r) => ({ id: r.id, kind: r.kind, status: r.status }))).toEqual([
      { id: second.run.id, kind: 'sync', status: 'succeeded' },
      { id: firstRunId, kind: 'sync', status: 'succeeded' },
    ]);
    expect(runs[0]?.progress).toMatchObject({ counts: { pulled: 1, scored: 1, written: 1, unchanged: 1, failed: 0, traces: 1 } });
    const stored2 = await repo.crmWrites.get('hubspot', accounts.map((a) => a.id));
    expect(stored2.get(must(accountOf.get(HEALTHY), 'healthy account'))).toEqual(full2);
    expect(stored2.get(must(accountOf.get(WEAK), 'weak account'))).toEqual(written1[WEAK]);
    expect(nock.pendingMocks()).toEqual([]);
  });
});
