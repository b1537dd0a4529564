/**
 * Every HubSpot path the app calls, in one place: legacy /v1–/v4 paths lose support in
 * 2027, so moving to the next date version is an edit here only. Date-versioned (2026-03)
 * wherever HubSpot publishes one (facts file §0, §3).
 */
const V = '2026-03';

const seg = (value: string): string => encodeURIComponent(value);

export type CrmObjectType =
  | 'companies'
  | 'contacts'
  | 'deals'
  | 'tickets'
  | 'calls'
  | 'emails'
  | 'meetings'
  | 'notes'
  | 'feedback_submissions';

export const hubspotPaths = {
  token: `/oauth/${V}/token`,
  tokenIntrospect: `/oauth/${V}/token/introspect`,
  accountDetails: `/account-info/${V}/details`,

  objectSearch: (type: CrmObjectType) => `/crm/objects/${V}/${type}/search`,
  objectBatchRead: (type: CrmObjectType) => `/crm/objects/${V}/${type}/batch/read`,
  objectBatchUpdate: (type: CrmObjectType) => `/crm/objects/${V}/${type}/batch/update`,
  objectCreate: (type: CrmObjectType) => `/crm/objects/${V}/${type}`,

  properties: (type: CrmObjectType) => `/crm/properties/${V}/${type}`,
  propertiesBatchCreate: (type: CrmObjectType) => `/crm/properties/${V}/${type}/batch/create`,
  property: (type: CrmObjectType, name: string) => `/crm/properties/${V}/${type}/${seg(name)}`,
  propertyGroups: (type: CrmObjectType) => `/crm/properties/${V}/${type}/groups`,
  propertyGroup: (type: CrmObjectType, name: string) => `/crm/properties/${V}/${type}/groups/${seg(name)}`,

  /** Associations batch read has a 2026-03 path (associate-records reference). */
  associationsBatchRead: (from: CrmObjectType, to: CrmObjectType) => `/crm/associations/${V}/${from}/${to}/batch/read`,

  /** App events (approval required): AppEventOccurrence. */
  appEvents: `/integrators/timeline/${V}/events`,

  /**
   * Webhooks journal (2026-03), app-level with a client-credentials token. Global journal:
   * events of every installing portal; `journal-local` scopes to one portal (`installPortalId`).
   * Each answer carries a pre-signed `url` to the entry's JSON file (webhook journal APIs guide).
   */
  journalEarliest: `/webhooks-journal/journal/${V}/earliest`,
  journalLatest: `/webhooks-journal/journal/${V}/latest`,
  journalNext: (offset: string) => `/webhooks-journal/journal/${V}/offset/${seg(offset)}/next`,
  journalLocalEarliest: `/webhooks-journal/journal-local/${V}/earliest`,
  journalLocalLatest: `/webhooks-journal/journal-local/${V}/latest`,
  journalLocalNext: (offset: string) => `/webhooks-journal/journal-local/${V}/offset/${seg(offset)}/next`,
  /** List (GET) and create/upsert (POST) journal subscriptions. */
  journalSubscriptions: `/webhooks-journal/subscriptions/${V}`,
} as const;

/** Requests that must go through the search pacer (5/s) instead of the 10-second budget. */
export function isSearchPath(path: string): boolean {
  return /^\/crm\/objects\/[^/]+\/[^/]+\/search$/.test(path);
}
