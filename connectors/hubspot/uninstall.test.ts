import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../core/error-kinds.ts';
import { InMemoryCredentialStore } from '../core/memory-ports.ts';
import { clearCredentialsOnUninstall, indicatesUninstall, parseUninstallEvents } from './uninstall.ts';

describe('uninstall detection', () => {
  it('finds APP_UNINSTALL lifecycle events in a journal page and ignores the rest', () => {
    const page = {
      results: [
        { subscriptionType: 'APP_LIFECYCLE_EVENT', eventTypeId: '4-1916193', portalId: 24681357, occurredAt: 1_796_000_000_000, action: 'APP_UNINSTALL' },
        { subscriptionType: 'APP_LIFECYCLE_EVENT', eventTypeId: '4-1909196', portalId: 111, occurredAt: 1_796_000_000_000, action: 'APP_INSTALL' },
        { subscriptionType: 'object.propertyChange', portalId: 222, objectTypeId: '0-2' },
        'garbage',
      ],
    };
    expect(parseUninstallEvents(page)).toEqual([{ portalId: '24681357', occurredAt: new Date(1_796_000_000_000) }]);
  });

  it('treats a dead refresh token as an uninstall, other re-auth reasons not', () => {
    expect(indicatesUninstall(new ConnectorError({ kind: 'needs_reauth', provider: 'hubspot', code: 'BAD_REFRESH_TOKEN', message: 'x' }))).toBe(true);
    expect(indicatesUninstall(new ConnectorError({ kind: 'needs_reauth', provider: 'hubspot', code: 'MISSING_SCOPES', message: 'x' }))).toBe(false);
    expect(indicatesUninstall(new Error('x'))).toBe(false);
  });

  it('clears the stored credentials', async () => {
    const store = new InMemoryCredentialStore();
    await store.save('conn', { accessToken: 'a', refreshToken: 'r', expiresAt: null, scopes: [], hubId: '1', mode: 'oauth' });
    expect(await clearCredentialsOnUninstall(store, 'conn')).toBe(true);
    expect(await store.load('conn')).toBeNull();
  });
});
