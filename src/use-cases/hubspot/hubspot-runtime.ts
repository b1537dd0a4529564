import { InProcessLock, RedisLock } from '../../../connectors/core/lock.ts';
import type { CredentialStore, StoredCredentials } from '../../../connectors/core/ports.ts';
import { createHubSpotRuntime, hubspotManifest, type HubSpotRuntime } from '../../../connectors/hubspot/index.ts';
import type { AppContext } from '../../runtime/app-context.ts';
import { credentialStore } from '../../storage/connector-ports.ts';

/**
 * Connector runtimes are per process (budgets and locks are shared by every client of a
 * portal); the credential store finds each connection's workspace and goes through that
 * workspace's repository, so tokens are read and sealed only inside their tenant.
 */
function processCredentialStore(ctx: AppContext): CredentialStore {
  const storeFor = async (connectionId: string) => {
    const workspaceId = await ctx.directory.workspaceOfConnection(connectionId);
    return workspaceId ? credentialStore(ctx.workspace(workspaceId)) : null;
  };
  return {
    async load(connectionId) {
      return (await storeFor(connectionId))?.load(connectionId) ?? null;
    },
    async save(connectionId, credentials: StoredCredentials) {
      const store = await storeFor(connectionId);
      if (!store) throw new Error(`connection ${connectionId} no longer exists`);
      await store.save(connectionId, credentials);
    },
    async clear(connectionId) {
      await (await storeFor(connectionId))?.clear(connectionId);
    },
  };
}

const runtimes = new WeakMap<AppContext, HubSpotRuntime>();

export function hubspotRuntime(ctx: AppContext, overrides: { fetch?: typeof fetch } = {}): HubSpotRuntime {
  const cached = runtimes.get(ctx);
  if (cached && !overrides.fetch) return cached;
  const manifest = hubspotManifest({ baseUrl: ctx.config.hubspot.apiBaseUrl, authorizeUrl: ctx.config.hubspot.authorizeUrl });
  const runtime = createHubSpotRuntime({
    manifest,
    app: { clientId: ctx.config.hubspot.clientId ?? '', clientSecret: ctx.config.hubspot.clientSecret ?? '' },
    credentials: processCredentialStore(ctx),
    lock: ctx.redis ? new RedisLock(ctx.redis) : new InProcessLock(),
    ...(ctx.redis ? { redis: ctx.redis } : {}),
    ...(overrides.fetch ? { fetch: overrides.fetch } : {}),
  });
  if (!overrides.fetch) runtimes.set(ctx, runtime);
  return runtime;
}
