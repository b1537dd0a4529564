import type { Logger } from '../logging/logger.ts';
import type { PipelineDirectory } from './pipeline-directory.ts';
import { runOptions } from './run-options.ts';
import type { RunPlanner, TaskRef } from './run-planner.ts';

export type TickDeps = {
  directory: PipelineDirectory;
  planner: RunPlanner;
  dispatch(refs: readonly TaskRef[]): Promise<void>;
  logger: Logger;
};

export type WorkspaceStart = 'started' | 'already_done' | 'busy';

/**
 * What a schedule tick does, shared by the BullMQ scheduler and node-cron. Each run gets a key
 * derived from the tick's planned time, so a tick delivered twice (or by two schedulers) creates
 * each workspace's run once: the database's unique key is the final word.
 */
export function scheduleTicks(deps: TickDeps) {
  async function startFor(workspaceId: string, kind: 'sync' | 'rescore', trigger: 'schedule' | 'daily_rescore', runKey: string, full: boolean): Promise<WorkspaceStart> {
    const started = await deps.planner.startRun(workspaceId, { kind, trigger, runKey, options: runOptions({ full }) });
    if (started.created) {
      await deps.dispatch(started.tasks);
      return 'started';
    }
    return started.run.runKey === runKey ? 'already_done' : 'busy';
  }

  return {
    /** Incremental sync of every workspace; a workspace still busy with a run simply waits for the next tick. */
    async incremental(slotMs: number): Promise<Record<WorkspaceStart, number>> {
      const tally: Record<WorkspaceStart, number> = { started: 0, already_done: 0, busy: 0 };
      for (const workspaceId of await deps.directory.schedulableWorkspaces()) {
        tally[await startFor(workspaceId, 'sync', 'schedule', `schedule:${slotMs}`, false)] += 1;
      }
      deps.logger.info({ slot: new Date(slotMs).toISOString(), ...tally }, 'incremental sync tick');
      return tally;
    },
    /**
     * Daily full run; returns the workspaces that were busy, which the caller retries later. It pulls
     * too (not only rescoring): time-window signals such as "days since last touch" move every day.
     */
    async fullRescore(slotMs: number): Promise<{ runKey: string; busy: string[] }> {
      const runKey = `rescore:${new Date(slotMs).toISOString().slice(0, 10)}`;
      const busy: string[] = [];
      for (const workspaceId of await deps.directory.schedulableWorkspaces()) {
        if ((await startFor(workspaceId, 'sync', 'daily_rescore', runKey, true)) === 'busy') busy.push(workspaceId);
      }
      deps.logger.info({ runKey, busy: busy.length }, 'full rescore tick');
      return { runKey, busy };
    },
    workspaceRescore: (workspaceId: string, runKey: string) => startFor(workspaceId, 'sync', 'daily_rescore', runKey, true),
    /** A debounced batch of webhook object ids for one connection. */
    async targeted(workspaceId: string, connectionId: string, objectIds: readonly string[], runKey: string, maxIds: number): Promise<WorkspaceStart> {
      const ids = objectIds.length > maxIds ? null : [...objectIds].sort();
      const started = await deps.planner.startRun(workspaceId, {
        kind: 'sync', trigger: 'webhook', runKey, options: runOptions({ connectionIds: [connectionId], objectIds: ids }),
      });
      if (started.created) {
        await deps.dispatch(started.tasks);
        return 'started';
      }
      return started.run.runKey === runKey ? 'already_done' : 'busy';
    },
  };
}

export type ScheduleTicks = ReturnType<typeof scheduleTicks>;
