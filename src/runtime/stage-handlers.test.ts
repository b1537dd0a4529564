import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../connectors/core/error-kinds.ts';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.ts';
import { createLogger } from '../logging/logger.ts';
import type { JobContext } from '../pipeline/types.ts';
import { createKeyring, parseKeySpec } from '../security/keyring.ts';
import { workspaceDirectory } from '../storage/workspace-directory.ts';
import { workspaceRepository, type WorkspaceRepository } from '../storage/workspace-repository.ts';
import { forgettingDeadTokens } from './stage-handlers.ts';

describe('HubSpot stage handlers and dead tokens', () => {
  let database: TestDatabase;
  let repo: WorkspaceRepository;
  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    const keyring = createKeyring(parseKeySpec(`k1:${randomBytes(32).toString('base64')}`));
    repo = workspaceRepository(database.db, (await workspaceDirectory(database.db).create({ name: 'Tokens' })).id, { keyring });
  });
  afterAll(async () => database?.destroy());

  async function failWith(error: ConnectorError) {
    const connection = await repo.connections.upsert({
      provider: 'hubspot', externalAccountId: randomBytes(4).toString('hex'), authMode: 'oauth', scopes: [], credentials: { accessToken: 'at', refreshToken: 'rt' },
    });
    const job = { connectionId: connection.id, repo, logger: createLogger({ level: 'silent' }) } as unknown as JobContext;
    await expect(forgettingDeadTokens(async () => { throw error; })(job)).rejects.toBe(error);
    return repo.connections.readCredentials(connection.id, (v) => v);
  }

  it('removes the tokens when HubSpot refuses the refresh token (uninstalled or revoked)', async () => {
    const refused = new ConnectorError({ kind: 'needs_reauth', provider: 'hubspot', code: 'BAD_REFRESH_TOKEN', message: 'refresh token is invalid' });
    expect(await failWith(refused)).toBeNull();
    expect((await repo.audit.list()).some((a) => a.action === 'hubspot.tokens_revoked')).toBe(true);
  });

  it('keeps the tokens when only a scope is missing or the failure is ours', async () => {
    const scope = new ConnectorError({ kind: 'needs_reauth', provider: 'hubspot', code: 'MISSING_SCOPES', message: 'missing timeline' });
    const ours = new ConnectorError({ kind: 'permanent', provider: 'hubspot', code: 'invalid_client', message: 'check HUBSPOT_CLIENT_SECRET' });
    expect(await failWith(scope)).toMatchObject({ refreshToken: 'rt' });
    expect(await failWith(ours)).toMatchObject({ refreshToken: 'rt' });
  });
});
