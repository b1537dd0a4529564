import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Logger } from '../logging/logger.ts';
import { redisFairnessGate } from './fairness.ts';
import { jobsByState } from './metrics.ts';
import type { PipelineDirectory } from './pipeline-directory.ts';
import type { PipelineSettings } from './pipeline-settings.ts';
import type { RunPlanner, TaskRef } from './run-planner.ts';
import { STAGE_QUEUES } from './queue-names.ts';
import type { TaskRunner } from './task-runner.ts';
import { STAGES, type PipelineStage } from './types.ts';

const TaskJobData = z.object({ taskId: z.string().uuid(), workspaceId: z.string().uuid(), stage: z.enum(['pull', 'score', 'writeBack', 'actions']) });
type TaskJobData = z.infer<typeof TaskJobData>;

/** A retryable failure; the worker's backoff strategy reads the delay our retry policy chose. */
class RetryLater extends Error {
  override name = 'RetryLater';
  readonly retryDelayMs: number;
  constructor(message: string, retryDelayMs: number) {
    super(message);
    this.retryDelayMs = retryDelayMs;
  }
}

/**
 * Stage queues on Redis. A job is only a task id (its BullMQ job id is the task id, so a second
 * dispatch of the same task collapses); state, attempts and progress live in the database.
 * Outcomes map to BullMQ like this: retry → throw (BullMQ backoff, our delay); rate limit,
 * database outage, fairness cap → `moveToDelayed` + `DelayedError` (not an attempt);
 * final failure → `UnrecoverableError`.
 */
