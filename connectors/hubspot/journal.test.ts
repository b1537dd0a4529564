import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isConnectorError } from '../core/error-kinds.ts';
import { InProcessLock } from '../core/lock.ts';
import { InMemoryCredentialStore } from '../core/memory-ports.ts';
import { createHubSpotRuntime } from './connection.ts';
import type { HubSpotRuntime } from './connection.ts';
import {
  API,
  JOURNAL_FILES,
  T0,
  clientCredentialsTokenResponse,
  journalEntry,
  journalSubscription,
  lifecycleEvent,
  serverError502,
} from './fixtures/hubspot-shapes.ts';
import { fakeTime } from './fixtures/test-kit.ts';
import type { FakeTime } from './fixtures/test-kit.ts';
import {
  createJournalClient,
  ensureLifecycleSubscription,
  isUninstallSubscription,
  journalFileEvents,
  readJournal,
  runtimeJournalDownloader,
} from './journal.ts';
import type { JournalPage } from './journal.ts';
import { hubspotManifest } from './manifest.ts';
import { hubspotPaths } from './paths.ts';

const app = { clientId: 'client-id-1', clientSecret: 'client-secret-1' };
const JOURNAL_SCOPES = 'developer.webhooks_journal.read developer.webhooks_journal.subscriptions.read developer.webhooks_journal.subscriptions.write';

function runtime(time: FakeTime = fakeTime()): HubSpotRuntime {
  return createHubSpotRuntime({
    manifest: hubspotManifest(),
    app,
    credentials: new InMemoryCredentialStore(),
    lock: new InProcessLock(),
    sleep: time.sleep,
    clock: time.now,
    random: () => 0.5,
  });
}

function expectClientCredentialsToken(scope: nock.Scope, token = 'app-cc-token-1', expiresIn = 1800): nock.Scope {
  return scope
    .post(hubspotPaths.token, (body: Record<string, string>) =>
      body.grant_type === 'client_credentials' && body.client_id === 'client-id-1' && body.client_secret === 'client-secret-1' && body.scope === JOURNAL_SCOPES,
    )
    .matchHeader('content-type', 'application/x-www-form-urlencoded')
    .reply(200, clientCredentialsTokenResponse(token, expiresIn));
}

/** A pre-signed file download: must arrive without our bearer token. */
function journalFile(name: string, body: unknown, status = 200): nock.Scope {
  return nock(JOURNAL_FILES, { badheaders: ['authorization'] })
    .get(`/${name}`)
    .query({ 'X-Amz-Signature': `sig-${name}`, 'X-Amz-Expires': '900' })
    .reply(status, body as nock.Body);
}

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});

