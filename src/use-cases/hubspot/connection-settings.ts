import { isCatalogueMetric } from '../../scoring/index.ts';
import type { WorkspaceRepository } from '../../storage/workspace-repository.ts';
import { activeModelSet } from '../workspace-models.ts';
import { HubSpotConnectionSettings, type HubSpotSettings } from './sync-hubspot.ts';

export type SettingsChange = {
  map?: ReadonlyArray<{ property: string; metric: string; transform?: string }>;
  unmap?: readonly string[];
  dropAlertPoints?: number;
  appEventTypeName?: string | null;
  seatsProperty?: string | null;
};

export class SettingsError extends Error {
  override name = 'SettingsError';
}

const PROPERTY_NAME = /^[a-z][a-z0-9_]*$/;

/**
 * Changes a HubSpot connection's settings: which company properties feed which metrics, the
 * drop that leaves a timeline trace, and the approved app event type. Every change is checked
 * before anything is saved; an unknown metric names the ones that would work.
 */
export async function updateHubSpotSettings(repo: WorkspaceRepository, change: SettingsChange): Promise<HubSpotSettings> {
  const connection = (await repo.connections.list()).find((c) => c.provider === 'hubspot');
  if (!connection) throw new SettingsError('this workspace has no HubSpot connection; connect one first (crm-health connect hubspot, or the marketplace install)');
  // Start from the valid part: this is also how an admin repairs settings that stopped a sync.
  const stored = HubSpotConnectionSettings.safeParse(connection.settings ?? {});
  const current = stored.success ? stored.data : HubSpotConnectionSettings.parse({});
  const { set } = await activeModelSet(repo);
  const custom = new Set(set.models.flatMap((m) => m.customMetrics.map((c) => c.id)));

  const metrics = new Map<string, { property: string; metric: string; transform?: string }>(current.mapping.metrics.map((m) => [m.property, m]));
  for (const property of change.unmap ?? []) {
    if (!metrics.delete(property)) throw new SettingsError(`property "${property}" is not mapped; mapped: ${[...metrics.keys()].join(', ') || 'none'}`);
  }
  for (const m of change.map ?? []) {
    if (!PROPERTY_NAME.test(m.property)) throw new SettingsError(`"${m.property}" is not a HubSpot property name (internal names are lowercase, e.g. active_users_pct)`);
    if (!isCatalogueMetric(m.metric) && !custom.has(m.metric)) {
      throw new SettingsError(`unknown metric "${m.metric}": use a catalogue metric (docs/scoring-model.md) or declare it under customMetrics in the published model`);
    }
    metrics.set(m.property, { property: m.property, metric: m.metric, ...(m.transform ? { transform: m.transform } : {}) });
  }
  const next = HubSpotConnectionSettings.safeParse({
    ...current,
    mapping: {
      ...current.mapping,
      metrics: [...metrics.values()],
      ...(change.seatsProperty === undefined ? {} : change.seatsProperty === null ? { seatsProperty: undefined } : { seatsProperty: change.seatsProperty }),
    },
    ...(change.dropAlertPoints === undefined ? {} : { dropAlertPoints: change.dropAlertPoints }),
    ...(change.appEventTypeName === undefined ? {} : { appEventTypeName: change.appEventTypeName }),
  });
  if (!next.success) throw new SettingsError(next.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  await repo.connections.updateSettings(connection.id, next.data);
  await repo.audit.record('cli', 'hubspot.settings.changed', connection.id, { ...change });
  return next.data;
}
