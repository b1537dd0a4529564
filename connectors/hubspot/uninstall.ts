/**
 * Uninstall detection. HubSpot has no push uninstall webhook for marketplace apps; we learn it
 * two ways: a refresh that fails with `invalid_grant`/`BAD_REFRESH_TOKEN` (the refresh token
 * died with the install), and APP_LIFECYCLE_EVENT uninstall entries read from the webhooks
 * journal (2026-03; eventTypeId 4-1916193, action APP_UNINSTALL — facts file §1). Either way
 * the caller clears the stored credentials and marks the connection.
 */
import { z } from 'zod';
import { isConnectorError } from '../core/error-kinds.ts';
import type { CredentialStore } from '../core/ports.ts';

export const APP_UNINSTALL_EVENT_TYPE_ID = '4-1916193';
export const APP_INSTALL_EVENT_TYPE_ID = '4-1909196';

const LifecycleEventSchema = z.object({
  subscriptionType: z.string().optional(),
  eventTypeId: z.union([z.string(), z.number()]).transform(String).optional(),
  action: z.string().optional(),
  portalId: z.union([z.string(), z.number()]).transform(String).optional(),
  installPortalId: z.union([z.string(), z.number()]).transform(String).optional(),
  occurredAt: z.union([z.string(), z.number()]).optional(),
});

export interface UninstallEvent {
  portalId: string;
  occurredAt: Date | null;
}

/**
 * Pure: the uninstall events in a journal page (an array of events, or `{results: [...]}`);
 * entries of other shapes are ignored rather than failing the whole page.
 */
export function parseUninstallEvents(page: unknown): UninstallEvent[] {
  const list = Array.isArray(page) ? page : z.object({ results: z.array(z.unknown()) }).safeParse(page).data?.results ?? [];
  const out: UninstallEvent[] = [];
  for (const raw of list) {
    const parsed = LifecycleEventSchema.safeParse(raw);
    if (!parsed.success) continue;
    const event = parsed.data;
    const isLifecycle = event.subscriptionType === undefined || event.subscriptionType === 'APP_LIFECYCLE_EVENT';
    const isUninstall = event.eventTypeId === APP_UNINSTALL_EVENT_TYPE_ID || event.action === 'APP_UNINSTALL';
    const portalId = event.portalId ?? event.installPortalId;
    if (!isLifecycle || !isUninstall || portalId === undefined) continue;
    const at = event.occurredAt === undefined ? Number.NaN : typeof event.occurredAt === 'number' ? event.occurredAt : Date.parse(event.occurredAt);
    out.push({ portalId, occurredAt: Number.isNaN(at) ? null : new Date(at) });
  }
  return out;
}

/** Does this failure mean the app was uninstalled (or access revoked)? */
export function indicatesUninstall(error: unknown): boolean {
  return isConnectorError(error) && error.kind === 'needs_reauth' && (error.code === 'invalid_grant' || error.code === 'BAD_REFRESH_TOKEN');
}

/** Forgets the connection's tokens; returns whether anything was cleared. */
export async function clearCredentialsOnUninstall(credentials: CredentialStore, connectionId: string): Promise<boolean> {
  const had = (await credentials.load(connectionId)) !== null;
  await credentials.clear(connectionId);
  return had;
}