describe('client-credentials token and the uninstall subscription', () => {
  it('creates the APP_LIFECYCLE_EVENT subscription once; a second ensure only lists', async () => {
    const journal = createJournalClient(runtime());
    const hubspot = expectClientCredentialsToken(nock(API))
      .get(hubspotPaths.journalSubscriptions)
      .matchHeader('authorization', 'Bearer app-cc-token-1')
      .reply(200, { results: [journalSubscription({ id: 1, objectTypeId: '0-1', subscriptionType: 'OBJECT', actions: ['CREATE'] })] })
      .post(hubspotPaths.journalSubscriptions, { subscriptionType: 'APP_LIFECYCLE_EVENT', eventTypeId: '4-1916193', properties: [] })
      .matchHeader('authorization', 'Bearer app-cc-token-1')
      .reply(200, journalSubscription({ id: 9_100_001 }))
      .get(hubspotPaths.journalSubscriptions)
      .matchHeader('authorization', 'Bearer app-cc-token-1')
      .reply(200, { results: [journalSubscription({ id: 9_100_001 })] });

    expect(await ensureLifecycleSubscription(journal)).toEqual({ created: true, subscriptionId: '9100001' });
    expect(await ensureLifecycleSubscription(journal)).toEqual({ created: false, subscriptionId: '9100001' });
    hubspot.done(); // one token request served both calls
  });

  it('fetches one token for concurrent callers and a new one once it nears expiry', async () => {
    const time = fakeTime();
    const journal = createJournalClient(runtime(time));
    const first = expectClientCredentialsToken(nock(API), 'app-cc-token-1', 1800)
      .get(hubspotPaths.journalSubscriptions)
      .times(2)
      .matchHeader('authorization', 'Bearer app-cc-token-1')
      .reply(200, { results: [journalSubscription()] });
    await Promise.all([ensureLifecycleSubscription(journal), ensureLifecycleSubscription(journal)]);
    first.done();

    time.advance(26 * 60_000); // inside the 5-minute refresh margin of a 30-minute token
    const second = expectClientCredentialsToken(nock(API), 'app-cc-token-2', 1800)
      .get(hubspotPaths.journalSubscriptions)
      .matchHeader('authorization', 'Bearer app-cc-token-2')
      .reply(200, { results: [journalSubscription()] });
    await ensureLifecycleSubscription(journal);
    second.done();
  });

  it('gets a fresh token once when HubSpot says the app token expired', async () => {
    const journal = createJournalClient(runtime());
    const hubspot = expectClientCredentialsToken(nock(API), 'app-cc-token-1')
      .get(hubspotPaths.journalSubscriptions)
      .matchHeader('authorization', 'Bearer app-cc-token-1')
      .reply(401, { status: 'error', message: 'The OAuth token used to make this call expired.', category: 'EXPIRED_AUTHENTICATION' });
    expectClientCredentialsToken(hubspot, 'app-cc-token-2')
      .get(hubspotPaths.journalSubscriptions)
      .matchHeader('authorization', 'Bearer app-cc-token-2')
      .reply(200, { results: [journalSubscription()] });
    expect(await ensureLifecycleSubscription(journal)).toMatchObject({ created: false });
    hubspot.done();
  });

  it('reports wrong app credentials as our configuration fault (permanent) without leaking the secret', async () => {
    const journal = createJournalClient(runtime());
    nock(API).post(hubspotPaths.token).reply(400, { error: 'invalid_client', error_description: 'client_secret=client-secret-1 is wrong', status: 'BAD_CLIENT_ID', message: 'bad client' });
    const error: unknown = await ensureLifecycleSubscription(journal).catch((e: unknown) => e);
    expect(isConnectorError(error) && error.kind).toBe('permanent');
    expect(String((error as Error).message)).toContain('HUBSPOT_CLIENT_SECRET');
    expect(String((error as Error).message)).not.toContain('client-secret-1');
  });

  it('recognises the uninstall subscription by object type, action or event type, and ignores deleted ones', () => {
    const parse = (o: Record<string, unknown>) => isUninstallSubscription({ id: '1', subscriptionType: 'APP_LIFECYCLE_EVENT', ...o });
    expect(parse({ objectTypeId: '4-1916193' })).toBe(true);
    expect(parse({ actions: ['APP_UNINSTALL'] })).toBe(true);
    expect(parse({ eventTypeId: '4-1916193' })).toBe(true);
    expect(parse({ objectTypeId: '4-1909196', actions: ['APP_INSTALL'] })).toBe(false);
    expect(parse({ objectTypeId: '4-1916193', deletedAt: '2026-11-30T00:00:00Z' })).toBe(false);
  });
});

