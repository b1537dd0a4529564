import type { Logger } from '../logging/logger.ts';
import type { PipelineTaskRow, WorkspaceRepository } from '../storage/workspace-repository.ts';
import { classifyJobError } from './job-errors.ts';
import { scoresComputed, scoresWritten, taskDuration, taskOutcomes } from './metrics.ts';
import { retryDelayMs, type PipelineSettings } from './pipeline-settings.ts';
import { parseRunOptions } from './run-options.ts';
import type { RunPlanner, TaskRef } from './run-planner.ts';
import type { HandlerRegistry } from './stage-handlers.ts';
import type { JobContext, ProgressUpdate, StageHandler, StageResult } from './types.ts';

/**
 * What happened to one execution of a task. `retry` counts as an attempt, `delay` does not
 * (a 429, the database being away, the workspace at its fairness cap, a shutdown).
 */
export type TaskOutcome =
  | { type: 'done'; next: TaskRef[] }
  | { type: 'retry'; delayMs: number; error: string }
  | { type: 'delay'; delayMs: number; reason: string }
  | { type: 'failed'; error: string; next: TaskRef[] }
  | { type: 'cancelled'; reason: string; next: TaskRef[] };

export type TaskRunnerDeps = {
  workspace(id: string): WorkspaceRepository;
  handlers: HandlerRegistry;
  planner: RunPlanner;
  settings: PipelineSettings;
  logger: Logger;
  /** Resolves when our own database answers; used to tell "the handler failed" from "the database is away". */
  pingDatabase(): Promise<void>;
};

export type TaskRunner = ReturnType<typeof createTaskRunner>;

function resolveHandler(handlers: HandlerRegistry, task: PipelineTaskRow, provider: string | null): StageHandler | undefined {
  if (task.stage === 'pull') return provider ? handlers.pull(provider)?.run : undefined;
  if (task.stage === 'score') return handlers.score();
  if (task.stage === 'writeBack') return provider ? handlers.writeBack(provider) : undefined;
  return handlers.actions();
}

