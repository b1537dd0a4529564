import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Logger } from '../logging/logger.ts';
import type { PipelineSettings } from './pipeline-settings.ts';
import { SCHEDULE_QUEUE, SCHEDULERS } from './queue-names.ts';
import type { ScheduleTicks } from './schedule-ticks.ts';

const WorkspaceRescoreData = z.object({ workspaceId: z.string().uuid(), runKey: z.string() });
const TargetedData = z.object({ workspaceId: z.string().uuid(), connectionId: z.string().uuid() });

/** The planned time of a tick: BullMQ scheduler job ids end in it (`repeat:<scheduler>:<millis>`). */
export function tickSlot(job: Pick<Job, 'id' | 'timestamp' | 'delay'>): number {
  const match = /:(\d{10,})$/.exec(job.id ?? '');
  return match?.[1] ? Number(match[1]) : job.timestamp + (job.delay ?? 0);
}

/**
 * Schedules on Redis. `upsertJobScheduler` is idempotent and BullMQ makes one job per iteration
 * with a deterministic id, so any number of scheduler processes produce each tick once; the
 * run keys in the database make a tick processed twice still create each run once.
 * Webhook events gather in a Redis set per connection; one delayed job per debounce window
 * (deterministic id) turns them into a targeted run.
 */
export function createBullmqScheduler(deps: { redis: Redis; settings: PipelineSettings; ticks: ScheduleTicks; logger: Logger }) {
  const { redis, settings, ticks, logger } = deps;
  const queue = new Queue(SCHEDULE_QUEUE, { connection: redis, prefix: settings.queuePrefix });
  let worker: Worker | null = null;
  let lastWarning = 0;
  const onError = (error: Error) => {
    if (Date.now() - lastWarning > 10_000) {
      lastWarning = Date.now();
      logger.warn({ err: error }, 'schedule queue cannot reach Redis');
    }
  };
  queue.on('error', onError);
  const targetedKey = (workspaceId: string, connectionId: string) => `${settings.queuePrefix}:targeted:${workspaceId}:${connectionId}`;

  async function ensureSchedules(): Promise<void> {
    await queue.upsertJobScheduler(SCHEDULERS.incremental, { pattern: settings.syncCron, tz: settings.timezone }, {
      name: SCHEDULERS.incremental, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
    });
    await queue.upsertJobScheduler(SCHEDULERS.fullRescore, { pattern: settings.fullRescoreCron, tz: settings.timezone }, {
      name: SCHEDULERS.fullRescore, opts: { removeOnComplete: { count: 30 }, removeOnFail: { count: 30 } },
    });
  }

  async function process(job: Job, token: string | undefined): Promise<unknown> {
    const later = async (ms: number): Promise<never> => {
      await job.moveToDelayed(Date.now() + ms, token);
      throw new DelayedError();
    };
    if (job.name === SCHEDULERS.incremental) {
      logger.info({ tick: job.id, pid: globalThis.process.pid }, 'schedule tick processed');
      return ticks.incremental(tickSlot(job));
    }
    if (job.name === SCHEDULERS.fullRescore) {
      const { runKey, busy } = await ticks.fullRescore(tickSlot(job));
      for (const workspaceId of busy) {
        // A workspace in the middle of a sync gets its rescore when that run ends.
        await queue.add('workspace-rescore', { workspaceId, runKey }, {
          jobId: `${runKey.replace(/:/g, '-')}-${workspaceId}`, delay: 30_000, attempts: 500, backoff: { type: 'fixed', delay: 30_000 },
          removeOnComplete: true, removeOnFail: { count: 100 },
        });
      }
      return { busy: busy.length };
    }
    if (job.name === 'workspace-rescore') {
      const data = WorkspaceRescoreData.parse(job.data);
      const result = await ticks.workspaceRescore(data.workspaceId, data.runKey);
      if (result === 'busy') throw new Error('workspace still busy with another run');
      return result;
    }
    if (job.name === 'targeted-sync') {
      const data = TargetedData.parse(job.data);
      const key = targetedKey(data.workspaceId, data.connectionId);
      const ids = await redis.smembers(key);
      if (ids.length === 0) return 'nothing to do';
      const result = await ticks.targeted(data.workspaceId, data.connectionId, ids, `webhook:${job.id}`, settings.maxTargetedIds);
      if (result === 'busy') return later(settings.debounceMs);
      // Only now forget the ids: a crash before this line makes the next window repeat them, never lose them.
      await redis.srem(key, ...ids);
      return result;
    }
    throw new Error(`unknown schedule job ${job.name}`);
  }

  return {
    ensureSchedules,
    startWorker(): void {
      worker = new Worker(SCHEDULE_QUEUE, (job, token) => process(job, token), {
        connection: redis, prefix: settings.queuePrefix, concurrency: 2,
        lockDuration: settings.lockDurationMs, stalledInterval: settings.stalledIntervalMs, maxStalledCount: 20,
      });
      worker.on('error', onError);
    },
    /** Gathers webhook object ids; the first event of a window schedules the run at the window's end. */
    async enqueueTargeted(workspaceId: string, connectionId: string, objectIds: readonly string[]): Promise<void> {
      const key = targetedKey(workspaceId, connectionId);
      if (objectIds.length > 0) await redis.sadd(key, ...objectIds);
      await redis.pexpire(key, Math.max(settings.debounceMs * 20, 3_600_000));
      const now = Date.now();
      const windowEnd = (Math.floor(now / settings.debounceMs) + 1) * settings.debounceMs;
      await queue.add('targeted-sync', { workspaceId, connectionId }, {
        jobId: `targeted-${connectionId}-${windowEnd}`, delay: windowEnd - now,
        attempts: 20, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: true, removeOnFail: { count: 100 },
      });
    },
    async nextRuns(): Promise<{ incremental: Date | null; fullRescore: Date | null }> {
      const next = async (id: string) => {
        const s = await queue.getJobScheduler(id);
        return s?.next ? new Date(s.next) : null;
      };
      return { incremental: await next(SCHEDULERS.incremental), fullRescore: await next(SCHEDULERS.fullRescore) };
    },
    queue,
    async stop(): Promise<void> {
      await worker?.close();
      await queue.close();
    },
  };
}

export type BullmqScheduler = ReturnType<typeof createBullmqScheduler>;
