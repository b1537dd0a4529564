/**
 * Companies, incrementally by `hs_lastmodifieddate`, through CRM search (ascending sort).
 *
 * Search stops at 10,000 results per query, so a long window is walked as a chain of
 * windows: when the next page would pass the cap, a new query starts at the last modified
 * time seen (GTE), skipping the ids already processed at exactly that millisecond. If an
 * entire window shares one millisecond (bulk imports), that millisecond is walked by
 * `hs_object_id` instead. The checkpoint is saved after every page, so a crash resumes.
 */
import { z } from 'zod';
import type { AccountRecord, AccountSink, CanonicalSignal, CheckpointStore, SignalSink } from '../../core/ports.ts';
import type { HubSpotClient } from '../client.ts';
import { SearchResponseSchema } from '../crm-objects.ts';
import type { CrmObjectApi } from '../crm-objects.ts';
import { hubspotPaths } from '../paths.ts';
import { DAY_MS, makeSignal, parseHubSpotTime, parseNumber } from './signal-helpers.ts';

export const COMPANIES_CHECKPOINT_OBJECT = 'hubspot.companies';

export const CompaniesCheckpointSchema = z.object({
  version: z.literal(1),
  phase: z.enum(['initial', 'incremental']),
  /** Lower bound (epoch ms) of the current search window; null = from the beginning. */
  windowStartMs: z.number().nullable(),
  /** true once every record at `windowStartMs` is known processed (after a tie walk). */
  windowStartExclusive: z.boolean(),
  /** Paging cursor inside the current window and how many results it has consumed. */
  after: z.string().nullable(),
  fetchedInWindow: z.number().int().nonnegative(),
  /** Highest modified time processed, and the ids processed at exactly that time. */
  boundaryMs: z.number().nullable(),
  boundaryIds: z.array(z.string()),
  /** Keyset walk by id inside one millisecond that holds more than a window's worth. */
  tieWalk: z.object({ atMs: z.number(), afterId: z.string() }).nullable(),
});
export type CompaniesCheckpoint = z.infer<typeof CompaniesCheckpointSchema>;

export const FIRST_RUN_CHECKPOINT: CompaniesCheckpoint = {
  version: 1,
  phase: 'initial',
  windowStartMs: null,
  windowStartExclusive: false,
  after: null,
  fetchedInWindow: 0,
  boundaryMs: null,
  boundaryIds: [],
  tieWalk: null,
};

export type MetricTransform =
  | 'number'
  | 'boolean'
  | 'days_since'
  | 'days_until'
  | ((raw: string, asOf: Date) => number | null);

/** An admin's choice: "this company property is that metric". */
export interface PropertyMetricMapping {
  property: string;
  metric: string;
  transform?: MetricTransform;
}

export interface CompanyMappingConfig {
  metrics: readonly PropertyMetricMapping[];
  /** Company property holding licensed seats, if the portal has one. */
  seatsProperty?: string;
  /** Defaults to the date the company became a customer (lifecycle stage date). */
  customerSinceProperty?: string;
  /** Extra properties kept as account attributes (segment rules read them). */
  attributeProperties?: readonly string[];
}

const BASE_PROPERTIES = ['name', 'domain', 'lifecyclestage', 'hubspot_owner_id', 'hs_lastmodifieddate', 'createdate'];
const DEFAULT_ATTRIBUTES = ['lifecyclestage', 'industry', 'numberofemployees', 'annualrevenue', 'country', 'type'];
const DEFAULT_CUSTOMER_SINCE = 'hs_lifecyclestage_customer_date';

export function companyProperties(config: CompanyMappingConfig): string[] {
  return [
    ...new Set([
      ...BASE_PROPERTIES,
      ...(config.attributeProperties ?? DEFAULT_ATTRIBUTES),
      ...config.metrics.map((m) => m.property),
      ...(config.seatsProperty ? [config.seatsProperty] : []),
      config.customerSinceProperty ?? DEFAULT_CUSTOMER_SINCE,
    ]),
  ];
}

