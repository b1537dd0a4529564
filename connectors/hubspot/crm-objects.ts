/**
 * HubSpot's own shapes for CRM records and batch/search responses (their nullability, not
 * ours), plus the batch-read helper every pull uses.
 */
import { z } from 'zod';
import { ConnectorError } from '../core/error-kinds.ts';
import type { HubSpotClient } from './client.ts';
import { hubspotPaths } from './paths.ts';
import type { CrmObjectType } from './paths.ts';

/** Property values are strings or null in HubSpot's JSON; tolerate stray numbers/booleans. */
const PropertyValueSchema = z
  .union([z.string(), z.number(), z.boolean(), z.null()])
  .transform((value) => (value === null ? null : String(value)));

/** SimplePublicObject. */
export const CrmObjectApiSchema = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  properties: z.record(z.string(), PropertyValueSchema),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
  archived: z.boolean().optional(),
});
export type CrmObjectApi = z.infer<typeof CrmObjectApiSchema>;

/** StandardError inside batch responses (207 Multi-Status). */
export const BatchErrorSchema = z.object({
  status: z.string().optional(),
  category: z.string().optional(),
  message: z.string().optional(),
  id: z.string().optional(),
  context: z.record(z.string(), z.unknown()).optional(),
  errors: z.array(z.object({ message: z.string().optional(), code: z.string().optional(), in: z.string().optional() })).optional(),
});
export type BatchError = z.infer<typeof BatchErrorSchema>;

export const BatchObjectsResponseSchema = z.object({
  status: z.string().optional(),
  results: z.array(CrmObjectApiSchema.extend({ objectWriteTraceId: z.string().optional() })),
  errors: z.array(BatchErrorSchema).optional(),
  numErrors: z.number().optional(),
});

export const SearchResponseSchema = z.object({
  total: z.number().optional(),
  results: z.array(CrmObjectApiSchema),
  paging: z.object({ next: z.object({ after: z.string() }).optional() }).optional(),
});
export type SearchResponse = z.infer<typeof SearchResponseSchema>;

/** Ids named by a batch error (`context.ids`, or `context.objectWriteTraceId`/`id`). */
export function idsInBatchError(error: BatchError): string[] {
  const ids: string[] = [];
  for (const key of ['ids', 'id', 'objectWriteTraceId', 'objectWriteTraceIds']) {
    const value = error.context?.[key];
    if (Array.isArray(value)) ids.push(...value.filter((v): v is string | number => typeof v === 'string' || typeof v === 'number').map(String));
    else if (typeof value === 'string' || typeof value === 'number') ids.push(String(value));
  }
  if (error.id) ids.push(error.id);
  return ids;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Reads records by id, `batchRead` (100) at a time. Ids HubSpot no longer has come back as
 * 207 errors and are simply absent from the result.
 */
export async function batchReadObjects(
  client: HubSpotClient,
  type: CrmObjectType,
  ids: readonly string[],
  properties: readonly string[],
): Promise<Map<string, CrmObjectApi>> {
  const found = new Map<string, CrmObjectApi>();
  const unique = [...new Set(ids)];
  for (const group of chunk(unique, client.manifest.limits.batchRead)) {
    const { data } = await client.request({
      method: 'POST',
      path: hubspotPaths.objectBatchRead(type),
      idempotent: true,
      body: { inputs: group.map((id) => ({ id })), properties: [...properties], propertiesWithHistory: [] },
      schema: BatchObjectsResponseSchema,
    });
    for (const record of data.results) found.set(record.id, record);
    // A record that no longer exists is simply absent; any other per-record error means the
    // answer is incomplete, and signals computed from it would be wrong: retry instead.
    const incomplete = (data.errors ?? []).filter((e) => e.category !== 'OBJECT_NOT_FOUND');
    if (incomplete.length > 0) {
      throw new ConnectorError({
        kind: 'retryable',
        provider: 'hubspot',
        code: incomplete[0]?.category ?? 'BATCH_PARTIAL',
        message: `HubSpot answered a ${type} batch read only in part (${incomplete.length} error(s): ${incomplete[0]?.message ?? 'no message'})`,
      });
    }
  }
  return found;
}

/** The records of `ids` that were found, in id order. */
export function pickRecords(map: Map<string, CrmObjectApi>, ids: readonly string[] | undefined): CrmObjectApi[] {
  return (ids ?? []).flatMap((id) => {
    const found = map.get(id);
    return found ? [found] : [];
  });
}
