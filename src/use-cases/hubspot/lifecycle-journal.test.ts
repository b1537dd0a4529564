import { randomBytes } from 'node:crypto';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InProcessLock } from '../../../connectors/core/lock.ts';
import { InMemoryCredentialStore } from '../../../connectors/core/memory-ports.ts';
import { createHubSpotRuntime, type HubSpotRuntime } from '../../../connectors/hubspot/connection.ts';
import { API, JOURNAL_FILES, clientCredentialsTokenResponse, journalEntry, journalSubscription, lifecycleEvent } from '../../../connectors/hubspot/fixtures/hubspot-shapes.ts';
import { fakeTime } from '../../../connectors/hubspot/fixtures/test-kit.ts';
import { hubspotManifest } from '../../../connectors/hubspot/manifest.ts';
import { hubspotPaths } from '../../../connectors/hubspot/paths.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import { loadConfig } from '../../config/load-config.ts';
import { createLogger } from '../../logging/logger.ts';
import { assembleAppContext, type AppContext } from '../../runtime/app-context.ts';
import { createKeyring, parseKeySpec } from '../../security/keyring.ts';
import { appStateStore } from '../../storage/app-state.ts';
import { LIFECYCLE_JOURNAL_STATE_KEY, pollLifecycleJournal, UNINSTALL_REASON } from './lifecycle-journal.ts';

const KNOWN_PORTAL = 24_681_357;
const OTHER_PORTAL = 13_572_468;
const UNKNOWN_PORTAL = 99_999_999;
const notFound = { status: 'error', message: 'No journal entry after this offset', category: 'OBJECT_NOT_FOUND' };

let database: TestDatabase;
let ctx: AppContext;
let runtime: HubSpotRuntime;

function context(env: Record<string, string>): AppContext {
  return assembleAppContext({
    config: loadConfig(env),
    logger: createLogger({ level: 'silent' }),
    database,
    keyring: createKeyring(parseKeySpec(`k1:${randomBytes(32).toString('base64')}`)),
    redis: null,
  });
}

async function connectPortal(portalId: number, name: string) {
  const workspace = await ctx.directory.create({ name });
  const repo = ctx.workspace(workspace.id);
  const connection = await repo.connections.upsert({
    provider: 'hubspot',
    externalAccountId: String(portalId),
    authMode: 'oauth',
    scopes: ['oauth'],
    credentials: { accessToken: 'portal-access', refreshToken: 'portal-refresh', expiresAt: null, scopes: ['oauth'], hubId: String(portalId), mode: 'oauth' },
    tokenExpiresAt: new Date(Date.now() + 1_800_000),
  });
  return { repo, connection };
}

/** The app token and the subscription check every first poll of a process makes. */
function appSetup(existing: unknown[] = [journalSubscription()]): nock.Scope {
  return nock(API)
    .post(hubspotPaths.token, (body: Record<string, string>) => body.grant_type === 'client_credentials')
    .reply(200, clientCredentialsTokenResponse())
    .get(hubspotPaths.journalSubscriptions)
    .matchHeader('authorization', 'Bearer app-cc-token-1')
    .reply(200, { results: existing });
}

function journalFile(name: string, body: unknown, status = 200): nock.Scope {
  return nock(JOURNAL_FILES, { badheaders: ['authorization'] })
    .get(`/${name}`)
    .query(true)
    .reply(status, body as nock.Body);
}

const storedOffset = async () => (await appStateStore(database.db).get(LIFECYCLE_JOURNAL_STATE_KEY, z.object({ offset: z.string().nullable() })))?.offset;