export function applyTransform(raw: string | null, transform: MetricTransform | undefined, asOf: Date): number | null {
  if (raw === null || raw.trim() === '') return null;
  const kind = transform ?? 'number';
  if (typeof kind === 'function') {
    const value = kind(raw, asOf);
    return value !== null && Number.isFinite(value) ? value : null;
  }
  switch (kind) {
    case 'number':
      return parseNumber(raw);
    case 'boolean':
      return raw === 'true' ? 1 : raw === 'false' ? 0 : null;
    case 'days_since': {
      const at = parseHubSpotTime(raw);
      return at === null ? null : Math.floor((asOf.getTime() - at) / DAY_MS);
    }
    case 'days_until': {
      const at = parseHubSpotTime(raw);
      return at === null ? null : Math.floor((at - asOf.getTime()) / DAY_MS);
    }
  }
}

/** Pure: one HubSpot company → our account record and its admin-mapped metric signals. */
export function mapCompany(company: CrmObjectApi, config: CompanyMappingConfig, asOf: Date): { account: AccountRecord; signals: CanonicalSignal[] } {
  const p = company.properties;
  const get = (name: string): string | null => p[name] ?? null;
  const attributes: Record<string, string | null> = {};
  for (const name of config.attributeProperties ?? DEFAULT_ATTRIBUTES) attributes[name] = get(name);
  const customerSince = parseHubSpotTime(get(config.customerSinceProperty ?? DEFAULT_CUSTOMER_SINCE));
  const seats = config.seatsProperty ? parseNumber(get(config.seatsProperty)) : undefined;
  const domain = get('domain');
  const account: AccountRecord = {
    crmId: company.id,
    name: get('name'),
    domain: domain ? domain.trim().toLowerCase() : null,
    attributes,
    customerSince: customerSince === null ? null : new Date(customerSince),
    owner: get('hubspot_owner_id'),
    ...(seats === undefined ? {} : { seats }),
  };
  const signals: CanonicalSignal[] = [];
  for (const mapping of config.metrics) {
    const value = applyTransform(get(mapping.property), mapping.transform, asOf);
    if (value !== null) signals.push(makeSignal(company.id, mapping.metric, value, asOf));
  }
  return { account, signals };
}

export function modifiedAt(company: CrmObjectApi): number | null {
  return parseHubSpotTime(company.properties.hs_lastmodifieddate ?? company.updatedAt ?? null);
}

/** Pure: the search body for the checkpoint's position. */
export function companySearchBody(checkpoint: CompaniesCheckpoint, properties: readonly string[], pageSize: number): Record<string, unknown> {
  if (checkpoint.tieWalk) {
    return {
      filterGroups: [
        {
          filters: [
            { propertyName: 'hs_lastmodifieddate', operator: 'EQ', value: String(checkpoint.tieWalk.atMs) },
            { propertyName: 'hs_object_id', operator: 'GT', value: checkpoint.tieWalk.afterId },
          ],
        },
      ],
      sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
      properties: [...properties],
      limit: pageSize,
    };
  }
  const filterGroups =
    checkpoint.windowStartMs === null
      ? []
      : [
          {
            filters: [
              {
                propertyName: 'hs_lastmodifieddate',
                operator: checkpoint.windowStartExclusive ? 'GT' : 'GTE',
                value: String(checkpoint.windowStartMs),
              },
            ],
          },
        ];
  return {
    filterGroups,
    sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }],
    properties: [...properties],
    limit: pageSize,
    ...(checkpoint.after ? { after: checkpoint.after } : {}),
  };
}

/**
 * Pure: which records of a page are new, and the checkpoint after processing them.
 * `done` means the window chain reached the newest record.
 */
