/**
 * Company → contacts, deals, tickets and engagements through associations batch read
 * (≤ 1,000 inputs per request). A company with more associations than one page returns a
 * `paging.next.after` inside its result; it is asked again with that `after`.
 */
import { z } from 'zod';
import type { HubSpotClient } from '../client.ts';
import { BatchErrorSchema, chunk } from '../crm-objects.ts';
import { hubspotPaths } from '../paths.ts';
import type { CrmObjectType } from '../paths.ts';

export const AssociationsBatchResponseSchema = z.object({
  status: z.string().optional(),
  results: z.array(
    z.object({
      from: z.object({ id: z.union([z.string(), z.number()]).transform(String) }),
      to: z.array(
        z.object({
          toObjectId: z.union([z.string(), z.number()]).transform(String),
          associationTypes: z
            .array(z.object({ category: z.string().optional(), typeId: z.number().optional(), label: z.string().nullable().optional() }))
            .optional(),
        }),
      ),
      paging: z.object({ next: z.object({ after: z.string() }).optional() }).optional(),
    }),
  ),
  errors: z.array(BatchErrorSchema).optional(),
});

export async function readAssociations(
  client: HubSpotClient,
  from: CrmObjectType,
  to: CrmObjectType,
  fromIds: readonly string[],
): Promise<Map<string, string[]>> {
  const byId = new Map<string, string[]>();
  for (const id of fromIds) byId.set(id, []);
  let pending: { id: string; after?: string }[] = [...byId.keys()].map((id) => ({ id }));
  while (pending.length > 0) {
    const nextRound: { id: string; after: string }[] = [];
    for (const inputs of chunk(pending, client.manifest.limits.associationBatchRead)) {
      const { data } = await client.request({
        method: 'POST',
        path: hubspotPaths.associationsBatchRead(from, to),
        idempotent: true,
        body: { inputs },
        schema: AssociationsBatchResponseSchema,
      });
      // Ids without associations come back as 207 errors (NO_ASSOCIATIONS_FOUND); they stay empty.
      for (const result of data.results) {
        const list = byId.get(result.from.id) ?? [];
        list.push(...result.to.map((t) => t.toObjectId));
        byId.set(result.from.id, list);
        const after = result.paging?.next?.after;
        if (after) nextRound.push({ id: result.from.id, after });
      }
    }
    pending = nextRound;
  }
  for (const [id, list] of byId) byId.set(id, [...new Set(list)]);
  return byId;
}

export const COMPANY_ASSOCIATION_TARGETS = ['contacts', 'deals', 'tickets', 'calls', 'emails', 'meetings', 'notes'] as const;
export type CompanyAssociationTarget = (typeof COMPANY_ASSOCIATION_TARGETS)[number];
export type CompanyGraph = Record<CompanyAssociationTarget, Map<string, string[]>>;

/** Every association a health computation needs, for many companies at once. */
export async function readCompanyGraph(
  client: HubSpotClient,
  companyIds: readonly string[],
  targets: readonly CompanyAssociationTarget[] = COMPANY_ASSOCIATION_TARGETS,
): Promise<CompanyGraph> {
  const graph: CompanyGraph = {
    contacts: new Map(),
    deals: new Map(),
    tickets: new Map(),
    calls: new Map(),
    emails: new Map(),
    meetings: new Map(),
    notes: new Map(),
  };
  for (const target of targets) graph[target] = await readAssociations(client, 'companies', target, companyIds);
  return graph;
}

/** All distinct ids of one target type across companies. */
export function allTargetIds(map: Map<string, string[]>): string[] {
  return [...new Set([...map.values()].flat())];
}
