/**
 * A visible trace on the company timeline when the tier changes or the score drops by more
 * than a threshold: an app event when HubSpot has approved our event type, otherwise a note
 * associated with the company. Creates are not idempotent, so every trace goes through the
 * TraceStore: begin → create → complete. A retry that finds "completed" does nothing; one that
 * finds "begun" first searches for the note by its marker before creating it again.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { isConnectorError } from '../../core/error-kinds.ts';
import type { TraceStore } from '../../core/ports.ts';
import type { HubSpotClient } from '../client.ts';
import { CrmObjectApiSchema, batchReadObjects } from '../crm-objects.ts';
import { readAssociations } from '../pull/associations.ts';
import { hubspotPaths } from '../paths.ts';
import { TIER_LABELS } from './health-properties.ts';
import type { HealthTier } from './health-properties.ts';

/** HUBSPOT_DEFINED association type note → company (associate-records guide). */
export const NOTE_TO_COMPANY_ASSOCIATION_TYPE = 190;

export interface HealthChange {
  companyId: string;
  previous: { score: number | null; tier: HealthTier | null };
  current: { score: number | null; tier: HealthTier };
  /** Largest movers first, in points. */
  drivers: readonly { label: string; points: number }[];
  modelVersion: string;
  scoredAt: Date;
}

export type TraceMode = { type: 'note' } | { type: 'app_event'; eventTypeName: string };

export type TraceReason = 'tier_change' | 'drop';

/** Pure: does this change deserve a timeline trace? */
export function traceReason(change: HealthChange, dropThreshold: number): TraceReason | null {
  // No previous score, or not enough data now: nothing trustworthy to announce.
  if (change.previous.tier === null || change.current.tier === 'insufficient_data' || change.previous.tier === 'insufficient_data') return null;
  if (change.previous.tier !== change.current.tier) return 'tier_change';
  if (change.previous.score !== null && change.current.score !== null && change.previous.score - change.current.score > dropThreshold) return 'drop';
  return null;
}

const signed = (points: number): string => `${points < 0 ? '\u2212' : '+'}${Math.abs(Math.round(points))}`;

/** Pure: "Health 64 → 38 (At Risk → Critical). Drivers: usage −14, engagement −9." */
export function formatTraceText(change: HealthChange, maxDrivers = 3): string {
  const score = (value: number | null): string => (value === null ? '–' : String(Math.round(value)));
  const tiers =
    change.previous.tier !== null && change.previous.tier !== change.current.tier
      ? ` (${TIER_LABELS[change.previous.tier]} \u2192 ${TIER_LABELS[change.current.tier]})`
      : ` (${TIER_LABELS[change.current.tier]})`;
  const drivers = change.drivers.slice(0, maxDrivers).map((d) => `${d.label} ${signed(d.points)}`);
  return `Health ${score(change.previous.score)} \u2192 ${score(change.current.score)}${tiers}.${drivers.length > 0 ? ` Drivers: ${drivers.join(', ')}.` : ''}`;
}

export function traceKey(portalId: string, change: HealthChange): string {
  return `hubspot:${portalId}:company:${change.companyId}:health-trace:${change.scoredAt.toISOString()}`;
}

/** One alphanumeric token, so CRM search's CONTAINS_TOKEN finds it. */
export function traceMarker(key: string): string {
  return `crmh${createHash('sha256').update(key).digest('hex').slice(0, 20)}`;
}

const escapeHtml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function noteBody(text: string, marker: string): string {
  return `<p>${escapeHtml(text)}</p><p><small>crm-health ref ${marker}</small></p>`;
}

export type TraceOutcome =
  | { status: 'skipped'; reason: 'no_change' }
  | { status: 'already_posted'; remoteId: string | null }
  | { status: 'recovered'; remoteId: string }
  | { status: 'posted'; remoteId: string; reason: TraceReason };

/**
 * Looks for a note an interrupted attempt may have created, through the company's note
 * associations (written with the note itself) rather than CRM search, whose index lags by
 * seconds — a quick retry must not miss the note and post a second one.
 */
async function findNoteByMarker(client: HubSpotClient, companyId: string, marker: string): Promise<string | null> {
  const noteIds = (await readAssociations(client, 'companies', 'notes', [companyId])).get(companyId) ?? [];
  if (noteIds.length === 0) return null;
  const notes = await batchReadObjects(client, 'notes', noteIds, ['hs_note_body']);
  for (const note of notes.values()) if ((note.properties.hs_note_body ?? '').includes(marker)) return note.id;
  return null;
}

export async function postHealthTrace(
  deps: { client: HubSpotClient; traces: TraceStore },
  input: { change: HealthChange; mode: TraceMode; dropThreshold: number; key?: string },
): Promise<TraceOutcome> {
  const { client, traces } = deps;
  const { change } = input;
  const reason = traceReason(change, input.dropThreshold);
  if (reason === null) return { status: 'skipped', reason: 'no_change' };

  const key = input.key ?? traceKey(client.portalId, change);
  const marker = traceMarker(key);
  const begun = await traces.begin(key);
  if (!begun.created) {
    if (begun.record.state === 'completed') return { status: 'already_posted', remoteId: begun.record.remoteId };
    // An earlier attempt started and we do not know how far it got.
    if (input.mode.type === 'note') {
      const existing = await findNoteByMarker(client, change.companyId, marker);
      if (existing) {
        await traces.complete(key, existing);
        return { status: 'recovered', remoteId: existing };
      }
    }
  }

  const text = formatTraceText(change);
  const remoteId = input.mode.type === 'note' ? await createNote(client, change, text, marker) : await sendAppEvent(client, change, input.mode.eventTypeName, text, marker);
  await traces.complete(key, remoteId);
  return { status: 'posted', remoteId, reason };
}

async function createNote(client: HubSpotClient, change: HealthChange, text: string, marker: string): Promise<string> {
  const { data } = await client.request({
    method: 'POST',
    path: hubspotPaths.objectCreate('notes'),
    idempotent: false, // a lost response must not become a second note; the TraceStore recovers it
    body: {
      properties: { hs_timestamp: change.scoredAt.toISOString(), hs_note_body: noteBody(text, marker) },
      associations: [
        {
          to: { id: change.companyId },
          types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: NOTE_TO_COMPANY_ASSOCIATION_TYPE }],
        },
      ],
    },
    schema: CrmObjectApiSchema,
  });
  return data.id;
}

/** App event occurrences carry our own id, so HubSpot itself refuses a duplicate. */
async function sendAppEvent(client: HubSpotClient, change: HealthChange, eventTypeName: string, text: string, marker: string): Promise<string> {
  try {
    await client.request({
      method: 'POST',
      path: hubspotPaths.appEvents,
      idempotent: true, // same `id` → the same occurrence
      body: {
        eventTypeName,
        id: marker,
        objectId: change.companyId,
        timestamp: change.scoredAt.toISOString(),
        properties: {
          previous_score: change.previous.score ?? '',
          score: change.current.score ?? '',
          previous_tier: change.previous.tier ?? '',
          tier: change.current.tier,
          summary: text,
          model_version: change.modelVersion,
        },
      },
      schema: z.unknown(),
    });
  } catch (error) {
    if (!(isConnectorError(error) && error.status === 409)) throw error;
  }
  return marker;
}
