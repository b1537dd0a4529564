import type { WorkspaceRepository } from '../storage/workspace-repository.ts';
import { summarizeRun, type TaskSummary } from './run-planner.ts';

export type RunSnapshot = {
  runId: string; status: string; stage: string | null; error: string | null;
  done: number; total: number; counts: Record<string, number>; current: TaskSummary | null;
  /** 0–1: finished tasks plus the running task's own done/total. */
  fraction: number;
};

const FINAL = new Set(['succeeded', 'failed']);

/** Polls a run until it ends, handing each snapshot to `onUpdate`. */
export async function followRun(
  repo: WorkspaceRepository, runId: string, onUpdate: (snapshot: RunSnapshot) => void, options: { intervalMs?: number; signal?: AbortSignal } = {},
): Promise<RunSnapshot> {
  for (;;) {
    const run = await repo.jobRuns.get(runId);
    if (!run) throw new Error(`run ${runId} disappeared`);
    const { progress } = summarizeRun(await repo.pipeline.tasks(runId));
    const current = progress.tasks.find((t) => t.status === 'running') ?? progress.tasks.find((t) => t.status === 'delayed' || t.status === 'queued') ?? null;
    const partial = current?.total ? Math.min(1, (current.done ?? 0) / current.total) : 0;
    const snapshot: RunSnapshot = {
      runId, status: run.status, stage: run.stage, error: run.error, done: progress.done, total: progress.total, counts: progress.counts, current,
      fraction: FINAL.has(run.status) ? 1 : progress.total === 0 ? 0 : Math.min(0.99, (progress.done + partial) / (progress.total + (run.stage === 'actions' ? 0 : 1))),
    };
    onUpdate(snapshot);
    if (FINAL.has(run.status)) return snapshot;
    if (options.signal?.aborted) return snapshot;
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 300));
  }
}
