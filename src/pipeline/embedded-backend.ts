import type { Logger } from '../logging/logger.ts';
import { memoryFairnessGate } from './fairness.ts';
import { jobsByState } from './metrics.ts';
import type { PipelineSettings } from './pipeline-settings.ts';
import type { TaskRef } from './run-planner.ts';
import type { TaskRunner } from './task-runner.ts';
import { STAGES, type PipelineStage } from './types.ts';

export type StageCounts = Record<'waiting' | 'active' | 'delayed', number>;

/**
 * The in-process job runner for embedded installs (no Redis): the same task runner and outcomes as
 * the BullMQ workers. Ready tasks wait in one list per workspace and stage; a free slot takes the
 * next workspace in turn (round robin), so a workspace with many tasks cannot starve the others.
 * Nothing is kept only here: every open task is in the database and re-dispatched on start.
 */
export function createEmbeddedBackend(deps: { runner: TaskRunner; settings: PipelineSettings; logger: Logger }) {
  const { runner, settings, logger } = deps;
  const gate = memoryFairnessGate(settings.workspaceConcurrency);
  const ready = new Map<PipelineStage, Map<string, TaskRef[]>>(STAGES.map((s) => [s, new Map()]));
  const turn = new Map<PipelineStage, string[]>(STAGES.map((s) => [s, []]));
  const active = new Map<PipelineStage, number>(STAGES.map((s) => [s, 0]));
  const known = new Set<string>(); // task ids waiting, delayed or running here: duplicates collapse
  const timers = new Map<string, { timer: NodeJS.Timeout; stage: PipelineStage }>();
  const running = new Set<Promise<void>>();
  const abort = new AbortController();
  let processing = false;
  let idleWaiters: Array<() => void> = [];

  const enqueueReady = (ref: TaskRef) => {
    const perWorkspace = ready.get(ref.stage);
    const order = turn.get(ref.stage);
    if (!perWorkspace || !order) return;
    const list = perWorkspace.get(ref.workspaceId) ?? [];
    if (list.length === 0) order.push(ref.workspaceId);
    list.push(ref);
    perWorkspace.set(ref.workspaceId, list);
    pump(ref.stage);
  };

  const schedule = (ref: TaskRef, delayMs: number) => {
    if (abort.signal.aborted) return;
    if (delayMs <= 0) return enqueueReady(ref);
    const timer = setTimeout(() => {
      timers.delete(ref.taskId);
      enqueueReady(ref);
    }, delayMs);
    timers.set(ref.taskId, { timer, stage: ref.stage });
  };

  function pump(stage: PipelineStage): void {
    if (!processing || abort.signal.aborted) return;
    const order = turn.get(stage) ?? [];
    const perWorkspace = ready.get(stage) ?? new Map<string, TaskRef[]>();
    let inspected = 0;
    while ((active.get(stage) ?? 0) < settings.concurrency[stage] && inspected < order.length) {
      const workspaceId = order.shift();
      if (workspaceId === undefined) break;
      const list = perWorkspace.get(workspaceId) ?? [];
      if (gate.active(stage, workspaceId) >= settings.workspaceConcurrency) {
        order.push(workspaceId); // at its cap: keep its place in the rotation for later
        inspected += 1;
        continue;
      }
      const ref = list.shift();
      if (list.length > 0) order.push(workspaceId);
      else perWorkspace.delete(workspaceId);
      if (ref) start(ref);
      inspected = 0;
    }
    notifyIdle();
  }

  function start(ref: TaskRef): void {
    active.set(ref.stage, (active.get(ref.stage) ?? 0) + 1);
    void gate.tryAcquire(ref.stage, ref.workspaceId, ref.taskId);
    const work = (async () => {
      const outcome = await runner.run(ref, abort.signal);
      switch (outcome.type) {
        case 'done':
        case 'failed':
        case 'cancelled':
          known.delete(ref.taskId);
          for (const next of outcome.next) dispatchOne(next);
          break;
        case 'retry':
          schedule(ref, outcome.delayMs);
          break;
        case 'delay':
          schedule(ref, outcome.delayMs);
          break;
      }
    })()
      .catch((error: unknown) => logger.error({ err: error, taskId: ref.taskId }, 'embedded runner error'))
      .finally(() => {
        running.delete(work);
        active.set(ref.stage, (active.get(ref.stage) ?? 1) - 1);
        void gate.release(ref.stage, ref.workspaceId, ref.taskId);
        if (!timers.has(ref.taskId) && !isQueued(ref.taskId)) known.delete(ref.taskId);
        for (const stage of STAGES) pump(stage);
      });
    running.add(work);
  }

  const isQueued = (taskId: string) => [...ready.values()].some((m) => [...m.values()].some((l) => l.some((r) => r.taskId === taskId)));

  function dispatchOne(ref: TaskRef): void {
    if (known.has(ref.taskId)) return;
    known.add(ref.taskId);
    schedule(ref, ref.delayMs ?? 0);
  }

  function counts(): Record<PipelineStage, StageCounts> {
    const out = {} as Record<PipelineStage, StageCounts>;
    for (const stage of STAGES) {
      const waiting = [...(ready.get(stage)?.values() ?? [])].reduce((n, l) => n + l.length, 0);
      const delayed = [...timers.values()].filter((t) => t.stage === stage).length;
      out[stage] = { waiting, active: active.get(stage) ?? 0, delayed };
    }
    return out;
  }

  function notifyIdle(): void {
    const c = counts();
    const idle = timers.size === 0 && running.size === 0 && STAGES.every((s) => c[s].waiting === 0);
    if (!idle) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  }

  return {
    mode: 'embedded' as const,
    async dispatch(refs: readonly TaskRef[]): Promise<void> {
      for (const ref of refs) dispatchOne(ref);
    },
    start(): void {
      processing = true;
      for (const stage of STAGES) pump(stage);
    },
    /** Resolves when nothing is waiting, delayed or running (tests, the CLI). */
    whenIdle(): Promise<void> {
      return new Promise((resolve) => {
        idleWaiters.push(resolve);
        notifyIdle();
      });
    },
    async overview() {
      return { mode: 'embedded' as const, stages: counts() };
    },
    async collectMetrics(): Promise<void> {
      const c = counts();
      for (const stage of STAGES) for (const [state, n] of Object.entries(c[stage])) jobsByState.set({ stage, state }, n);
    },
    /** Stops taking work, aborts running handlers (their tasks go back to queued) and waits for them. */
    async stop(): Promise<void> {
      processing = false;
      abort.abort(new Error('pipeline stopping'));
      for (const { timer } of timers.values()) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...running]);
    },
  };
}

export type EmbeddedBackend = ReturnType<typeof createEmbeddedBackend>;
