/**
 * Support signals from a company's tickets, point-in-time:
 *  - support.open_tickets: created by asOf and not closed by asOf
 *  - support.escalations_90d: HIGH or URGENT priority tickets created in the last 90 days
 *  - support.first_reply_hours: median hours to the first agent reply, tickets of the last 90 days
 */
import type { CanonicalSignal } from '../../core/ports.ts';
import type { HubSpotClient } from '../client.ts';
import { batchReadObjects, pickRecords } from '../crm-objects.ts';
import type { CrmObjectApi } from '../crm-objects.ts';
import { allTargetIds } from './associations.ts';
import { makeSignal, median, parseHubSpotTime, parseNumber, round, withinDays } from './signal-helpers.ts';

// HubSpot has carried the first-reply duration under two names; we ask for both and fall back
// to the first-reply date.
export const TICKET_PROPERTIES = [
  'createdate',
  'closed_date',
  'hs_pipeline_stage',
  'hs_ticket_priority',
  'time_to_first_agent_reply',
  'hs_time_to_first_agent_reply',
  'first_agent_reply_date',
];

const ESCALATED_PRIORITIES = new Set(['HIGH', 'URGENT']);
const HOUR_MS = 3_600_000;

export interface TicketOptions {
  windowDays?: number;
  /** Pipeline stage ids that mean closed when `closed_date` is missing (default pipeline: "4"). */
  closedStageIds?: readonly string[];
}

function firstReplyMs(ticket: CrmObjectApi, asOf: Date): number | null {
  const direct = parseNumber(ticket.properties.time_to_first_agent_reply ?? null) ?? parseNumber(ticket.properties.hs_time_to_first_agent_reply ?? null);
  const created = parseHubSpotTime(ticket.properties.createdate);
  if (direct !== null && direct >= 0) {
    // Point-in-time: a reply that happened after asOf was not known then.
    return created !== null && created + direct > asOf.getTime() ? null : direct;
  }
  const replied = parseHubSpotTime(ticket.properties.first_agent_reply_date);
  if (created === null || replied === null || replied > asOf.getTime() || replied < created) return null;
  return replied - created;
}

/** Pure. */
export function ticketSignals(companyId: string, tickets: readonly CrmObjectApi[], asOf: Date, options: TicketOptions = {}): CanonicalSignal[] {
  const days = options.windowDays ?? 90;
  const closedStages = new Set(options.closedStageIds ?? ['4']);
  const now = asOf.getTime();
  let open = 0;
  let escalations = 0;
  const replies: number[] = [];
  let known = 0;
  for (const ticket of tickets) {
    const created = parseHubSpotTime(ticket.properties.createdate);
    if (created === null || created > now) continue;
    known += 1;
    const closed = parseHubSpotTime(ticket.properties.closed_date);
    const isOpen = closed !== null ? closed > now : !closedStages.has(ticket.properties.hs_pipeline_stage ?? '');
    if (isOpen) open += 1;
    if (withinDays(created, asOf, days)) {
      if (ESCALATED_PRIORITIES.has((ticket.properties.hs_ticket_priority ?? '').toUpperCase())) escalations += 1;
      const reply = firstReplyMs(ticket, asOf);
      if (reply !== null) replies.push(reply);
    }
  }
  if (known === 0) return [];
  const signals = [makeSignal(companyId, 'support.open_tickets', open, asOf), makeSignal(companyId, 'support.escalations_90d', escalations, asOf)];
  const medianReply = median(replies);
  if (medianReply !== null) signals.push(makeSignal(companyId, 'support.first_reply_hours', round(medianReply / HOUR_MS, 2), asOf));
  return signals;
}

export async function pullTicketSignals(
  client: HubSpotClient,
  ticketsByCompany: Map<string, string[]>,
  companyIds: readonly string[],
  asOf: Date,
  options: TicketOptions = {},
): Promise<CanonicalSignal[]> {
  const tickets = await batchReadObjects(client, 'tickets', allTargetIds(ticketsByCompany), TICKET_PROPERTIES);
  return companyIds.flatMap((companyId) => ticketSignals(companyId, pickRecords(tickets, ticketsByCompany.get(companyId)), asOf, options));
}