export function advanceCheckpoint(
  checkpoint: CompaniesCheckpoint,
  page: { results: CrmObjectApi[]; nextAfter: string | undefined },
  limits: { pageSize: number; cap: number },
): { fresh: CrmObjectApi[]; next: CompaniesCheckpoint; done: boolean } {
  const seenAtBoundary = new Set(checkpoint.boundaryIds);
  const fresh: CrmObjectApi[] = [];
  let boundaryMs = checkpoint.boundaryMs;
  let boundaryIds = [...checkpoint.boundaryIds];

  if (checkpoint.tieWalk) {
    const { atMs } = checkpoint.tieWalk;
    let afterId = checkpoint.tieWalk.afterId;
    for (const record of page.results) {
      afterId = record.id;
      if (!seenAtBoundary.has(record.id)) fresh.push(record);
    }
    if (page.results.length < limits.pageSize) {
      // Every record at atMs is processed: continue strictly after it.
      return {
        fresh,
        done: false,
        next: { ...checkpoint, tieWalk: null, windowStartMs: atMs, windowStartExclusive: true, after: null, fetchedInWindow: 0, boundaryMs: atMs, boundaryIds: [] },
      };
    }
    return { fresh, done: false, next: { ...checkpoint, tieWalk: { atMs, afterId } } };
  }

  for (const record of page.results) {
    const at = modifiedAt(record);
    if (at === null) continue;
    if (boundaryMs !== null && at === checkpoint.boundaryMs && seenAtBoundary.has(record.id)) continue;
    fresh.push(record);
    if (boundaryMs === null || at > boundaryMs) {
      boundaryMs = at;
      boundaryIds = [record.id];
    } else if (at === boundaryMs) {
      boundaryIds.push(record.id);
    }
  }
  const fetchedInWindow = checkpoint.fetchedInWindow + page.results.length;
  const base = { ...checkpoint, boundaryMs, boundaryIds };

  if (!page.nextAfter) {
    return {
      fresh,
      done: true,
      next: { ...base, phase: 'incremental', windowStartMs: boundaryMs, windowStartExclusive: false, after: null, fetchedInWindow: 0 },
    };
  }
  if (fetchedInWindow + limits.pageSize > limits.cap) {
    const stuck = boundaryMs !== null && boundaryMs === checkpoint.windowStartMs && !checkpoint.windowStartExclusive;
    if (stuck && boundaryMs !== null) {
      // A whole window at one millisecond: walk that millisecond by id.
      return { fresh, done: false, next: { ...base, tieWalk: { atMs: boundaryMs, afterId: '0' }, after: null, fetchedInWindow: 0 } };
    }
    return { fresh, done: false, next: { ...base, windowStartMs: boundaryMs, windowStartExclusive: false, after: null, fetchedInWindow: 0 } };
  }
  return { fresh, done: false, next: { ...base, after: page.nextAfter, fetchedInWindow } };
}

export interface PullCompaniesDeps {
  client: HubSpotClient;
  checkpoints: CheckpointStore;
  accounts: AccountSink;
  signals: SignalSink;
}

export interface PullCompaniesResult {
  phase: 'initial' | 'incremental';
  pages: number;
  companies: number;
  companyIds: string[];
  done: boolean;
}

export async function loadCompaniesCheckpoint(checkpoints: CheckpointStore, connectionId: string): Promise<CompaniesCheckpoint> {
  const parsed = CompaniesCheckpointSchema.safeParse(await checkpoints.get(connectionId, COMPANIES_CHECKPOINT_OBJECT));
  // An unreadable checkpoint (older format) restarts as a first run rather than guessing.
  return parsed.success ? parsed.data : FIRST_RUN_CHECKPOINT;
}

export async function pullCompanies(
  deps: PullCompaniesDeps,
  input: { connectionId: string; mapping: CompanyMappingConfig; asOf: Date; maxPages?: number },
): Promise<PullCompaniesResult> {
  const { client } = deps;
  const limits = { pageSize: client.manifest.limits.searchPageSize, cap: client.manifest.limits.searchResultCap };
  const properties = companyProperties(input.mapping);
  let checkpoint = await loadCompaniesCheckpoint(deps.checkpoints, input.connectionId);
  const phase = checkpoint.phase;
  const companyIds: string[] = [];
  let pages = 0;
  let done = false;

  while (!done && pages < (input.maxPages ?? Number.POSITIVE_INFINITY)) {
    const { data } = await client.request({
      method: 'POST',
      path: hubspotPaths.objectSearch('companies'),
      idempotent: true,
      body: companySearchBody(checkpoint, properties, limits.pageSize),
      schema: SearchResponseSchema,
    });
    pages += 1;
    const step = advanceCheckpoint(checkpoint, { results: data.results, nextAfter: data.paging?.next?.after }, limits);
    const mapped = step.fresh.map((company) => mapCompany(company, input.mapping, input.asOf));
    if (mapped.length > 0) {
      await deps.accounts.upsert(mapped.map((m) => m.account));
      const signals = mapped.flatMap((m) => m.signals);
      if (signals.length > 0) await deps.signals.write(signals);
    }
    companyIds.push(...step.fresh.map((c) => c.id));
    // Saved only after the page's records are stored: a crash repeats a page, never skips one.
    await deps.checkpoints.save(input.connectionId, COMPANIES_CHECKPOINT_OBJECT, step.next);
    checkpoint = step.next;
    done = step.done;
  }
  return { phase, pages, companies: companyIds.length, companyIds: [...new Set(companyIds)], done };
}
