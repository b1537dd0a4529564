/**
 * HubSpot OAuth calls on the date-versioned endpoints (`/oauth/2026-03/token`, form-encoded;
 * facts file §1). They run through the one client (`auth: false`), so they get the same
 * retries, error classes and redaction as every other call.
 */
import { z } from 'zod';
import { ConnectorError } from '../core/error-kinds.ts';
import type { HubSpotClient } from './client.ts';
import { hubspotPaths } from './paths.ts';

/** AccessTokenResponse (2026-03): `hub_id`/`scopes` may be absent on some grants, so both are optional. */
export const TokenResponseSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.number().int().positive(),
  token_type: z.string().optional(),
  hub_id: z.union([z.number().int(), z.string().regex(/^\d+$/)]).optional(),
  user_id: z.union([z.number(), z.string()]).optional(),
  scopes: z.array(z.string()).optional(),
  scope: z.string().optional(),
});

/** PublicAccessTokenInfoResponse from `/oauth/2026-03/token/introspect`. */
export const IntrospectionSchema = z.object({
  active: z.boolean().optional(),
  hub_id: z.union([z.number().int(), z.string().regex(/^\d+$/)]).optional(),
  hub_domain: z.string().optional(),
  app_id: z.union([z.number(), z.string()]).optional(),
  scopes: z.array(z.string()).optional(),
  expires_in: z.number().optional(),
});

/** `GET /account-info/2026-03/details`. */
export const AccountDetailsSchema = z.object({
  portalId: z.union([z.number().int(), z.string().regex(/^\d+$/)]),
  timeZone: z.string().optional(),
  companyCurrency: z.string().optional(),
  dataHostingLocation: z.string().optional(),
  accountType: z.string().optional(),
});
export type AccountDetails = z.infer<typeof AccountDetailsSchema>;

export interface TokenSet {
  accessToken: string;
  /** A refresh response may omit it; the caller keeps the stored one then. */
  refreshToken: string | undefined;
  expiresAt: Date;
  /** Empty when the response did not list scopes. */
  scopes: string[];
  hubId: string | undefined;
}

export interface OAuthAppConfig {
  clientId: string;
  clientSecret: string;
}

function toTokenSet(data: z.infer<typeof TokenResponseSchema>, now: number): TokenSet {
  const scopes = data.scopes ?? (data.scope ? data.scope.split(/\s+/).filter(Boolean) : []);
  return {
    accessToken: data.access_token,
    refreshToken: data.refresh_token,
    expiresAt: new Date(now + data.expires_in * 1000),
    scopes,
    hubId: data.hub_id === undefined ? undefined : String(data.hub_id),
  };
}

export function buildAuthorizeUrl(input: {
  authorizeUrl: string;
  clientId: string;
  redirectUri: string;
  scopes: readonly string[];
  optionalScopes?: readonly string[];
  state: string;
}): string {
  // Spaces as %20, not "+": HubSpot documents space-separated scope lists.
  const params: [string, string][] = [
    ['client_id', input.clientId],
    ['redirect_uri', input.redirectUri],
    ['scope', input.scopes.join(' ')],
  ];
  if (input.optionalScopes && input.optionalScopes.length > 0) params.push(['optional_scope', input.optionalScopes.join(' ')]);
  params.push(['state', input.state]);
  const query = params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  return `${input.authorizeUrl}?${query}`;
}

/**
 * authorization_code → tokens. Not idempotent: a code works once, so a lost response is not
 * replayed (the installer simply retries the install).
 */
export async function exchangeCode(
  appClient: HubSpotClient,
  app: OAuthAppConfig,
  input: { code: string; redirectUri: string; codeVerifier?: string; now: number },
): Promise<TokenSet> {
  const { data } = await appClient.request({
    method: 'POST',
    path: hubspotPaths.token,
    auth: false,
    idempotent: false,
    form: {
      grant_type: 'authorization_code',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      redirect_uri: input.redirectUri,
      code: input.code,
      code_verifier: input.codeVerifier,
    },
    schema: TokenResponseSchema,
  });
  return toTokenSet(data, input.now);
}

/**
 * refresh_token → tokens. Safe to resend after a network failure: HubSpot refresh tokens are
 * long-lived and not rotated per use. `invalid_grant`/`BAD_REFRESH_TOKEN` → needs_reauth (classifier).
 */
export async function refreshAccessToken(
  appClient: HubSpotClient,
  app: OAuthAppConfig,
  input: { refreshToken: string; now: () => number },
): Promise<TokenSet> {
  const { data } = await appClient.request({
    method: 'POST',
    path: hubspotPaths.token,
    auth: false,
    idempotent: true,
    form: {
      grant_type: 'refresh_token',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      refresh_token: input.refreshToken,
    },
    schema: TokenResponseSchema,
  });
  return toTokenSet(data, input.now());
}

export async function introspectToken(appClient: HubSpotClient, app: OAuthAppConfig, accessToken: string): Promise<z.infer<typeof IntrospectionSchema>> {
  const { data } = await appClient.request({
    method: 'POST',
    path: hubspotPaths.tokenIntrospect,
    auth: false,
    idempotent: true,
    form: { token: accessToken, token_type_hint: 'access_token', client_id: app.clientId, client_secret: app.clientSecret },
    schema: IntrospectionSchema,
  });
  return data;
}

export async function fetchAccountDetails(client: HubSpotClient): Promise<AccountDetails> {
  const { data } = await client.request({ method: 'GET', path: hubspotPaths.accountDetails, schema: AccountDetailsSchema });
  return data;
}

/**
 * Fills in what the token response left out: `hub_id` and scopes from introspection, and the
 * portal from account details as a last resort (facts file §1 lists both sources).
 */
export async function completeTokenIdentity(appClient: HubSpotClient, app: OAuthAppConfig, tokens: TokenSet): Promise<TokenSet & { hubId: string }> {
  let { hubId, scopes } = tokens;
  if (hubId === undefined || scopes.length === 0) {
    const info = await introspectToken(appClient, app, tokens.accessToken);
    hubId ??= info.hub_id === undefined ? undefined : String(info.hub_id);
    if (scopes.length === 0 && info.scopes) scopes = info.scopes;
  }
  if (hubId === undefined) {
    const details = await fetchAccountDetails(appClient.withTokens({ getAccessToken: async () => tokens.accessToken }, 'app'));
    hubId = String(details.portalId);
  }
  if (hubId === undefined) {
    throw new ConnectorError({ kind: 'permanent', provider: 'hubspot', code: 'NO_HUB_ID', message: 'HubSpot did not say which portal was connected' });
  }
  return { ...tokens, hubId, scopes };
}
