import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import { createKeyring, parseKeySpec } from '../../security/keyring.ts';
import { workspaceDirectory } from '../../storage/workspace-directory.ts';
import { workspaceRepository, type WorkspaceRepository } from '../../storage/workspace-repository.ts';
import { updateHubSpotSettings } from './connection-settings.ts';
import { hubspotSettings } from './sync-hubspot.ts';

describe('updateHubSpotSettings', () => {
  let database: TestDatabase;
  let repo: WorkspaceRepository;
  let bare: WorkspaceRepository;
  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    const keyring = createKeyring(parseKeySpec(`k1:${randomBytes(32).toString('base64')}`));
    const dir = workspaceDirectory(database.db);
    repo = workspaceRepository(database.db, (await dir.create({ name: 'Portal' })).id, { keyring });
    bare = workspaceRepository(database.db, (await dir.create({ name: 'No CRM' })).id, { keyring });
    await repo.connections.upsert({ provider: 'hubspot', externalAccountId: '123', authMode: 'static_token', scopes: [], credentials: { accessToken: 'x' } });
  });
  afterAll(async () => database?.destroy());

  it('maps company properties to catalogue metrics and keeps them across changes', async () => {
    await updateHubSpotSettings(repo, { map: [{ property: 'active_users_pct', metric: 'usage.active_user_ratio' }], dropAlertPoints: 12 });
    const after = await updateHubSpotSettings(repo, { map: [{ property: 'renewal_on', metric: 'engagement.days_since_last_touch', transform: 'days_since' }] });
    expect(after.mapping.metrics.map((m) => m.property)).toEqual(['active_users_pct', 'renewal_on']);
    expect(after.dropAlertPoints).toBe(12);
    const stored = (await repo.connections.list())[0];
    expect(hubspotSettings(stored?.settings).mapping.metrics).toHaveLength(2);
    const removed = await updateHubSpotSettings(repo, { unmap: ['renewal_on'], appEventTypeName: 'health_tier_changed' });
    expect(removed.mapping.metrics.map((m) => m.property)).toEqual(['active_users_pct']);
    expect(removed.appEventTypeName).toBe('health_tier_changed');
  });

  it('refuses unknown metrics, bad property names and transforms without saving anything', async () => {
    const before = (await repo.connections.list())[0]?.settings;
    await expect(updateHubSpotSettings(repo, { map: [{ property: 'x', metric: 'usage.made_up' }] })).rejects.toThrow(/unknown metric "usage\.made_up"/);
    await expect(updateHubSpotSettings(repo, { map: [{ property: 'Not A Name', metric: 'support.csat' }] })).rejects.toThrow(/not a HubSpot property name/);
    await expect(updateHubSpotSettings(repo, { map: [{ property: 'csat', metric: 'support.csat', transform: 'squared' }] })).rejects.toThrow(/transform/);
    await expect(updateHubSpotSettings(repo, { unmap: ['never_mapped'] })).rejects.toThrow(/not mapped/);
    expect((await repo.connections.list())[0]?.settings).toEqual(before);
  });

  it('says what to do when the workspace has no HubSpot connection', async () => {
    await expect(updateHubSpotSettings(bare, { dropAlertPoints: 10 })).rejects.toThrow(/no HubSpot connection/);
  });
});