describe('readJournal', () => {
  function setup() {
    const rt = runtime();
    return { journal: createJournalClient(rt), download: runtimeJournalDownloader(rt) };
  }

  it('walks from the earliest entry across two files, without sending our token to the file host', async () => {
    const { journal, download } = setup();
    const hubspot = expectClientCredentialsToken(nock(API))
      .get(hubspotPaths.journalEarliest)
      .matchHeader('authorization', 'Bearer app-cc-token-1')
      .reply(200, journalEntry('off-1', 'file-1'))
      .get(hubspotPaths.journalNext('off-1'))
      .reply(200, journalEntry('off-2', 'file-2'))
      // An offset just walked cannot have aged out: 404 here means "caught up", no latest check.
      .get(hubspotPaths.journalNext('off-2'))
      .reply(404, { status: 'error', message: 'No entry after offset', category: 'OBJECT_NOT_FOUND' });
    const files = [
      journalFile('file-1', [lifecycleEvent(111, T0 - 60_000, '4-1909196'), { subscriptionType: 'OBJECT', portalId: 111, objectTypeId: '0-2' }]),
      journalFile('file-2', { results: [lifecycleEvent(222, T0 - 30_000)] }),
    ];

    const pages: JournalPage[] = [];
    const result = await readJournal(journal, { offset: null, download, onPage: async (page) => void pages.push(page) });

    expect(pages.map((p) => p.offset)).toEqual(['off-1', 'off-2']);
    expect(result).toMatchObject({ offset: 'off-2', pages: 2, caughtUp: true, restartedFromEarliest: false });
    expect(result.events).toHaveLength(3);
    expect(result.uninstalls).toEqual([{ portalId: '222', occurredAt: new Date(T0 - 30_000) }]);
    hubspot.done();
    for (const file of files) file.done();
  });

  it('continues after a stored offset and reports caught up when nothing is new', async () => {
    const { journal, download } = setup();
    const hubspot = expectClientCredentialsToken(nock(API))
      .get(hubspotPaths.journalNext('off-7'))
      .reply(204)
      .get(hubspotPaths.journalLatest)
      .reply(200, journalEntry('off-7', 'file-7'));
    const result = await readJournal(journal, { offset: 'off-7', download });
    expect(result).toMatchObject({ offset: 'off-7', pages: 0, caughtUp: true, restartedFromEarliest: false, events: [] });
    hubspot.done();
  });

  it('starts over at the earliest entry when the stored offset aged out of the journal', async () => {
    const { journal, download } = setup();
    const hubspot = expectClientCredentialsToken(nock(API))
      .get(hubspotPaths.journalNext('off-old'))
      .reply(404, { status: 'error', message: 'offset expired', category: 'OBJECT_NOT_FOUND' })
      .get(hubspotPaths.journalLatest)
      .reply(200, journalEntry('off-9', 'file-9'))
      .get(hubspotPaths.journalEarliest)
      .reply(200, journalEntry('off-9', 'file-9'))
      .get(hubspotPaths.journalNext('off-9'))
      .reply(404, { status: 'error', message: 'No entry after offset', category: 'OBJECT_NOT_FOUND' });
    const file = journalFile('file-9', [lifecycleEvent(333, T0)]);
    const result = await readJournal(journal, { offset: 'off-old', download });
    expect(result).toMatchObject({ offset: 'off-9', pages: 1, caughtUp: true, restartedFromEarliest: true });
    hubspot.done();
    file.done();
  });

  it('reads the local journal of one portal', async () => {
    const { journal, download } = setup();
    const hubspot = expectClientCredentialsToken(nock(API))
      .get(hubspotPaths.journalLocalEarliest)
      .query({ installPortalId: '24681357' })
      .reply(404, { status: 'error', message: 'empty', category: 'OBJECT_NOT_FOUND' });
    expect(await readJournal(journal, { offset: null, installPortalId: '24681357', download })).toMatchObject({ offset: null, pages: 0, caughtUp: true });
    hubspot.done();
  });

  it('stops after maxPages and says more is waiting', async () => {
    const { journal, download } = setup();
    const hubspot = expectClientCredentialsToken(nock(API)).get(hubspotPaths.journalNext('off-1')).reply(200, journalEntry('off-2', 'file-2'));
    const file = journalFile('file-2', []);
    expect(await readJournal(journal, { offset: 'off-1', maxPages: 1, download })).toMatchObject({ offset: 'off-2', pages: 1, caughtUp: false });
    hubspot.done();
    file.done();
  });

  it('stops at an expired file link after the pages before it were handed over, and retries flaky file hosts', async () => {
    const { journal, download } = setup();
    const hubspot = expectClientCredentialsToken(nock(API))
      .get(hubspotPaths.journalEarliest)
      .reply(200, journalEntry('off-1', 'file-1'))
      .get(hubspotPaths.journalNext('off-1'))
      .reply(200, journalEntry('off-2', 'file-2'));
    const flaky = journalFile('file-1', serverError502, 503);
    const file1 = journalFile('file-1', [lifecycleEvent(111, T0)]);
    const expired = journalFile('file-2', '<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>', 403);

    const saved: string[] = [];
    const error: unknown = await readJournal(journal, { offset: null, download, onPage: async (page) => void saved.push(page.offset) }).catch((e: unknown) => e);

    expect(saved).toEqual(['off-1']);
    expect(isConnectorError(error) && { kind: error.kind, code: error.code, status: error.status }).toEqual({ kind: 'retryable', code: 'JOURNAL_URL_REJECTED', status: 403 });
    expect(String((error as Error).message)).not.toContain('X-Amz-Signature');
    hubspot.done();
    flaky.done();
    file1.done();
    expired.done();
  });

  it('fails visibly on an entry answer in an unexpected shape', async () => {
    const { journal, download } = setup();
    expectClientCredentialsToken(nock(API)).get(hubspotPaths.journalEarliest).reply(200, { offset: 'x' });
    const error: unknown = await readJournal(journal, { offset: null, download }).catch((e: unknown) => e);
    expect(isConnectorError(error) && error.kind).toBe('permanent');
  });
});

describe('journal files', () => {
  it('reads a list, {results}, {events} or a single event', () => {
    const event = lifecycleEvent(1, T0);
    expect(journalFileEvents([event])).toEqual([event]);
    expect(journalFileEvents({ results: [event] })).toEqual([event]);
    expect(journalFileEvents({ events: [event] })).toEqual([event]);
    expect(journalFileEvents(event)).toEqual([event]);
  });
});
