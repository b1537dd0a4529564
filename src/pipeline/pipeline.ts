import type { AppContext } from '../runtime/app-context.ts';
import type { Role } from '../runtime/run-app.ts';
import { createBullmqBackend, type BullmqBackend } from './bullmq-backend.ts';
import { createBullmqScheduler, type BullmqScheduler } from './bullmq-scheduler.ts';
import { createEmbeddedBackend, type EmbeddedBackend } from './embedded-backend.ts';
import { createEmbeddedScheduler } from './embedded-scheduler.ts';
import { pipelineDirectory } from './pipeline-directory.ts';
import { pipelineSettingsFromEnv, type PipelineSettings } from './pipeline-settings.ts';
import { runOptions } from './run-options.ts';
import { createRunPlanner, type StartedRun } from './run-planner.ts';
import { scheduleTicks } from './schedule-ticks.ts';
import { defaultHandlerRegistry, type HandlerRegistry } from './stage-handlers.ts';
import { createTaskRunner } from './task-runner.ts';
import type { RunKind, RunOptions, RunTrigger } from './types.ts';

export type PipelineOptions = { handlers?: HandlerRegistry; settings?: PipelineSettings };

export type StartRunRequest = { kind?: RunKind; trigger?: RunTrigger; options?: Partial<RunOptions>; runKey?: string };

/**
 * The pipeline as one object: start runs, gather webhook events, process work for a role.
 * With Redis it is BullMQ queues and job schedulers; without, an in-process runner and node-cron,
 * both over the same planner and task runner and the same database state.
 */
export function createPipeline(ctx: AppContext, options: PipelineOptions = {}) {
  const settings = options.settings ?? pipelineSettingsFromEnv();
  const handlers = options.handlers ?? defaultHandlerRegistry;
  const logger = ctx.logger.child({ module: 'pipeline' });
  const planner = createRunPlanner({ workspace: (id) => ctx.workspace(id), handlers, logger });
  const runner = createTaskRunner({
    workspace: (id) => ctx.workspace(id), handlers, planner, settings, logger, pingDatabase: () => ctx.database.ping(),
  });
  const directory = pipelineDirectory(ctx.database.db);

  const redis = ctx.redis;
  const bull: BullmqBackend | null = redis ? createBullmqBackend({ redis, runner, planner, directory, settings, logger }) : null;
  const embedded: EmbeddedBackend | null = bull ? null : createEmbeddedBackend({ runner, settings, logger });
  const dispatch = (refs: Parameters<BullmqBackend['dispatch']>[0]) => (bull ? bull.dispatch(refs) : (embedded as EmbeddedBackend).dispatch(refs));
  const ticks = scheduleTicks({ directory, planner, dispatch, logger });
  const bullScheduler: BullmqScheduler | null = redis ? createBullmqScheduler({ redis, settings, ticks, logger }) : null;
  const embeddedScheduler = redis ? null : createEmbeddedScheduler({ settings, ticks, logger });

  const stoppers: Array<() => Promise<void>> = [];
  let sweepTimer: NodeJS.Timeout | null = null;

  async function sweepEmbedded(): Promise<void> {
    // One process owns all work: anything open in the database was left by a previous run of it.
    const open = await directory.openTasks();
    const now = Date.now();
    await embedded?.dispatch(open.map((t) => ({ ...t, delayMs: t.notBefore ? t.notBefore.getTime() - now : 0 })));
    for (const run of await directory.stuckRuns()) await embedded?.dispatch(await planner.advance(run.workspaceId, run.runId));
  }

  return {
    mode: bull ? ('redis' as const) : ('embedded' as const),
    settings,
    handlers,

    /** Creates (or finds the active) run and hands its first tasks to the queues. */
    async startRun(workspaceId: string, request: StartRunRequest = {}): Promise<StartedRun> {
      const started = await planner.startRun(workspaceId, {
        kind: request.kind ?? 'sync', trigger: request.trigger ?? 'manual', runKey: request.runKey ?? null, options: runOptions(request.options),
      });
      await dispatch(started.tasks);
      return started;
    },

    /** Webhook events: gathered for `debounceMs`, then one targeted pull and rescore for the connection. */
    async enqueueTargetedSync(workspaceId: string, connectionId: string, objectIds: readonly string[]): Promise<void> {
      if (bullScheduler) return bullScheduler.enqueueTargeted(workspaceId, connectionId, objectIds);
      return embeddedScheduler?.enqueueTargeted(workspaceId, connectionId, objectIds);
    },

    /** Starts what the role runs here: stage workers (worker), schedules (scheduler), both (all). */
    async startProcessing(role: Role, options: { schedules?: boolean } = {}): Promise<void> {
      const works = role === 'all' || role === 'worker';
      const schedules = (role === 'all' || role === 'scheduler') && options.schedules !== false;
      if (embedded) {
        if (role === 'serve') return; // an embedded database belongs to one process; serve-only has no runner
        await sweepEmbedded();
        embedded.start();
        if (options.schedules !== false) embeddedScheduler?.start();
        stoppers.push(() => embeddedScheduler?.stop() ?? Promise.resolve(), () => embedded.stop());
        return;
      }
      if (!bull || !bullScheduler || !redis) return;
      if (works) bull.startWorkers();
      if (schedules) {
        await bullScheduler.ensureSchedules();
        bullScheduler.startWorker();
      }
      if (works || schedules) {
        const sweep = async () => {
          try {
            await bull.sweep();
            if (schedules) await bullScheduler.ensureSchedules();
          } catch (error) {
            logger.warn({ err: error }, 'pipeline sweep failed; will try again');
          }
        };
        await sweep();
        sweepTimer = setInterval(() => void sweep(), settings.sweepIntervalMs);
        // After Redis comes back it may have lost every job and schedule: restore them at once.
        let lostConnection = false;
        const onClose = () => {
          lostConnection = true;
        };
        const onReady = () => {
          if (!lostConnection) return;
          lostConnection = false;
          logger.warn('redis reconnected: restoring schedules and open tasks');
          void sweep();
        };
        redis.on('close', onClose);
        redis.on('ready', onReady);
        stoppers.push(async () => {
          redis.off('close', onClose);
          redis.off('ready', onReady);
        });
      }
    },

    async nextRuns() {
      return bullScheduler ? bullScheduler.nextRuns() : (embeddedScheduler?.nextRuns() ?? { incremental: null, fullRescore: null });
    },
    async overview() {
      if (bull) return { ...(await bull.overview()), recentFailures: await bull.recentFailures(10) };
      return { ...(await (embedded as EmbeddedBackend).overview()), recentFailures: [] };
    },
    collectMetrics: () => (bull ? bull.collectMetrics() : (embedded as EmbeddedBackend).collectMetrics()),
    /** The BullMQ stage queues (Redis mode), for the operators' queue dashboard. */
    bullQueues: () => (bull ? bull.queues().map(([, queue]) => queue) : []),
    /** Embedded only: resolves when the in-process runner has nothing left to do. */
    whenIdle: () => embedded?.whenIdle() ?? Promise.resolve(),
    sweep: () => (bull ? bull.sweep() : sweepEmbedded().then(() => ({ requeued: 0, advanced: 0 }))),

    async stop(): Promise<void> {
      if (sweepTimer) clearInterval(sweepTimer);
      for (const stop of stoppers.reverse()) await stop();
      await bullScheduler?.stop();
      await bull?.stop();
    },
  };
}

export type Pipeline = ReturnType<typeof createPipeline>;