beforeAll(() => {
  nock.disableNetConnect();
});
beforeEach(async () => {
  database = await createTestDatabase('pglite');
  ctx = context({ HUBSPOT_CLIENT_ID: 'client-id-1', HUBSPOT_CLIENT_SECRET: 'client-secret-1' });
  const time = fakeTime(Date.now());
  runtime = createHubSpotRuntime({
    manifest: hubspotManifest(),
    app: { clientId: 'client-id-1', clientSecret: 'client-secret-1' },
    credentials: new InMemoryCredentialStore(),
    lock: new InProcessLock(),
    sleep: time.sleep,
    clock: time.now,
    random: () => 0.5,
  });
});
afterEach(async () => {
  nock.cleanAll();
  await database?.destroy();
});
afterAll(() => {
  nock.enableNetConnect();
});

describe('pollLifecycleJournal', () => {
  it('disconnects a known portal that uninstalled, two journal pages in, records it and saves the offset', async () => {
    const acme = await connectPortal(KNOWN_PORTAL, 'Acme portal');
    const globex = await connectPortal(OTHER_PORTAL, 'Globex portal');
    const later = Date.now() + 60_000;
    const hubspot = appSetup([])
      .post(hubspotPaths.journalSubscriptions, { subscriptionType: 'APP_LIFECYCLE_EVENT', eventTypeId: '4-1916193', properties: [] })
      .reply(200, journalSubscription())
      .get(hubspotPaths.journalEarliest)
      .reply(200, journalEntry('off-1', 'file-1'))
      .get(hubspotPaths.journalNext('off-1'))
      .reply(200, journalEntry('off-2', 'file-2'))
      .get(hubspotPaths.journalNext('off-2'))
      .reply(404, notFound);
    const files = [
      journalFile('file-1', [lifecycleEvent(OTHER_PORTAL, later, '4-1909196')]),
      journalFile('file-2', [lifecycleEvent(KNOWN_PORTAL, later)]),
    ];

    const report = await pollLifecycleJournal(ctx, { runtime });

    expect(report).toMatchObject({ status: 'polled', subscriptionCreated: true, pages: 2, offset: 'off-2', caughtUp: true });
    const connection = await acme.repo.connections.get(acme.connection.id);
    expect(connection).toMatchObject({ status: 'disconnected', lastError: UNINSTALL_REASON, tokenExpiresAt: null });
    expect(await acme.repo.connections.readCredentials(acme.connection.id, (v) => v)).toBeNull();
    expect(await acme.repo.audit.list()).toMatchObject([
      { actor: 'hubspot', action: 'hubspot.uninstalled', target: String(KNOWN_PORTAL), details: { connectionId: acme.connection.id, source: 'webhooks_journal' } },
    ]);
    // An install event of another portal changes nothing.
    expect(await globex.repo.connections.get(globex.connection.id)).toMatchObject({ status: 'active' });
    expect(await storedOffset()).toBe('off-2');
    hubspot.done();
    for (const file of files) file.done();
  });

  it('ignores an uninstall for a portal no workspace owns', async () => {
    const acme = await connectPortal(KNOWN_PORTAL, 'Acme portal');
    const hubspot = appSetup()
      .get(hubspotPaths.journalEarliest)
      .reply(200, journalEntry('off-1', 'file-1'))
      .get(hubspotPaths.journalNext('off-1'))
      .reply(404, notFound);
    const file = journalFile('file-1', { results: [lifecycleEvent(UNKNOWN_PORTAL, Date.now() + 60_000)] });

    const report = await pollLifecycleJournal(ctx, { runtime });

    expect(report).toMatchObject({ status: 'polled', subscriptionCreated: false, outcomes: [{ outcome: 'unknown_portal', portalId: String(UNKNOWN_PORTAL) }] });
    expect(await acme.repo.connections.get(acme.connection.id)).toMatchObject({ status: 'active' });
    expect(await acme.repo.audit.list()).toEqual([]);
    expect(await storedOffset()).toBe('off-1');
    hubspot.done();
    file.done();
  });

  it('resumes from the saved offset after a failure mid-walk, without replaying handled entries', async () => {
    const acme = await connectPortal(KNOWN_PORTAL, 'Acme portal');
    const globex = await connectPortal(OTHER_PORTAL, 'Globex portal');
    const later = Date.now() + 60_000;
    const firstPoll = appSetup()
      .get(hubspotPaths.journalEarliest)
      .reply(200, journalEntry('off-1', 'file-1'))
      .get(hubspotPaths.journalNext('off-1'))
      .reply(200, journalEntry('off-2', 'file-2'));
    const file1 = journalFile('file-1', [lifecycleEvent(KNOWN_PORTAL, later)]);
    const expiredLink = journalFile('file-2', '<Error><Code>AccessDenied</Code></Error>', 403);

    await expect(pollLifecycleJournal(ctx, { runtime })).rejects.toMatchObject({ kind: 'retryable', code: 'JOURNAL_URL_REJECTED' });
    expect(await storedOffset()).toBe('off-1');
    expect(await acme.repo.connections.get(acme.connection.id)).toMatchObject({ status: 'disconnected' });
    expect(await globex.repo.connections.get(globex.connection.id)).toMatchObject({ status: 'active' });
    firstPoll.done();
    file1.done();
    expiredLink.done();

    // Same process: the token is cached and the subscription known, so the walk starts at once
    // after off-1 — earliest is not asked again and file-1 is not downloaded again.
    const secondPoll = nock(API)
      .get(hubspotPaths.journalNext('off-1'))
      .matchHeader('authorization', 'Bearer app-cc-token-1')
      .reply(200, journalEntry('off-2', 'file-2'))
      .get(hubspotPaths.journalNext('off-2'))
      .reply(404, notFound);
    const file2 = journalFile('file-2', [lifecycleEvent(OTHER_PORTAL, later)]);

    const report = await pollLifecycleJournal(ctx, { runtime });

    expect(report).toMatchObject({ status: 'polled', pages: 1, offset: 'off-2', outcomes: [{ outcome: 'disconnected', portalId: String(OTHER_PORTAL) }] });
    expect(await globex.repo.connections.get(globex.connection.id)).toMatchObject({ status: 'disconnected' });
    expect(await acme.repo.audit.list()).toHaveLength(1);
    expect(await storedOffset()).toBe('off-2');
    secondPoll.done();
    file2.done();
  });

  it('treats a replayed uninstall as done and keeps a portal that installed again afterwards', async () => {
    const acme = await connectPortal(KNOWN_PORTAL, 'Acme portal');
    const globex = await connectPortal(OTHER_PORTAL, 'Globex portal');
    await acme.repo.connections.clearCredentials(acme.connection.id, 'disconnected', UNINSTALL_REASON);
    const hubspot = appSetup()
      .get(hubspotPaths.journalEarliest)
      .reply(200, journalEntry('off-1', 'file-1'))
      .get(hubspotPaths.journalNext('off-1'))
      .reply(404, notFound);
    const file = journalFile('file-1', [lifecycleEvent(KNOWN_PORTAL, Date.now() + 60_000), lifecycleEvent(OTHER_PORTAL, Date.now() - 86_400_000)]);

    const report = await pollLifecycleJournal(ctx, { runtime });

    expect(report).toMatchObject({
      outcomes: [
        { outcome: 'already_disconnected', portalId: String(KNOWN_PORTAL) },
        { outcome: 'reinstalled_since', portalId: String(OTHER_PORTAL) },
      ],
    });
    expect(await globex.repo.connections.get(globex.connection.id)).toMatchObject({ status: 'active' });
    expect(await acme.repo.audit.list()).toEqual([]);
    expect(await globex.repo.audit.list()).toEqual([]);
    hubspot.done();
    file.done();
  });

  it('does nothing without HubSpot app credentials', async () => {
    const unconfigured = context({});
    expect(await pollLifecycleJournal(unconfigured, { runtime })).toEqual({ status: 'not_configured' });
  });
});
