import { z } from 'zod';
import {
  createJournalClient,
  ensureLifecycleSubscription,
  readJournal,
  runtimeJournalDownloader,
  type HubSpotClient,
  type HubSpotRuntime,
  type UninstallEvent,
} from '../../../connectors/hubspot/index.ts';
import type { AppContext } from '../../runtime/app-context.ts';
import { appStateStore } from '../../storage/app-state.ts';
import { hubspotRuntime } from './hubspot-runtime.ts';

/** app_state key of the journal position. */
export const LIFECYCLE_JOURNAL_STATE_KEY = 'hubspot.lifecycle_journal';

const JournalStateSchema = z.object({
  offset: z.string().min(1).nullable(),
  savedAt: z.string().optional(),
});

export const UNINSTALL_REASON = 'app uninstalled in HubSpot';

export type UninstallOutcome =
  | { outcome: 'disconnected'; portalId: string; workspaceId: string; connectionId: string }
  | { outcome: 'unknown_portal'; portalId: string }
  | { outcome: 'already_disconnected'; portalId: string; connectionId: string }
  /** The portal installed the app again after this event: its fresh tokens are kept. */
  | { outcome: 'reinstalled_since'; portalId: string; connectionId: string };

export type LifecycleJournalReport =
  | { status: 'not_configured' }
  | {
      status: 'polled';
      subscriptionCreated: boolean;
      pages: number;
      offset: string | null;
      caughtUp: boolean;
      restartedFromEarliest: boolean;
      outcomes: UninstallOutcome[];
    };

export interface PollLifecycleJournalOptions {
  /** Tests and benches hand in a runtime with fake time; by default the process runtime. */
  runtime?: HubSpotRuntime;
  /** Entries per poll; the next poll continues where this one stopped. */
  maxPages?: number;
  now?: () => Date;
}

/** Per runtime: the journal client (it caches the app token) and whether the subscription exists. */
const sessions = new WeakMap<HubSpotRuntime, { client: HubSpotClient; subscriptionEnsured: boolean }>();

function sessionFor(runtime: HubSpotRuntime) {
  let session = sessions.get(runtime);
  if (!session) {
    session = { client: createJournalClient(runtime), subscriptionEnsured: false };
    sessions.set(runtime, session);
  }
  return session;
}

/**
 * Applies one uninstall event. Idempotent, so replaying journal entries is harmless: an
 * already disconnected connection is left alone, and a connection that is active and changed
 * after the event (the portal installed the app again) keeps its new tokens.
 */
async function applyUninstall(ctx: AppContext, event: UninstallEvent): Promise<UninstallOutcome> {
  const owner = await ctx.directory.findByConnection('hubspot', event.portalId);
  if (!owner) return { outcome: 'unknown_portal', portalId: event.portalId };
  const repo = ctx.workspace(owner.workspaceId);
  const connection = await repo.connections.get(owner.connectionId);
  if (!connection) return { outcome: 'unknown_portal', portalId: event.portalId };
  if (connection.status === 'disconnected') return { outcome: 'already_disconnected', portalId: event.portalId, connectionId: connection.id };
  // connectedAt is set by every install or reconnect; other writes (settings, status) must not count.
  const connectedAt = Date.parse(String(connection.settings.connectedAt ?? '')) || connection.createdAt.getTime();
  if (connection.status === 'active' && event.occurredAt !== null && connectedAt > event.occurredAt.getTime()) {
    return { outcome: 'reinstalled_since', portalId: event.portalId, connectionId: connection.id };
  }
  await repo.connections.clearCredentials(connection.id, 'disconnected', UNINSTALL_REASON);
  await repo.audit.record('hubspot', 'hubspot.uninstalled', event.portalId, {
    connectionId: connection.id,
    occurredAt: event.occurredAt?.toISOString() ?? null,
    source: 'webhooks_journal',
  });
  ctx.logger.info({ workspaceId: owner.workspaceId, connectionId: connection.id, portalId: event.portalId }, 'HubSpot app uninstalled: credentials cleared, connection disconnected');
  return { outcome: 'disconnected', portalId: event.portalId, workspaceId: owner.workspaceId, connectionId: connection.id };
}

/**
 * Reads the HubSpot webhooks journal from the stored offset and disconnects every portal that
 * uninstalled the app. The offset is saved after each entry's events are applied, so a crash
 * resumes at the first entry not yet handled (and a replay of that entry changes nothing).
 */
export async function pollLifecycleJournal(ctx: AppContext, options: PollLifecycleJournalOptions = {}): Promise<LifecycleJournalReport> {
  const { clientId, clientSecret } = ctx.config.hubspot;
  if (!clientId || !clientSecret) return { status: 'not_configured' };
  const now = options.now ?? (() => new Date());
  const runtime = options.runtime ?? hubspotRuntime(ctx);
  const session = sessionFor(runtime);

  let subscriptionCreated = false;
  if (!session.subscriptionEnsured) {
    const ensured = await ensureLifecycleSubscription(session.client);
    session.subscriptionEnsured = true;
    subscriptionCreated = ensured.created;
    if (ensured.created) ctx.logger.info({ subscriptionId: ensured.subscriptionId }, 'created the HubSpot APP_LIFECYCLE_EVENT journal subscription');
  }

  const state = appStateStore(ctx.database.db);
  const stored = await state.get(LIFECYCLE_JOURNAL_STATE_KEY, JournalStateSchema);
  const outcomes: UninstallOutcome[] = [];
  const result = await readJournal(session.client, {
    offset: stored?.offset ?? null,
    download: runtimeJournalDownloader(runtime),
    ...(options.maxPages !== undefined ? { maxPages: options.maxPages } : {}),
    onPage: async (page) => {
      for (const event of page.uninstalls) outcomes.push(await applyUninstall(ctx, event));
      await state.set(LIFECYCLE_JOURNAL_STATE_KEY, { offset: page.offset, savedAt: now().toISOString() });
    },
  });
  if (result.restartedFromEarliest) {
    ctx.logger.warn(
      { storedOffset: stored?.offset ?? null },
      'the stored HubSpot journal offset had expired (the journal keeps 3 days); read again from the earliest entry — uninstalls in between may have been missed and are caught when a token refresh fails',
    );
  }
  return {
    status: 'polled',
    subscriptionCreated,
    pages: result.pages,
    offset: result.offset,
    caughtUp: result.caughtUp,
    restartedFromEarliest: result.restartedFromEarliest,
    outcomes,
  };
}
