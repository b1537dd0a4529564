/**
 * Use cases behind the install routes and the `connect hubspot --token` command. They return
 * result objects that say exactly what happened; the caller (server/CLI) formats them and
 * saves the credentials under the workspace connection it creates or reconnects.
 */
import { isConnectorError } from '../core/error-kinds.ts';
import type { ConnectorError } from '../core/error-kinds.ts';
import type { StateStore, StoredCredentials } from '../core/ports.ts';
import type { HubSpotClient } from './client.ts';
import type { HubSpotManifest } from './manifest.ts';
import { buildAuthorizeUrl, completeTokenIdentity, exchangeCode, fetchAccountDetails } from './oauth.ts';
import type { AccountDetails, OAuthAppConfig } from './oauth.ts';
import { createSignedState, verifySignedState } from './oauth-state.ts';
import { StaticTokenProvider } from './token-provider.ts';

export interface InstallConfig extends OAuthAppConfig {
  redirectUri: string;
  /** ≥ 32 characters; signs the `state` parameter. */
  stateSecret: string;
  manifest: HubSpotManifest;
}

export function startInstall(config: InstallConfig, input: { now: number; returnTo?: string }): { url: string; state: string; expiresAt: Date } {
  const { state, expiresAt } = createSignedState({ secret: config.stateSecret, now: input.now, ttlMs: config.manifest.auth.stateTtlMs, returnTo: input.returnTo });
  const url = buildAuthorizeUrl({
    authorizeUrl: config.manifest.authorizeUrl,
    clientId: config.clientId,
    redirectUri: config.redirectUri,
    scopes: config.manifest.auth.requiredScopes,
    optionalScopes: config.manifest.auth.optionalScopes,
    state,
  });
  return { url, state, expiresAt };
}

export type InstallFailure =
  | { ok: false; reason: 'denied_consent'; message: string }
  | { ok: false; reason: 'bad_state' | 'expired_state' | 'replayed_state'; message: string }
  | { ok: false; reason: 'missing_code'; message: string }
  | { ok: false; reason: 'missing_scope'; message: string; missingScopes: string[] }
  | { ok: false; reason: 'hubspot_error'; message: string; kind: ConnectorError['kind'] | 'unknown' };

export type InstallResult =
  | {
      ok: true;
      hubId: string;
      credentials: StoredCredentials;
      grantedOptionalScopes: string[];
      returnTo: string | undefined;
    }
  | InstallFailure;

export interface CallbackQuery {
  code?: string;
  state?: string;
  error?: string;
  error_description?: string;
}

export async function completeInstall(
  config: InstallConfig,
  deps: { appClient: HubSpotClient; stateStore: StateStore; now: () => number },
  query: CallbackQuery,
): Promise<InstallResult> {
  const state = await verifySignedState({ secret: config.stateSecret, state: query.state, now: deps.now(), store: deps.stateStore });
  if (!state.ok) {
    const messages = {
      malformed: 'The install link is invalid. Start the install again from the app listing.',
      forged: 'The install link is invalid. Start the install again from the app listing.',
      expired: 'The install link expired. Start the install again from the app listing.',
      replayed: 'This install link was already used. Start the install again from the app listing.',
    } as const;
    const reason = state.reason === 'expired' ? 'expired_state' : state.reason === 'replayed' ? 'replayed_state' : 'bad_state';
    return { ok: false, reason, message: messages[state.reason] };
  }
  if (query.error) {
    const denied = query.error === 'access_denied' || /denied|cancel/i.test(query.error);
    const detail = query.error_description ? `: ${query.error_description}` : '';
    return denied
      ? { ok: false, reason: 'denied_consent', message: `The HubSpot install was cancelled before access was granted${detail}.` }
      : { ok: false, reason: 'hubspot_error', kind: 'unknown', message: `HubSpot reported "${query.error}"${detail}.` };
  }
  if (!query.code) return { ok: false, reason: 'missing_code', message: 'HubSpot returned without an authorization code. Start the install again.' };

  try {
    const exchanged = await exchangeCode(deps.appClient, config, { code: query.code, redirectUri: config.redirectUri, now: deps.now() });
    const tokens = await completeTokenIdentity(deps.appClient, config, exchanged);
    const granted = new Set(tokens.scopes);
    const missingScopes = config.manifest.auth.requiredScopes.filter((scope) => !granted.has(scope));
    if (tokens.scopes.length > 0 && missingScopes.length > 0) {
      return {
        ok: false,
        reason: 'missing_scope',
        missingScopes,
        message: `HubSpot did not grant ${missingScopes.join(', ')}. A super admin must approve these permissions.`,
      };
    }
    if (!tokens.refreshToken) {
      return { ok: false, reason: 'hubspot_error', kind: 'permanent', message: 'HubSpot returned no refresh token.' };
    }
    return {
      ok: true,
      hubId: tokens.hubId,
      credentials: {
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken,
        expiresAt: tokens.expiresAt,
        scopes: tokens.scopes,
        hubId: tokens.hubId,
        mode: 'oauth',
      },
      grantedOptionalScopes: config.manifest.auth.optionalScopes.filter((scope) => granted.has(scope)),
      returnTo: state.returnTo,
    };
  } catch (error) {
    if (isConnectorError(error)) {
      return { ok: false, reason: 'hubspot_error', kind: error.kind, message: `HubSpot refused the connection: ${error.message}` };
    }
    throw error;
  }
}

export type PrivateAppConnectResult =
  | { ok: true; hubId: string; account: AccountDetails; credentials: StoredCredentials }
  | { ok: false; reason: 'invalid_token' | 'hubspot_error'; message: string };

/**
 * `crm-health connect hubspot --token …`: checks the token against HubSpot before anything
 * is saved, and learns the portal it belongs to.
 */
export async function connectPrivateApp(appClient: HubSpotClient, token: string): Promise<PrivateAppConnectResult> {
  const trimmed = token.trim();
  if (trimmed.length < 10) return { ok: false, reason: 'invalid_token', message: 'That does not look like a HubSpot private-app token.' };
  try {
    const account = await fetchAccountDetails(appClient.withTokens(new StaticTokenProvider(trimmed), 'app'));
    const hubId = String(account.portalId);
    return { ok: true, hubId, account, credentials: { accessToken: trimmed, refreshToken: null, expiresAt: null, scopes: [], hubId, mode: 'static' } };
  } catch (error) {
    if (isConnectorError(error) && error.kind === 'needs_reauth') {
      return { ok: false, reason: 'invalid_token', message: 'HubSpot rejected the token (invalid, revoked, or missing scopes).' };
    }
    if (isConnectorError(error)) return { ok: false, reason: 'hubspot_error', message: error.message };
    throw error;
  }
}

