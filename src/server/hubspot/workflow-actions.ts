/**
 * Custom workflow action requests ("Get health details", "Rescore company").
 * HubSpot POSTs `callbackId`, `origin.portalId`, `object.{objectId, objectType}` and
 * `inputFields`; the answer's `outputFields` must carry `hs_execution_state`.
 */
import { z } from 'zod';
import type { HealthDetails } from './health-details.ts';

const hubspotId = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).transform(String);

export const workflowActionRequestSchema = z.looseObject({
  callbackId: z.string().min(1),
  origin: z.looseObject({ portalId: hubspotId }),
  object: z.looseObject({ objectId: hubspotId, objectType: z.string().min(1) }),
  inputFields: z.record(z.string(), z.unknown()).optional().default({}),
});

export type WorkflowActionRequest = z.infer<typeof workflowActionRequestSchema>;

/** SUCCESS continues the workflow with outputs; FAIL_CONTINUE continues without them. */
export type ExecutionState = 'SUCCESS' | 'FAIL_CONTINUE' | 'BLOCK';

export type OutputValue = string | number | boolean;

export interface WorkflowActionResponse {
  outputFields: Record<string, OutputValue> & { hs_execution_state: ExecutionState };
}

/** Output field names; they must match `get-health-details-hsmeta.json`. */
export const HEALTH_OUTPUT_FIELDS = [
  'health_score',
  'health_tier',
  'health_trend',
  'health_change_30d',
  'health_confidence',
  'health_churn_risk',
  'health_top_drivers',
  'health_model_version',
] as const;

export function isCompanyObject(objectType: string): boolean {
  return ['COMPANY', 'COMPANIES', '0-2'].includes(objectType.toUpperCase());
}

function signedPoints(points: number): string {
  return points > 0 ? `+${points}` : points < 0 ? `−${Math.abs(points)}` : '0';
}

export function driversText(details: Pick<HealthDetails, 'drivers' | 'categories'>): string {
  const label = new Map(details.categories.map((c) => [c.key, c.label]));
  return details.drivers
    .slice(0, 3)
    .map((d) => `${label.get(d.category) ?? d.category} ${signedPoints(d.points)}: ${d.description}`)
    .join('; ');
}

/** Missing values are left out rather than sent as empty strings, so workflows can branch on "is known". */
export function healthDetailsOutput(details: HealthDetails): WorkflowActionResponse {
  const outputFields: WorkflowActionResponse['outputFields'] = {
    hs_execution_state: 'SUCCESS',
    health_confidence: Math.round(details.confidence * 100),
    health_top_drivers: driversText(details),
    health_model_version: details.modelVersion,
  };
  if (details.score !== null) outputFields.health_score = details.score;
  if (details.tier !== null && !details.insufficientData) outputFields.health_tier = details.tier;
  else if (details.insufficientData) outputFields.health_tier = 'insufficient_data';
  if (details.trend !== null) outputFields.health_trend = details.trend;
  if (details.change30d !== null) outputFields.health_change_30d = details.change30d;
  if (details.churnProbability !== null) outputFields.health_churn_risk = Math.round(details.churnProbability * 100);
  return { outputFields };
}

export function failContinue(): WorkflowActionResponse {
  return { outputFields: { hs_execution_state: 'FAIL_CONTINUE' } };
}
