import { ModelValidationError } from '../../scoring/index.ts';
import type { AppContext } from '../../runtime/app-context.ts';
import type { AppSettingsUpdate, AppSettingsView } from '../../server/hubspot/app-settings.ts';
import type { HubSpotAppDeps } from '../../server/hubspot/app-router.ts';
import { HttpError } from '../../server/http-error.ts';
import type { WebhookEvent } from '../../server/hubspot/webhook-events.ts';
import type { WorkspaceRepository } from '../../storage/workspace-repository.ts';
import { companyHealth } from '../company-health.ts';
import { activeModelSet, saveModelSet } from '../workspace-models.ts';
import { CRM_DELETED_AT, hubspotSettings } from './sync-hubspot.ts';

/** How the app reaches the pipeline from a request: a targeted pull and rescore of some companies. */
export type TargetedSync = (workspaceId: string, connectionId: string, companyIds: readonly string[]) => Promise<void>;

async function hubspotConnection(repo: WorkspaceRepository) {
  const connection = (await repo.connections.list()).find((c) => c.provider === 'hubspot');
  if (!connection) throw new HttpError(404, 'not_connected', 'This workspace has no HubSpot connection.');
  return connection;
}

async function settingsView(ctx: AppContext, repo: WorkspaceRepository): Promise<AppSettingsView> {
  const connection = await hubspotConnection(repo);
  const { set, version } = await activeModelSet(repo);
  const tiers = set.models[0]?.tiers;
  const lastRun = (await repo.jobRuns.recent(10)).find((r) => r.status === 'succeeded');
  return {
    connection: {
      status: connection.status === 'active' ? 'connected' : connection.status,
      portalId: connection.externalAccountId,
      connectedAt: connection.createdAt.toISOString(),
      lastSyncAt: lastRun?.finishedAt?.toISOString() ?? null,
    },
    modelVersion: `v${version}`,
    tierThresholds: { healthyMin: tiers?.healthy ?? 80, atRiskMin: tiers?.atRisk ?? 40 },
    dropAlertPoints: hubspotSettings(connection.settings).dropAlertPoints,
    webSettingsUrl: `${ctx.config.publicUrl}/`,
  };
}

/**
 * What the signed HubSpot routes (card, settings page, webhooks, workflow actions) need,
 * implemented on the workspace repositories. Threshold changes publish a new model version:
 * published versions are never edited.
 */
export function hubspotAppDeps(ctx: AppContext, targetedSync: TargetedSync): Omit<HubSpotAppDeps, 'clientSecret' | 'publicUrl'> {
  return {
    async resolveWorkspaceByPortal(portalId) {
      const found = await ctx.directory.findByConnection('hubspot', portalId);
      return found ? { workspaceId: found.workspaceId } : null;
    },
    async getHealthDetails(workspaceId, companyId) {
      return companyHealth(ctx.workspace(workspaceId), companyId);
    },
    async requestRescore(workspaceId, companyId) {
      const repo = ctx.workspace(workspaceId);
      if (!(await repo.accounts.getByCrmId(companyId))) return null;
      const connection = await hubspotConnection(repo);
      await targetedSync(workspaceId, connection.id, [companyId]);
      await repo.audit.record('hubspot', 'rescore.requested', companyId);
      return { queued: true };
    },
    async getSettings(workspaceId) {
      return settingsView(ctx, ctx.workspace(workspaceId));
    },
    async saveSettings(workspaceId, update: AppSettingsUpdate) {
      const repo = ctx.workspace(workspaceId);
      const connection = await hubspotConnection(repo);
      const { set, row, predictive } = await activeModelSet(repo);
      const { healthyMin, atRiskMin } = update.tierThresholds;
      // The page edits the thresholds every model shares; the new version is validated (and
      // published) before anything else is saved, so a refused change leaves nothing half-applied.
      if (set.models.some((m) => m.tiers.healthy !== healthyMin || m.tiers.atRisk !== atRiskMin)) {
        const { version: _v, ...definition } = row.definition;
        const models = (definition.models as Array<Record<string, unknown>>).map((m) => ({
          ...m,
          tiers: { ...(m.tiers as Record<string, unknown> | undefined), healthy: healthyMin, atRisk: atRiskMin },
        }));
        try {
          await saveModelSet(repo, { ...definition, models }, { publish: true, note: 'tier thresholds changed in HubSpot settings', actor: 'hubspot-settings', predictive });
          // Thresholds do not change factor scores, so the fitted churn probability carries over.
        } catch (error) {
          if (error instanceof ModelValidationError) throw new HttpError(400, 'invalid_thresholds', error.message);
          throw error;
        }
      }
      await repo.connections.updateSettings(connection.id, { dropAlertPoints: update.dropAlertPoints });
      await repo.audit.record('hubspot-settings', 'settings.saved', connection.id, { ...update });
      return settingsView(ctx, repo);
    },
    async onCompanyEvents(workspaceId, events: WebhookEvent[]) {
      const repo = ctx.workspace(workspaceId);
      const connection = await hubspotConnection(repo);
      const changed = new Set<string>();
      // Deleted and merged-away companies are marked, not removed: their score history and
      // outcomes stay for backtests, and a restore in HubSpot picks the history up again.
      const mark = async (crmId: string, deletedAt: string | null) => {
        const account = await repo.accounts.getByCrmId(crmId);
        if (account) await repo.accounts.update(account.id, { attributes: { ...account.attributes, [CRM_DELETED_AT]: deletedAt } });
      };
      for (const event of events) {
        if (event.type === 'company.deleted') {
          await mark(event.companyId, event.occurredAt.toISOString());
        } else if (event.type === 'company.merged') {
          for (const gone of event.mergedCompanyIds) await mark(gone, event.occurredAt.toISOString());
          changed.add(event.companyId);
        } else {
          if (event.type === 'company.restored') await mark(event.companyId, null);
          changed.add(event.companyId);
        }
      }
      if (changed.size > 0) await targetedSync(workspaceId, connection.id, [...changed]);
    },
  };
}
