import { z } from 'zod';
import type { RunOptions } from './types.ts';

const RunOptionsSchema = z.object({
  full: z.boolean().default(false),
  sources: z.array(z.string()).nullable().default(null),
  connectionIds: z.array(z.string()).nullable().default(null),
  objectIds: z.array(z.string()).nullable().default(null),
});

/** Reads the options stored on a run row (jsonb), tolerating rows written before a field existed. */
export function parseRunOptions(value: unknown): RunOptions {
  const parsed = RunOptionsSchema.safeParse(value ?? {});
  return parsed.success ? parsed.data : { full: false, sources: null, connectionIds: null, objectIds: null };
}

export function runOptions(partial: Partial<RunOptions> = {}): RunOptions {
  return {
    full: partial.full ?? false, sources: partial.sources ?? null, connectionIds: partial.connectionIds ?? null, objectIds: partial.objectIds ?? null,
  };
}