export function createBullmqBackend(deps: {
  redis: Redis; runner: TaskRunner; planner: RunPlanner; directory: PipelineDirectory; settings: PipelineSettings; logger: Logger;
}) {
  const { redis, settings, logger } = deps;
  const connection = redis;
  const queues = new Map<PipelineStage, Queue<TaskJobData>>(
    STAGES.map((stage) => [stage, new Queue<TaskJobData>(STAGE_QUEUES[stage], { connection, prefix: settings.queuePrefix })]),
  );
  let lastConnectionWarning = 0;
  const onQueueError = (error: Error) => {
    // Redis being away is logged once in a while, not once per command.
    if (Date.now() - lastConnectionWarning > 10_000) {
      lastConnectionWarning = Date.now();
      logger.warn({ err: error }, 'pipeline queue cannot reach Redis');
    }
  };
  for (const q of queues.values()) q.on('error', onQueueError);
  const queue = (stage: PipelineStage): Queue<TaskJobData> => {
    const q = queues.get(stage);
    if (!q) throw new Error(`no queue for stage ${stage}`);
    return q;
  };
  const gate = redisFairnessGate(redis, { prefix: settings.queuePrefix, limit: settings.workspaceConcurrency, leaseMs: settings.lockDurationMs * 2 });
  const workers: Worker<TaskJobData>[] = [];
  const jobOptions = (delayMs: number) => ({
    delay: Math.max(0, Math.round(delayMs)),
    // The database decides when a task has failed for good; BullMQ's count is a safety net.
    attempts: settings.maxAttempts * 2 + 2,
    backoff: { type: 'pipeline' },
    removeOnComplete: { age: 3_600, count: 2_000 },
    removeOnFail: { age: 7 * 24 * 3_600 },
  });

  async function dispatch(refs: readonly TaskRef[]): Promise<void> {
    for (const ref of refs) {
      await queue(ref.stage).add(ref.stage, { taskId: ref.taskId, workspaceId: ref.workspaceId, stage: ref.stage }, { jobId: ref.taskId, ...jobOptions(ref.delayMs ?? 0) });
    }
  }

  async function processJob(job: Job<TaskJobData>, token: string | undefined, signal: AbortSignal | undefined): Promise<string> {
    const parsed = TaskJobData.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`malformed pipeline job ${job.id}: ${parsed.error.message}`);
    const ref: TaskRef = parsed.data;
    const delay = async (ms: number): Promise<never> => {
      await job.moveToDelayed(Date.now() + Math.max(0, Math.round(ms)), token);
      throw new DelayedError();
    };
    if (!(await gate.tryAcquire(ref.stage, ref.workspaceId, ref.taskId))) {
      return delay(settings.fairnessRetryMs * (0.5 + Math.random()));
    }
    const renew = setInterval(() => void gate.renew(ref.stage, ref.workspaceId, ref.taskId).catch(() => undefined), settings.lockDurationMs);
    let outcome: Awaited<ReturnType<TaskRunner['run']>>;
    try {
      outcome = await deps.runner.run(ref, signal);
    } finally {
      clearInterval(renew);
      await gate.release(ref.stage, ref.workspaceId, ref.taskId).catch(() => undefined);
    }
    switch (outcome.type) {
      case 'done':
        await dispatch(outcome.next);
        return 'done';
      case 'cancelled':
        await dispatch(outcome.next);
        return `cancelled: ${outcome.reason}`;
      case 'failed':
        await dispatch(outcome.next);
        throw new UnrecoverableError(outcome.error);
      case 'retry':
        throw new RetryLater(outcome.error, outcome.delayMs);
      case 'delay':
        return delay(outcome.delayMs);
    }
  }

  /**
   * Re-creates jobs for tasks the database shows as open but Redis does not hold (Redis lost its
   * data, or a process stopped between writing a task and enqueueing it) and restarts runs that
   * stopped between two stages. Safe to run from many processes at once: job ids are task ids.
   */
  async function sweep(): Promise<{ requeued: number; advanced: number }> {
    let requeued = 0;
    let advanced = 0;
    const now = Date.now();
    for (const task of await deps.directory.openTasks()) {
      if (task.status === 'running' && task.heartbeatAt && now - task.heartbeatAt.getTime() < settings.staleAfterMs) continue;
      const existing = await queue(task.stage).getJob(task.taskId);
      if (existing) {
        const state = await existing.getState();
        if (state !== 'completed' && state !== 'failed' && state !== 'unknown') continue;
        await existing.remove().catch(() => undefined);
      }
      await dispatch([{ ...task, delayMs: task.notBefore ? task.notBefore.getTime() - now : 0 }]);
      requeued += 1;
    }
    for (const run of await deps.directory.stuckRuns()) {
      const next = await deps.planner.advance(run.workspaceId, run.runId);
      await dispatch(next);
      advanced += 1;
    }
    if (requeued + advanced > 0) logger.warn({ requeued, advanced }, 'pipeline sweep restored work the queues had lost');
    return { requeued, advanced };
  }

  return {
    mode: 'redis' as const,
    dispatch,
    sweep,
    queues: () => [...queues.entries()],
    startWorkers(): void {
      for (const stage of STAGES) {
        const worker = new Worker<TaskJobData>(STAGE_QUEUES[stage], (job, token, signal) => processJob(job, token, signal), {
          connection,
          prefix: settings.queuePrefix,
          concurrency: settings.concurrency[stage],
          lockDuration: settings.lockDurationMs,
          stalledInterval: settings.stalledIntervalMs,
          // A killed worker's job comes back; resuming is what checkpoints are for, so allow it often.
          maxStalledCount: 20,
          settings: {
            backoffStrategy: (attemptsMade, _type, err) =>
              err instanceof RetryLater ? err.retryDelayMs : Math.min(settings.backoffMaxMs, settings.backoffBaseMs * 2 ** Math.max(0, attemptsMade - 1)),
          },
        });
        worker.on('error', onQueueError);
        worker.on('failed', (job, error) => {
          if (job && error instanceof UnrecoverableError) logger.warn({ stage, taskId: job.id, error: error.message }, 'pipeline job failed');
        });
        workers.push(worker);
      }
    },
    async overview() {
      const stages = {} as Record<PipelineStage, Record<string, number>>;
      for (const stage of STAGES) {
        stages[stage] = await queue(stage).getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized');
      }
      const workersOnline = await queue('pull').getWorkersCount().catch(() => 0);
      return { mode: 'redis' as const, prefix: settings.queuePrefix, stages, workersOnline };
    },
    async collectMetrics(): Promise<void> {
      for (const stage of STAGES) {
        const counts = await queue(stage).getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
        for (const [state, n] of Object.entries(counts)) jobsByState.set({ stage, state }, n);
      }
    },
    async recentFailures(limit = 20) {
      const out: Array<{ stage: PipelineStage; taskId: string | undefined; reason: string; finishedOn: number | undefined }> = [];
      for (const stage of STAGES) {
        for (const job of await queue(stage).getJobs(['failed'], 0, limit - 1, false)) {
          out.push({ stage, taskId: job.id, reason: job.failedReason, finishedOn: job.finishedOn });
        }
      }
      return out.sort((a, b) => (b.finishedOn ?? 0) - (a.finishedOn ?? 0)).slice(0, limit);
    },
    async stop(): Promise<void> {
      await Promise.allSettled(workers.map((w) => w.close()));
      await Promise.allSettled([...queues.values()].map((q) => q.close()));
    },
  };
}

export type BullmqBackend = ReturnType<typeof createBullmqBackend>;
