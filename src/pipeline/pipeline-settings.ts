import { ConfigError } from '../config/load-config.ts';
import { z } from 'zod';
import type { PipelineStage } from './types.ts';

/** Tuning of queues, retries and schedules. Defaults suit production; tests shorten the clocks. */
export type PipelineSettings = {
  /** Redis key prefix of every pipeline queue (lets several deployments or tests share one Redis). */
  queuePrefix: string;
  /** Jobs one process works on at once, per stage. */
  concurrency: Record<PipelineStage, number>;
  /** Tasks of one workspace running at once per stage, across all processes (fairness). */
  workspaceConcurrency: number;
  /** Handler attempts before a task fails (rate-limit delays and database outages do not count). */
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Delay for a 429 that did not say how long to wait. */
  defaultRateLimitDelayMs: number;
  /** Wait before retrying when our own database is unreachable. */
  infrastructureRetryMs: number;
  /** Wait before re-checking a workspace that is at its concurrency cap. */
  fairnessRetryMs: number;
  /** Incremental sync schedule for every workspace (cron; six fields allow seconds). */
  syncCron: string;
  /** Daily full rescore so staleness and lifecycle stages move without new signals. */
  fullRescoreCron: string;
  timezone: string;
  /** Webhook events within this window are gathered into one targeted sync. */
  debounceMs: number;
  /** A targeted run with more object ids than this becomes a plain incremental sync. */
  maxTargetedIds: number;
  /** BullMQ job lock; a killed worker's job is picked up again after about this long. */
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** How often tasks recorded as open in the database are checked against the queues. */
  sweepIntervalMs: number;
  /** A running task whose heartbeat is older than this is presumed dead. */
  staleAfterMs: number;
  /** Progress is written at most this often while a handler runs. */
  progressFlushMs: number;
};

export const DEFAULT_PIPELINE_SETTINGS: PipelineSettings = {
  queuePrefix: 'crmh',
  concurrency: { pull: 4, score: 2, writeBack: 4, actions: 2 },
  workspaceConcurrency: 2,
  maxAttempts: 6,
  backoffBaseMs: 2_000,
  backoffMaxMs: 10 * 60_000,
  defaultRateLimitDelayMs: 10_000,
  infrastructureRetryMs: 5_000,
  fairnessRetryMs: 1_000,
  syncCron: '*/15 * * * *',
  fullRescoreCron: '0 3 * * *',
  timezone: 'UTC',
  debounceMs: 10_000,
  maxTargetedIds: 500,
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
  sweepIntervalMs: 60_000,
  staleAfterMs: 90_000,
  progressFlushMs: 1_000,
};

const positiveInt = z.string().regex(/^\d+$/, 'expected a whole number').transform(Number).pipe(z.number().int().positive());

const PIPELINE_EXAMPLES: Record<string, string> = {
  PIPELINE_QUEUE_PREFIX: 'crmh',
  PIPELINE_CONCURRENCY: '4',
  PIPELINE_WORKSPACE_CONCURRENCY: '2',
  PIPELINE_MAX_ATTEMPTS: '5',
  PIPELINE_SYNC_CRON: '"*/15 * * * *"',
  PIPELINE_FULL_RESCORE_CRON: '"0 3 * * *"',
  PIPELINE_DEBOUNCE_MS: '5000',
};

/** Optional environment overrides, validated like the rest of the configuration. */
const PipelineEnvSchema = z.object({
  PIPELINE_QUEUE_PREFIX: z.string().regex(/^[\w.-]+$/, 'letters, digits, dot, dash or underscore').optional(),
  PIPELINE_CONCURRENCY: positiveInt.optional(),
  PIPELINE_WORKSPACE_CONCURRENCY: positiveInt.optional(),
  PIPELINE_MAX_ATTEMPTS: positiveInt.optional(),
  PIPELINE_SYNC_CRON: z.string().min(9).optional(),
  PIPELINE_FULL_RESCORE_CRON: z.string().min(9).optional(),
  PIPELINE_DEBOUNCE_MS: positiveInt.optional(),
});

export function pipelineSettingsFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Partial<PipelineSettings> = {}): PipelineSettings {
  const relevant = Object.fromEntries(
    Object.keys(PipelineEnvSchema.shape).map((k) => [k, env[k]]).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = PipelineEnvSchema.safeParse(relevant);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const name = String(i.path[0]);
        return `${name}: ${i.message}; got ${JSON.stringify(env[name])}.${PIPELINE_EXAMPLES[name] ? ` Example: ${name}=${PIPELINE_EXAMPLES[name]}` : ''}`;
      }),
    );
  }
  const e = parsed.data;
  const base = DEFAULT_PIPELINE_SETTINGS;
  const perStage = e.PIPELINE_CONCURRENCY;
  return {
    ...base,
    queuePrefix: e.PIPELINE_QUEUE_PREFIX ?? base.queuePrefix,
    concurrency: perStage ? { pull: perStage, score: perStage, writeBack: perStage, actions: perStage } : base.concurrency,
    workspaceConcurrency: e.PIPELINE_WORKSPACE_CONCURRENCY ?? base.workspaceConcurrency,
    maxAttempts: e.PIPELINE_MAX_ATTEMPTS ?? base.maxAttempts,
    syncCron: e.PIPELINE_SYNC_CRON ?? base.syncCron,
    fullRescoreCron: e.PIPELINE_FULL_RESCORE_CRON ?? base.fullRescoreCron,
    debounceMs: e.PIPELINE_DEBOUNCE_MS ?? base.debounceMs,
    ...overrides,
  };
}

/** Exponential backoff with ±20% jitter so retries of many jobs do not arrive together. */
export function retryDelayMs(attempt: number, settings: Pick<PipelineSettings, 'backoffBaseMs' | 'backoffMaxMs'>, random = Math.random): number {
  const raw = Math.min(settings.backoffMaxMs, settings.backoffBaseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(raw * (0.8 + 0.4 * random()));
}
