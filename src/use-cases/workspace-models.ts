import {
  DEFAULT_MODEL_INPUT, parseModelSet, type Model, type ModelSet,
} from '../scoring/index.ts';
import type { ModelRow, WorkspaceRepository } from '../storage/workspace-repository.ts';
import { parseStoredPredictive, type StoredPredictive } from './predictive-layer.ts';

/**
 * A workspace scores with one *model set* (lifecycle settings + models chosen by rules),
 * stored as versions of the model key "workspace". A published version is immutable; each
 * model in it carries the set's version, so every score records the version it came from.
 */
export const MODEL_SET_KEY = 'workspace';

export type ActiveModelSet = { set: ModelSet; version: number; row: ModelRow; predictive: StoredPredictive | null };

export function withVersion(set: ModelSet, version: number): ModelSet {
  return { lifecycle: set.lifecycle, models: set.models.map((m): Model => ({ ...m, version })) };
}

/** The published model set; a workspace without one gets the guide's default model as version 1. */
export async function activeModelSet(
  repo: WorkspaceRepository,
  firstVersion: { definition?: Record<string, unknown>; predictive?: StoredPredictive | null; note?: string } = {},
): Promise<ActiveModelSet> {
  let row = await repo.models.latestPublished(MODEL_SET_KEY);
  if (!row) {
    row = await repo.models.create({
      modelKey: MODEL_SET_KEY,
      status: 'published',
      definition: firstVersion.definition ?? { models: [DEFAULT_MODEL_INPUT] },
      predictive: firstVersion.predictive ?? null,
      note: firstVersion.note ?? 'default model from the customer health scoring guide',
    });
    await repo.audit.record('system', 'model.published', `${MODEL_SET_KEY} v${row.version}`, { reason: 'first use' });
  }
  const { version: _stored, ...definition } = row.definition;
  return { set: withVersion(parseModelSet(definition), row.version), version: row.version, row, predictive: parseStoredPredictive(row.predictive) };
}

/** Saves a validated model set as a draft (or publishes it at once); returns the new version. */
export async function saveModelSet(
  repo: WorkspaceRepository,
  definition: Record<string, unknown>,
  options: { publish: boolean; note?: string; predictive?: StoredPredictive | null; actor?: string },
): Promise<ModelRow> {
  parseModelSet(definition); // throws ModelValidationError with paths before anything is stored
  // The default model is what the workspace scored with until now: it stays v1, the baseline a draft is compared to.
  await activeModelSet(repo);
  const draft = await repo.models.create({
    modelKey: MODEL_SET_KEY,
    status: 'draft',
    definition,
    predictive: options.predictive ?? null,
    ...(options.note ? { note: options.note } : {}),
  });
  // Publishing retires the previously published version; the draft row itself becomes immutable.
  const row = options.publish ? await repo.models.publish(draft.id) : draft;
  await repo.audit.record(options.actor ?? 'cli', options.publish ? 'model.published' : 'model.drafted', `${MODEL_SET_KEY} v${row.version}`);
  return row;
}
