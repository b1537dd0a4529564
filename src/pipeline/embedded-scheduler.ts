import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../logging/logger.ts';
import type { PipelineSettings } from './pipeline-settings.ts';
import type { ScheduleTicks } from './schedule-ticks.ts';

/**
 * node-cron drives the schedule in the one embedded process. Ticks use the same run keys as the
 * Redis scheduler, so a tick repeated after a restart still creates each run once.
 */
export function createEmbeddedScheduler(deps: { settings: PipelineSettings; ticks: ScheduleTicks; logger: Logger }) {
  const { settings, ticks, logger } = deps;
  const tasks: ScheduledTask[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const pending = new Map<string, { workspaceId: string; ids: Set<string>; timer: NodeJS.Timeout }>();
  let incremental: ScheduledTask | null = null;
  let fullRescore: ScheduledTask | null = null;

  const later = (ms: number, fn: () => Promise<void>) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn().catch((error: unknown) => logger.error({ err: error }, 'embedded schedule retry failed'));
    }, ms);
    timers.add(timer);
  };

  async function retryRescore(workspaceId: string, runKey: string): Promise<void> {
    if ((await ticks.workspaceRescore(workspaceId, runKey)) === 'busy') later(30_000, () => retryRescore(workspaceId, runKey));
  }

  async function flushTargeted(connectionId: string, runKey: string): Promise<void> {
    const entry = pending.get(connectionId);
    if (!entry) return;
    const ids = [...entry.ids];
    const result = await ticks.targeted(entry.workspaceId, connectionId, ids, runKey, settings.maxTargetedIds);
    if (result === 'busy') {
      entry.timer = setTimeout(() => void flushTargeted(connectionId, runKey).catch(logFailure), settings.debounceMs);
      return;
    }
    for (const id of ids) entry.ids.delete(id);
    if (entry.ids.size === 0) {
      pending.delete(connectionId);
      return;
    }
    // Events that arrived while this batch was being started open the next window.
    const nextKey = `webhook:${connectionId}:${Date.now()}`;
    entry.timer = setTimeout(() => void flushTargeted(connectionId, nextKey).catch(logFailure), settings.debounceMs);
  }
  const logFailure = (error: unknown) => logger.error({ err: error }, 'targeted sync failed');

  return {
    start(): void {
      const options = { timezone: settings.timezone, noOverlap: true };
      incremental = cron.schedule(settings.syncCron, async (context) => {
        await ticks.incremental(context.date.getTime()).catch((error: unknown) => logger.error({ err: error }, 'incremental tick failed'));
      }, { ...options, name: 'incremental-sync' });
      fullRescore = cron.schedule(settings.fullRescoreCron, async (context) => {
        try {
          const { runKey, busy } = await ticks.fullRescore(context.date.getTime());
          for (const workspaceId of busy) later(30_000, () => retryRescore(workspaceId, runKey));
        } catch (error) {
          logger.error({ err: error }, 'full rescore tick failed');
        }
      }, { ...options, name: 'full-rescore' });
      tasks.push(incremental, fullRescore);
    },
    async enqueueTargeted(workspaceId: string, connectionId: string, objectIds: readonly string[]): Promise<void> {
      const entry = pending.get(connectionId);
      if (entry) {
        for (const id of objectIds) entry.ids.add(id);
        return;
      }
      const runKey = `webhook:${connectionId}:${Date.now()}`;
      const timer = setTimeout(() => void flushTargeted(connectionId, runKey).catch(logFailure), settings.debounceMs);
      pending.set(connectionId, { workspaceId, ids: new Set(objectIds), timer });
    },
    async nextRuns(): Promise<{ incremental: Date | null; fullRescore: Date | null }> {
      return { incremental: incremental?.getNextRun() ?? null, fullRescore: fullRescore?.getNextRun() ?? null };
    },
    async stop(): Promise<void> {
      for (const task of tasks) await task.destroy();
      for (const timer of timers) clearTimeout(timer);
      for (const entry of pending.values()) clearTimeout(entry.timer);
    },
  };
}