/** Runs one task by id: the same code behind the BullMQ workers and the in-process runner. */
export function createTaskRunner(deps: TaskRunnerDeps) {
  const { settings, logger } = deps;

  const databaseAway = async (): Promise<boolean> => {
    try {
      await deps.pingDatabase();
      return false;
    } catch {
      return true;
    }
  };

  const waitForDatabase = (error: unknown): TaskOutcome => {
    logger.warn({ err: error }, 'database unavailable; the task waits and retries');
    return { type: 'delay', delayMs: settings.infrastructureRetryMs, reason: `database unavailable: ${(error as Error).message}` };
  };

  async function recordPullState(repo: WorkspaceRepository, task: PipelineTaskRow, patch: Parameters<WorkspaceRepository['sync']['save']>[2]) {
    if (task.stage !== 'pull' || !task.connectionId || !task.object) return;
    await repo.sync.save(task.connectionId, task.object, patch);
  }

  async function execute(ref: TaskRef, outerSignal?: AbortSignal): Promise<TaskOutcome> {
    const repo = deps.workspace(ref.workspaceId);
    const task = await repo.pipeline.task(ref.taskId);
    if (!task || task.status === 'succeeded' || task.status === 'failed' || task.status === 'cancelled') {
      return { type: 'done', next: [] }; // a duplicate delivery of finished work: nothing to do
    }
    if (task.notBefore && task.notBefore.getTime() > Date.now() + 50) {
      return { type: 'delay', delayMs: task.notBefore.getTime() - Date.now(), reason: 'not due yet' };
    }
    const connection = task.connectionId ? await repo.connections.get(task.connectionId) : null;
    if (task.connectionId && connection?.status !== 'active') {
      const reason = connection ? `connection ${connection.provider} is ${connection.status}` : 'connection was removed';
      await repo.pipeline.updateOpenTask(task.id, { status: 'cancelled', error: reason, finishedAt: new Date() });
      taskOutcomes.inc({ stage: task.stage, outcome: 'cancelled' });
      return { type: 'cancelled', reason, next: await deps.planner.advance(ref.workspaceId, task.runId) };
    }
    const provider = connection?.provider ?? null;
    const handler = resolveHandler(deps.handlers, task, provider);
    if (!handler) {
      const error = `no ${task.stage} handler registered${provider ? ` for ${provider}` : ''}`;
      await repo.pipeline.updateOpenTask(task.id, { status: 'failed', errorKind: 'permanent', error, finishedAt: new Date() });
      return { type: 'failed', error, next: await deps.planner.advance(ref.workspaceId, task.runId) };
    }
    const started = await repo.pipeline.startTask(task.id);
    if (!started) return { type: 'done', next: [] };
    const run = await repo.jobRuns.get(task.runId);
    const options = parseRunOptions(run?.options);
    const since = options.full ? null : await repo.pipeline.lastSucceededStart(task.stage);
    await recordPullState(repo, task, { stage: 'running', retryAfter: null });
    await deps.planner.refresh(ref.workspaceId, task.runId);

    // Progress is merged in memory and written at most every progressFlushMs, plus a heartbeat
    // so a sweeper can tell a live task from one whose worker died.
    let progress: Record<string, unknown> = { ...started.progress };
    let dirty = false;
    let flushing: Promise<void> = Promise.resolve();
    const flush = () => {
      const snapshot = progress;
      const wasDirty = dirty;
      dirty = false;
      flushing = flushing
        .then(async () => {
          await repo.pipeline.updateOpenTask(task.id, { heartbeatAt: new Date(), ...(wasDirty ? { progress: snapshot } : {}) });
          if (wasDirty) await deps.planner.refresh(ref.workspaceId, task.runId);
        })
        .catch((error: unknown) => logger.warn({ err: error, taskId: task.id }, 'progress write failed'));
      return flushing;
    };
    const timer = setInterval(() => void flush(), Math.min(settings.progressFlushMs, settings.staleAfterMs / 3));
    const controller = new AbortController();
    const onOuterAbort = () => controller.abort(outerSignal?.reason);
    outerSignal?.addEventListener('abort', onOuterAbort, { once: true });

    const context: JobContext = {
      workspaceId: ref.workspaceId,
      connectionId: task.connectionId,
      provider,
      stage: task.stage,
      object: task.object || null,
      runId: task.runId,
      taskId: task.id,
      attempt: started.attempts,
      options,
      since,
      repo,
      logger: logger.child({ workspaceId: ref.workspaceId, runId: task.runId, taskId: task.id, stage: task.stage, object: task.object || undefined }),
      signal: controller.signal,
      async reportProgress(update: ProgressUpdate) {
        const counts = { ...(progress.counts as Record<string, number> | undefined), ...update.counts };
        progress = { ...progress, ...update, counts };
        dirty = true;
      },
    };

    const began = performance.now();
    const seconds = () => (performance.now() - began) / 1000;
    let result: StageResult;
    try {
      result = await handler(context);
    } catch (error) {
      clearInterval(timer);
      outerSignal?.removeEventListener('abort', onOuterAbort);
      await flushing;
      return handleFailure(repo, started, error, progress, seconds(), outerSignal);
    }
    clearInterval(timer);
    outerSignal?.removeEventListener('abort', onOuterAbort);
    await flushing;
    const counts = { ...(progress.counts as Record<string, number> | undefined), ...(result ? result.counts : {}) };
    const finalProgress = { ...progress, counts, ...(result?.message ? { message: result.message } : {}) };
    const recorded = await repo.pipeline.updateOpenTask(task.id, {
      status: 'succeeded', progress: finalProgress, error: null, errorKind: null, finishedAt: new Date(), heartbeatAt: new Date(),
    });
    if (!recorded) return { type: 'done', next: [] }; // cancelled while it ran: its outcome is already decided
    await recordPullState(repo, task, { stage: 'idle', failures: 0, lastError: null, retryAfter: null, lastRunAt: new Date() });
    taskOutcomes.inc({ stage: task.stage, outcome: 'succeeded' });
    taskDuration.observe({ stage: task.stage, outcome: 'succeeded' }, seconds());
    if (task.stage === 'score' && counts.scored) scoresComputed.inc(counts.scored);
    if (task.stage === 'writeBack' && counts.written && provider) scoresWritten.inc({ provider }, counts.written);
    return { type: 'done', next: await deps.planner.advance(ref.workspaceId, task.runId) };
  }

  async function handleFailure(
    repo: WorkspaceRepository, task: PipelineTaskRow, error: unknown, progress: Record<string, unknown>, seconds: number, outerSignal?: AbortSignal,
  ): Promise<TaskOutcome> {
    const classified = classifyJobError(error);
    const observe = (outcome: string) => {
      taskOutcomes.inc({ stage: task.stage, outcome });
      taskDuration.observe({ stage: task.stage, outcome }, seconds);
    };
    const notAnAttempt = { attempts: Math.max(0, task.attempts - 1) };

    if (outerSignal?.aborted) {
      // Shutting down: put the task back as it was; another worker (or this one on restart) resumes it.
      await repo.pipeline.updateOpenTask(task.id, { status: 'queued', progress, ...notAnAttempt });
      observe('interrupted');
      return { type: 'delay', delayMs: 0, reason: 'worker shutting down' };
    }
    if (classified.kind === 'rate_limited') {
      const delayMs = classified.retryAfterMs ?? settings.defaultRateLimitDelayMs;
      const notBefore = new Date(Date.now() + delayMs);
      await repo.pipeline.updateOpenTask(task.id, {
        status: 'delayed', notBefore, errorKind: 'rate_limited', error: classified.message, progress, ...notAnAttempt,
      });
      await recordPullState(repo, task, { stage: 'delayed', retryAfter: notBefore, lastError: classified.message });
      await deps.planner.refresh(repo.workspaceId, task.runId);
      observe('delayed');
      return { type: 'delay', delayMs, reason: `rate limited: ${classified.message}` };
    }
    if (classified.kind === 'needs_reauth' && task.connectionId) {
      // Tokens stay stored: only the provider's handler knows whether they are dead (an uninstall)
      // or merely short of a scope, and it clears them itself in the first case.
      await repo.connections.setStatus(task.connectionId, 'needs_reauth', classified.message);
      const reason = `connection needs re-authorisation: ${classified.message}`;
      await repo.pipeline.updateOpenTask(task.id, { status: 'cancelled', errorKind: 'needs_reauth', error: reason, progress, finishedAt: new Date() });
      await repo.pipeline.cancelOpenTasks({ connectionId: task.connectionId }, reason);
      await recordPullState(repo, task, { stage: 'needs_reauth', lastError: classified.message });
      observe('cancelled');
      return { type: 'cancelled', reason, next: await deps.planner.advance(repo.workspaceId, task.runId) };
    }
    if (classified.kind === 'unknown' && (await databaseAway())) {
      await repo.pipeline.updateOpenTask(task.id, { status: 'queued', progress, ...notAnAttempt }).catch(() => undefined);
      observe('waited');
      return { type: 'delay', delayMs: settings.infrastructureRetryMs, reason: `database unavailable: ${classified.message}` };
    }
    const final = classified.kind === 'permanent' || classified.kind === 'invalid_input' || classified.kind === 'needs_reauth'
      || task.attempts >= settings.maxAttempts;
    if (final) {
      const message = task.attempts >= settings.maxAttempts && !['permanent', 'invalid_input'].includes(classified.kind)
        ? `gave up after ${task.attempts} attempts: ${classified.message}`
        : classified.message;
      await repo.pipeline.updateOpenTask(task.id, { status: 'failed', errorKind: classified.kind, error: message, progress, finishedAt: new Date() });
      const state = task.connectionId && task.object ? await repo.sync.get(task.connectionId, task.object) : null;
      await recordPullState(repo, task, { stage: 'failed', failures: (state?.failures ?? 0) + 1, lastError: message });
      observe('failed');
      logger.warn({ workspaceId: repo.workspaceId, taskId: task.id, stage: task.stage, kind: classified.kind, error: message }, 'pipeline task failed');
      return { type: 'failed', error: message, next: await deps.planner.advance(repo.workspaceId, task.runId) };
    }
    if (classified.kind === 'not_found' && task.connectionId && task.object) {
      // The remote object behind the checkpoint is gone: start that object over.
      await repo.sync.save(task.connectionId, task.object, { checkpoint: null });
    }
    const delayMs = retryDelayMs(task.attempts, settings);
    await repo.pipeline.updateOpenTask(task.id, {
      status: 'queued', notBefore: new Date(Date.now() + delayMs), errorKind: classified.kind, error: classified.message, progress,
    });
    const state = task.connectionId && task.object ? await repo.sync.get(task.connectionId, task.object) : null;
    await recordPullState(repo, task, { stage: 'retrying', failures: (state?.failures ?? 0) + 1, lastError: classified.message });
    await deps.planner.refresh(repo.workspaceId, task.runId);
    observe('retried');
    return { type: 'retry', delayMs, error: classified.message };
  }

  return {
    /** Never throws: problems with our own database become a `delay` outcome. */
    async run(ref: TaskRef, signal?: AbortSignal): Promise<TaskOutcome> {
      try {
        return await execute(ref, signal);
      } catch (error) {
        if (await databaseAway()) return waitForDatabase(error);
        // The database answers, so this is a fault of ours, not an outage: retry, and the
        // attempt counted by startTask lets it fail for good after maxAttempts.
        logger.error({ err: error, taskId: ref.taskId }, 'pipeline task crashed');
        return { type: 'retry', delayMs: settings.infrastructureRetryMs, error: (error as Error).message };
      }
    },
  };
}
