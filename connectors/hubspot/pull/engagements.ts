/**
 * Engagement signals from emails, meetings, calls and notes associated with a company,
 * computed point-in-time (as of `asOf`, ignoring anything later):
 *  - engagement.email_reply_rate: incoming ÷ outgoing emails in the last 90 days, capped at 1
 *    (the catalogue's share; more replies than emails sent is simply full responsiveness)
 *  - engagement.meetings_90d: meetings held in the last 90 days
 *  - engagement.days_since_last_touch: days since the last two-way touch
 *    (incoming email, meeting held, connected call)
 *  - engagement.notes_90d: notes logged in the last 90 days (CSM attention)
 * A signal with no data behind it is omitted, never imputed.
 */
import type { CanonicalSignal } from '../../core/ports.ts';
import type { HubSpotClient } from '../client.ts';
import { batchReadObjects, pickRecords } from '../crm-objects.ts';
import type { CrmObjectApi } from '../crm-objects.ts';
import { allTargetIds } from './associations.ts';
import type { CompanyGraph } from './associations.ts';
import { DAY_MS, makeSignal, parseHubSpotTime, round, withinDays } from './signal-helpers.ts';

export const EMAIL_PROPERTIES = ['hs_timestamp', 'hs_email_direction', 'hs_email_status'];
export const MEETING_PROPERTIES = ['hs_timestamp', 'hs_meeting_start_time', 'hs_meeting_outcome'];
export const CALL_PROPERTIES = ['hs_timestamp', 'hs_call_disposition', 'hs_call_status', 'hs_call_duration'];
export const NOTE_PROPERTIES = ['hs_timestamp'];

/** HubSpot's default "Connected" call outcome id; portals can add their own (pass them in). */
export const DEFAULT_CONNECTED_DISPOSITIONS = ['f240bbac-87c9-4f6e-bf70-924b57d47db7'];
const NOT_HELD_OUTCOMES = new Set(['CANCELED', 'CANCELLED', 'NO_SHOW', 'RESCHEDULED']);

export interface EngagementRecords {
  emails: CrmObjectApi[];
  meetings: CrmObjectApi[];
  calls: CrmObjectApi[];
  notes: CrmObjectApi[];
}

export interface EngagementOptions {
  windowDays?: number;
  connectedDispositions?: readonly string[];
}

function at(record: CrmObjectApi, ...names: string[]): number | null {
  for (const name of names) {
    const value = parseHubSpotTime(record.properties[name]);
    if (value !== null) return value;
  }
  return null;
}

function meetingHeld(meeting: CrmObjectApi, asOf: Date): boolean {
  const outcome = (meeting.properties.hs_meeting_outcome ?? '').toUpperCase();
  if (NOT_HELD_OUTCOMES.has(outcome)) return false;
  const start = at(meeting, 'hs_meeting_start_time', 'hs_timestamp');
  return start !== null && start <= asOf.getTime() && (outcome === 'COMPLETED' || outcome === '' || outcome === 'SCHEDULED');
}

/** Pure. */
export function engagementSignals(companyId: string, records: EngagementRecords, asOf: Date, options: EngagementOptions = {}): CanonicalSignal[] {
  const days = options.windowDays ?? 90;
  const connected = new Set(options.connectedDispositions ?? DEFAULT_CONNECTED_DISPOSITIONS);
  const now = asOf.getTime();
  const signals: CanonicalSignal[] = [];

  let incoming = 0;
  let outgoing = 0;
  const touches: number[] = [];
  for (const email of records.emails) {
    const when = at(email, 'hs_timestamp');
    if (when === null || when > now) continue;
    const direction = (email.properties.hs_email_direction ?? '').toUpperCase();
    if (direction === 'INCOMING_EMAIL') {
      touches.push(when);
      if (withinDays(when, asOf, days)) incoming += 1;
    } else if (direction === 'EMAIL' && withinDays(when, asOf, days)) {
      outgoing += 1;
    }
  }
  if (outgoing > 0) signals.push(makeSignal(companyId, 'engagement.email_reply_rate', round(Math.min(1, incoming / outgoing), 4), asOf));

  let meetings = 0;
  for (const meeting of records.meetings) {
    if (!meetingHeld(meeting, asOf)) continue;
    const when = at(meeting, 'hs_meeting_start_time', 'hs_timestamp');
    if (when === null) continue;
    touches.push(when);
    if (withinDays(when, asOf, days)) meetings += 1;
  }
  const anyActivity = records.emails.length + records.meetings.length + records.calls.length + records.notes.length > 0;
  if (anyActivity) signals.push(makeSignal(companyId, 'engagement.meetings_90d', meetings, asOf));

  for (const call of records.calls) {
    const when = at(call, 'hs_timestamp');
    if (when === null || when > now) continue;
    if (connected.has(call.properties.hs_call_disposition ?? '')) touches.push(when);
  }
  if (touches.length > 0) {
    signals.push(makeSignal(companyId, 'engagement.days_since_last_touch', Math.floor((now - Math.max(...touches)) / DAY_MS), asOf));
  }

  const notes = records.notes.filter((note) => withinDays(at(note, 'hs_timestamp'), asOf, days)).length;
  if (anyActivity) signals.push(makeSignal(companyId, 'engagement.notes_90d', notes, asOf));
  return signals;
}

/** Fetches the engagements of the graph's companies and maps them. */
export async function pullEngagementSignals(
  client: HubSpotClient,
  graph: Pick<CompanyGraph, 'emails' | 'meetings' | 'calls' | 'notes'>,
  companyIds: readonly string[],
  asOf: Date,
  options: EngagementOptions = {},
): Promise<CanonicalSignal[]> {
  const emails = await batchReadObjects(client, 'emails', allTargetIds(graph.emails), EMAIL_PROPERTIES);
  const meetings = await batchReadObjects(client, 'meetings', allTargetIds(graph.meetings), MEETING_PROPERTIES);
  const calls = await batchReadObjects(client, 'calls', allTargetIds(graph.calls), CALL_PROPERTIES);
  const notes = await batchReadObjects(client, 'notes', allTargetIds(graph.notes), NOTE_PROPERTIES);
  return companyIds.flatMap((companyId) =>
    engagementSignals(
      companyId,
      {
        emails: pickRecords(emails, graph.emails.get(companyId)),
        meetings: pickRecords(meetings, graph.meetings.get(companyId)),
        calls: pickRecords(calls, graph.calls.get(companyId)),
        notes: pickRecords(notes, graph.notes.get(companyId)),
      },
      asOf,
      options,
    ),
  );
}
