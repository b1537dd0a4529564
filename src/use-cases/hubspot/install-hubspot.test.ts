import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HEALTH_PROPERTIES } from '../../../connectors/hubspot/index.ts';
import { API } from '../../../connectors/hubspot/fixtures/hubspot-shapes.ts';
import { hubspotPaths } from '../../../connectors/hubspot/paths.ts';
import { HEALTH_GROUP } from '../../../connectors/hubspot/write/health-properties.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import { loadConfig } from '../../config/load-config.ts';
import { createLogger } from '../../logging/logger.ts';
import { assembleAppContext, type AppContext } from '../../runtime/app-context.ts';
import { createKeyring, parseKeySpec } from '../../security/keyring.ts';
import { connections } from '../../storage/schema.ts';
import { connectHubSpotToken } from './install-hubspot.ts';

const TOKEN = 'pat-na1-0123456789abcdef-SECRET';

describe('connect hubspot --token (private app)', () => {
  let database: TestDatabase;
  let ctx: AppContext;
  beforeAll(async () => {
    nock.disableNetConnect();
    database = await createTestDatabase('pglite');
    ctx = assembleAppContext({
      config: loadConfig({ LOG_LEVEL: 'silent' }), logger: createLogger({ level: 'silent' }), database, redis: null,
      keyring: createKeyring(parseKeySpec(`k1:${randomBytes(32).toString('base64')}`)),
    });
  });
  afterEach(() => nock.cleanAll());
  afterAll(async () => database?.destroy());

  const provisioned = () =>
    nock(API, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
      .get(hubspotPaths.propertyGroup('companies', 'customer_health'))
      .reply(200, { ...HEALTH_GROUP, archived: false })
      .get(hubspotPaths.properties('companies'))
      .query(true)
      .reply(200, { results: HEALTH_PROPERTIES.map((p) => ({ ...p, hidden: false, hasUniqueValue: false, modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: false } })) });

  it('validates the token against HubSpot, then creates the workspace with the token sealed', async () => {
    const account = nock(API, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
      .get(hubspotPaths.accountDetails)
      .reply(200, { portalId: 24681357, timeZone: 'Europe/Berlin', companyCurrency: 'EUR', dataHostingLocation: 'eu1', uiDomain: 'app-eu1.hubspot.com', accountType: 'STANDARD' });
    const provisioning = provisioned();
    const result = await connectHubSpotToken(ctx, TOKEN);
    if (!result.ok) throw new Error(result.message);
    expect(result.portal).toMatchObject({ hubId: '24681357', reconnected: false, provisioned: { created: 0, repaired: 0, failed: [] } });
    account.done();
    provisioning.done();
    const [row] = await database.db.select().from(connections).where(eq(connections.id, result.portal.connectionId));
    expect(row).toMatchObject({ provider: 'hubspot', authMode: 'static_token', status: 'active' });
    expect(row?.sealedCredentials).not.toContain(TOKEN);

    // Running it again reconnects the same workspace instead of creating a second one.
    nock(API).get(hubspotPaths.accountDetails).reply(200, { portalId: 24681357, timeZone: 'Europe/Berlin' });
    provisioned();
    const again = await connectHubSpotToken(ctx, TOKEN);
    expect(again.ok && again.portal).toMatchObject({ workspaceId: result.portal.workspaceId, reconnected: true });
  });

  it('saves nothing when HubSpot rejects the token', async () => {
    const before = (await ctx.directory.list()).length;
    nock(API)
      .get(hubspotPaths.accountDetails)
      .reply(401, { status: 'error', message: 'Authentication credentials not found.', category: 'INVALID_AUTHENTICATION', correlationId: 'c0ffee00-0000-4000-8000-000000000001' });
    const result = await connectHubSpotToken(ctx, 'pat-na1-wrong-token-000000');
    expect(result).toMatchObject({ ok: false, reason: 'invalid_token' });
    expect((await ctx.directory.list()).length).toBe(before);
  });
});
