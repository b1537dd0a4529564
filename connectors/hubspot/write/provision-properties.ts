/**
 * Creates the "Customer Health" group and properties on companies, idempotently: reads what
 * exists, batch-creates what is missing, PATCHes what drifted (label, description, group,
 * type, field type, options). Re-running never duplicates and repairs an admin's edits.
 */
import { z } from 'zod';
import { isConnectorError } from '../../core/error-kinds.ts';
import type { HubSpotClient } from '../client.ts';
import { BatchErrorSchema } from '../crm-objects.ts';
import { hubspotPaths } from '../paths.ts';
import { HEALTH_GROUP, HEALTH_PROPERTIES } from './health-properties.ts';
import type { HealthPropertyDefinition } from './health-properties.ts';

const OptionSchema = z.object({
  label: z.string(),
  value: z.string(),
  displayOrder: z.number().optional(),
  hidden: z.boolean().optional(),
});

/** The response `Property` (fields we compare). */
export const PropertyApiSchema = z.object({
  name: z.string(),
  label: z.string(),
  type: z.string(),
  fieldType: z.string(),
  groupName: z.string().optional(),
  description: z.string().optional(),
  options: z.array(OptionSchema).optional(),
  archived: z.boolean().optional(),
});
export type PropertyApi = z.infer<typeof PropertyApiSchema>;

const PropertyListSchema = z.object({ results: z.array(PropertyApiSchema) });
const PropertyGroupSchema = z.object({ name: z.string(), label: z.string(), displayOrder: z.number().optional(), archived: z.boolean().optional() });
const BatchPropertiesResponseSchema = z.object({
  status: z.string().optional(),
  results: z.array(PropertyApiSchema),
  errors: z.array(BatchErrorSchema).optional(),
});

export interface ProvisionResult {
  groupCreated: boolean;
  groupRepaired: boolean;
  created: string[];
  repaired: string[];
  unchanged: string[];
  failed: { name: string; message: string }[];
}

function sameOptions(existing: PropertyApi['options'], desired: HealthPropertyDefinition['options']): boolean {
  const a = (existing ?? []).filter((o) => !o.hidden).map((o) => `${o.value}=${o.label}`);
  const b = (desired ?? []).map((o) => `${o.value}=${o.label}`);
  return a.length === b.length && a.every((entry, i) => entry === b[i]);
}

/** Pure: which managed fields differ. */
export function propertyDrift(existing: PropertyApi, desired: HealthPropertyDefinition): string[] {
  const drift: string[] = [];
  if (existing.label !== desired.label) drift.push('label');
  if ((existing.description ?? '') !== desired.description) drift.push('description');
  if (existing.groupName !== desired.groupName) drift.push('groupName');
  if (existing.type !== desired.type) drift.push('type');
  if (existing.fieldType !== desired.fieldType) drift.push('fieldType');
  if (desired.options && !sameOptions(existing.options, desired.options)) drift.push('options');
  return drift;
}

export async function provisionHealthProperties(client: HubSpotClient, definitions: readonly HealthPropertyDefinition[] = HEALTH_PROPERTIES): Promise<ProvisionResult> {
  const result: ProvisionResult = { groupCreated: false, groupRepaired: false, created: [], repaired: [], unchanged: [], failed: [] };

  try {
    const { data: group } = await client.request({ method: 'GET', path: hubspotPaths.propertyGroup('companies', HEALTH_GROUP.name), schema: PropertyGroupSchema });
    if (group.label !== HEALTH_GROUP.label) {
      await client.request({
        method: 'PATCH',
        path: hubspotPaths.propertyGroup('companies', HEALTH_GROUP.name),
        idempotent: true,
        body: { label: HEALTH_GROUP.label },
        schema: PropertyGroupSchema,
      });
      result.groupRepaired = true;
    }
  } catch (error) {
    if (!(isConnectorError(error) && error.kind === 'not_found')) throw error;
    await client.request({
      method: 'POST',
      path: hubspotPaths.propertyGroups('companies'),
      // A resent create answers 409 at worst, which the next run reads as "exists".
      idempotent: true,
      body: { name: HEALTH_GROUP.name, label: HEALTH_GROUP.label, displayOrder: HEALTH_GROUP.displayOrder },
      schema: PropertyGroupSchema,
    });
    result.groupCreated = true;
  }

  const { data } = await client.request({ method: 'GET', path: hubspotPaths.properties('companies'), query: { archived: false }, schema: PropertyListSchema });
  const existing = new Map(data.results.map((p) => [p.name, p]));

  const missing = definitions.filter((def) => !existing.has(def.name));
  if (missing.length > 0) {
    const { data: created } = await client.request({
      method: 'POST',
      path: hubspotPaths.propertiesBatchCreate('companies'),
      idempotent: true, // property names are unique: a replay cannot duplicate, only conflict
      body: { inputs: missing },
      schema: BatchPropertiesResponseSchema,
    });
    const createdNames = new Set(created.results.map((p) => p.name));
    for (const def of missing) {
      if (createdNames.has(def.name)) result.created.push(def.name);
      else {
        const reason = created.errors?.find((e) => JSON.stringify(e.context ?? {}).includes(def.name))?.message ?? created.errors?.[0]?.message ?? 'not created';
        result.failed.push({ name: def.name, message: reason });
      }
    }
  }

  for (const def of definitions) {
    const current = existing.get(def.name);
    if (!current) continue;
    const drift = propertyDrift(current, def);
    if (drift.length === 0) {
      result.unchanged.push(def.name);
      continue;
    }
    try {
      await client.request({
        method: 'PATCH',
        path: hubspotPaths.property('companies', def.name),
        idempotent: true, // the same PATCH twice leaves the same definition
        body: {
          label: def.label,
          description: def.description,
          groupName: def.groupName,
          type: def.type,
          fieldType: def.fieldType,
          displayOrder: def.displayOrder,
          formField: def.formField,
          ...(def.options ? { options: def.options } : {}),
        },
        schema: PropertyApiSchema,
      });
      result.repaired.push(def.name);
    } catch (error) {
      // E.g. HubSpot refuses a type change on a property that holds values: report, carry on.
      if (isConnectorError(error) && error.kind === 'invalid_input') result.failed.push({ name: def.name, message: error.message });
      else throw error;
    }
  }
  return result;
}
