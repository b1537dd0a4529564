/**
 * HubSpot webhook deliveries → company events per portal.
 * A delivery is a JSON array of at most 100 events, possibly from many portals, in no
 * guaranteed order, and retried (so repeated) on any non-2xx answer.
 */
import { z } from 'zod';

export const MAX_EVENTS_PER_DELIVERY = 100;

/** HubSpot ids are int64; JSON numbers are exact up to 2^53, which HubSpot ids stay below. */
const hubspotId = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).transform(String);

/** HubSpot's own field names and nullability; unknown fields pass through untouched. */
const webhookEventApiSchema = z.looseObject({
  eventId: hubspotId,
  subscriptionId: hubspotId,
  portalId: hubspotId,
  appId: hubspotId,
  occurredAt: z.number().int().nonnegative(),
  subscriptionType: z.string().min(1),
  attemptNumber: z.number().int().nonnegative(),
  objectId: hubspotId,
  changeSource: z.string().optional(),
  changeFlag: z.string().optional(),
  propertyName: z.string().optional(),
  propertyValue: z.string().nullable().optional(),
  primaryObjectId: hubspotId.optional(),
  mergedObjectIds: z.array(hubspotId).optional(),
});

export const webhookDeliverySchema = z.array(webhookEventApiSchema).min(1).max(MAX_EVENTS_PER_DELIVERY);

export type WebhookEventApi = z.infer<typeof webhookEventApiSchema>;

interface CompanyEventBase {
  /** HubSpot's event id; the same event arrives again on retries. */
  eventId: string;
  companyId: string;
  occurredAt: Date;
}

export type WebhookEvent =
  | (CompanyEventBase & { type: 'company.created' })
  | (CompanyEventBase & { type: 'company.deleted' })
  | (CompanyEventBase & { type: 'company.restored' })
  /** `companyId` is the surviving record; `mergedCompanyIds` no longer exist. */
  | (CompanyEventBase & { type: 'company.merged'; mergedCompanyIds: string[] })
  | (CompanyEventBase & { type: 'company.property_changed'; propertyName: string; propertyValue: string | null });

export interface PortalEvents {
  portalId: string;
  /** Oldest first, one entry per event id. */
  events: WebhookEvent[];
}

export interface GroupedDelivery {
  byPortal: PortalEvents[];
  /** Events we do not subscribe to or cannot use (e.g. a property change without a name). */
  ignored: number;
}

function toCompanyEvent(event: WebhookEventApi): WebhookEvent | null {
  const base = { eventId: event.eventId, companyId: event.objectId, occurredAt: new Date(event.occurredAt) };
  switch (event.subscriptionType) {
    case 'company.creation':
      return { ...base, type: 'company.created' };
    case 'company.deletion':
      return { ...base, type: 'company.deleted' };
    case 'company.restore':
      return { ...base, type: 'company.restored' };
    case 'company.merge':
      return {
        ...base,
        type: 'company.merged',
        companyId: event.primaryObjectId ?? event.objectId,
        mergedCompanyIds: (event.mergedObjectIds ?? []).filter((id) => id !== (event.primaryObjectId ?? event.objectId)),
      };
    case 'company.propertyChange':
      if (!event.propertyName) return null;
      return { ...base, type: 'company.property_changed', propertyName: event.propertyName, propertyValue: event.propertyValue ?? null };
    default:
      return null;
  }
}

/** Groups a validated delivery by portal, drops repeats of the same event id and orders by occurrence. */
export function groupDeliveryByPortal(delivery: readonly WebhookEventApi[]): GroupedDelivery {
  const portals = new Map<string, Map<string, WebhookEvent>>();
  let ignored = 0;
  for (const raw of delivery) {
    const event = toCompanyEvent(raw);
    if (!event) {
      ignored += 1;
      continue;
    }
    const events = portals.get(raw.portalId) ?? new Map<string, WebhookEvent>();
    portals.set(raw.portalId, events);
    if (events.has(event.eventId)) ignored += 1;
    else events.set(event.eventId, event);
  }
  const byPortal = [...portals].map(([portalId, events]) => ({
    portalId,
    events: [...events.values()].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime()),
  }));
  return { byPortal, ignored };
}
