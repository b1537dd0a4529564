import { z } from 'zod';
import { CATEGORY_IDS } from '../scoring/index.ts';

const score = z.number().nullable().catch(null);

/**
 * The JSON kept in `scores.result` (written by storedResult in score-workspace.ts), read back
 * with zod: rows written by older versions, or damaged ones, read as "unknown" field by field
 * instead of breaking the card, the dashboard or the write-back.
 */
export const StoredScoreResultSchema = z.object({
  categories: z
    .object({ usage: score.optional(), engagement: score.optional(), outcomes: score.optional(), contract: score.optional() })
    .catch({}),
  drivers: z.array(z.object({ factor: z.string(), points: z.number(), text: z.string() })).catch([]),
  trend: z
    .object({
      direction: z.string().nullable().optional(),
      change: z.number().nullable().optional(),
      cause: z.string().nullable().optional(),
      slopePerDay: z.number().nullable().optional(),
    })
    .nullable()
    .catch(null),
  missing: z.array(z.object({ factor: z.string(), metric: z.string(), status: z.string() })).catch([]),
  factors: z.array(z.object({ id: z.string(), category: z.enum(CATEGORY_IDS) })).catch([]),
});
export type StoredScoreResult = z.output<typeof StoredScoreResultSchema>;

export function readStoredResult(value: unknown): StoredScoreResult {
  const parsed = StoredScoreResultSchema.safeParse(value ?? {});
  return parsed.success ? parsed.data : { categories: {}, drivers: [], trend: null, missing: [], factors: [] };
}
