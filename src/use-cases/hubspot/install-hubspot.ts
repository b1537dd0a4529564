import {
  completeInstall, connectPrivateApp, createPortalClient, provisionPortal, startInstall,
  type CallbackQuery, type InstallConfig, type InstallResult,
} from '../../../connectors/hubspot/index.ts';
import { isConnectorError } from '../../../connectors/core/error-kinds.ts';
import type { StoredCredentials } from '../../../connectors/core/ports.ts';
import type { AppContext } from '../../runtime/app-context.ts';
import { stateStore } from '../../storage/connector-ports.ts';
import { hubspotRuntime } from './hubspot-runtime.ts';

export const HUBSPOT_CALLBACK_PATH = '/oauth/hubspot/callback';

export type QueueFirstSync = (workspaceId: string, connectionId: string) => Promise<void>;

export type ConnectedPortal = {
  workspaceId: string;
  workspaceName: string;
  connectionId: string;
  hubId: string;
  reconnected: boolean;
  provisioned: { created: number; repaired: number; failed: string[] } | { error: string };
  syncQueued: boolean;
};

export class HubSpotNotConfiguredError extends Error {
  override name = 'HubSpotNotConfiguredError';
}

export function installConfig(ctx: AppContext): InstallConfig {
  const { clientId, clientSecret } = ctx.config.hubspot;
  if (!clientId || !clientSecret) {
    throw new HubSpotNotConfiguredError('HubSpot is not configured: set HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET (from the HubSpot app settings).');
  }
  return {
    clientId,
    clientSecret,
    redirectUri: `${ctx.config.publicUrl}${HUBSPOT_CALLBACK_PATH}`,
    stateSecret: ctx.config.stateSecret ?? ctx.keyring.deriveSecret('oauth-state'),
    manifest: hubspotRuntime(ctx).options.manifest,
  };
}

export function beginHubSpotInstall(ctx: AppContext, returnTo?: string): { url: string } {
  const { url } = startInstall(installConfig(ctx), { now: Date.now(), ...(returnTo ? { returnTo } : {}) });
  return { url };
}

/**
 * Saves a portal's credentials under its workspace — the one that already owns the portal
 * (a reinstall reconnects it) or a new one — provisions the health properties and queues the
 * first sync. Provisioning problems are reported, not thrown: the install itself succeeded.
 */
export async function connectPortal(
  ctx: AppContext,
  input: { hubId: string; credentials: StoredCredentials; authMode: 'oauth' | 'static_token'; accountName?: string },
  queueFirstSync?: QueueFirstSync,
): Promise<ConnectedPortal> {
  const existing = await ctx.directory.findByConnection('hubspot', input.hubId);
  const workspace = existing
    ? await ctx.directory.get(existing.workspaceId)
    : await ctx.directory.create({ name: input.accountName ? `HubSpot: ${input.accountName}` : `HubSpot portal ${input.hubId}`, kind: 'crm' });
  if (!workspace) throw new Error(`workspace of HubSpot portal ${input.hubId} vanished`);
  const repo = ctx.workspace(workspace.id);
  const connection = await repo.connections.upsert({
    provider: 'hubspot',
    externalAccountId: input.hubId,
    authMode: input.authMode,
    scopes: input.credentials.scopes,
    credentials: { ...input.credentials, expiresAt: input.credentials.expiresAt?.toISOString() ?? null },
    tokenExpiresAt: input.credentials.expiresAt,
  });
  await repo.connections.updateSettings(connection.id, { connectedAt: new Date().toISOString() });
  await repo.audit.record('installer', existing ? 'hubspot.reconnected' : 'hubspot.installed', input.hubId, { scopes: input.credentials.scopes });

  let provisioned: ConnectedPortal['provisioned'];
  try {
    const client = await createPortalClient(hubspotRuntime(ctx), connection.id);
    const result = await provisionPortal(client);
    provisioned = { created: result.created.length, repaired: result.repaired.length, failed: result.failed.map((f) => `${f.name}: ${f.message}`) };
    // Recorded so the first sync does not provision again; left unset on failures, so it repairs them.
    if (result.failed.length === 0) {
      await repo.connections.updateSettings(connection.id, { provisionedAt: new Date().toISOString() });
    }
  } catch (error) {
    provisioned = { error: isConnectorError(error) ? `${error.kind}: ${error.message}` : (error as Error).message };
    ctx.logger.warn({ err: error, workspaceId: workspace.id }, 'provisioning HubSpot properties failed; the first sync retries it');
  }
  let syncQueued = false;
  if (queueFirstSync) {
    await queueFirstSync(workspace.id, connection.id);
    syncQueued = true;
  }
  return {
    workspaceId: workspace.id, workspaceName: workspace.name, connectionId: connection.id, hubId: input.hubId,
    reconnected: Boolean(existing), provisioned, syncQueued,
  };
}

export async function finishHubSpotInstall(
  ctx: AppContext,
  query: CallbackQuery,
  queueFirstSync?: QueueFirstSync,
): Promise<{ ok: true; portal: ConnectedPortal } | Exclude<InstallResult, { ok: true }>> {
  const runtime = hubspotRuntime(ctx);
  const result = await completeInstall(installConfig(ctx), { appClient: runtime.appClient, stateStore: stateStore(ctx.database.db), now: Date.now }, query);
  if (!result.ok) return result;
  const portal = await connectPortal(ctx, { hubId: result.hubId, credentials: result.credentials, authMode: 'oauth' }, queueFirstSync);
  return { ok: true, portal };
}

export async function connectHubSpotToken(ctx: AppContext, token: string, queueFirstSync?: QueueFirstSync) {
  const result = await connectPrivateApp(hubspotRuntime(ctx).appClient, token);
  if (!result.ok) return result;
  const portal = await connectPortal(ctx, { hubId: result.hubId, credentials: result.credentials, authMode: 'static_token' }, queueFirstSync);
  return { ok: true as const, portal };
}
