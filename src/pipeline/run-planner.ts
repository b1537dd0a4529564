import type { Logger } from '../logging/logger.ts';
import type {
  JobRunRow, PipelineTaskInput, PipelineTaskRow, WorkspaceRepository,
} from '../storage/workspace-repository.ts';
import { runOutcomes } from './metrics.ts';
import { parseRunOptions } from './run-options.ts';
import type { HandlerRegistry } from './stage-handlers.ts';
import { STAGES, type PipelineStage, type RunKind, type RunOptions, type RunTrigger } from './types.ts';

/** A task to hand to the queue (or the in-process runner): ids only. */
export type TaskRef = { taskId: string; workspaceId: string; stage: PipelineStage; delayMs?: number };

export type StartRunInput = { kind: RunKind; trigger: RunTrigger; runKey?: string | null; options: RunOptions };
export type StartedRun = { run: JobRunRow; created: boolean; tasks: TaskRef[] };

export type TaskSummary = {
  id: string; stage: PipelineStage; connectionId: string | null; object: string | null; status: PipelineTaskRow['status'];
  attempts: number; counts: Record<string, number>; done: number | null; total: number | null; message: string | null;
  error: string | null; errorKind: string | null; notBefore: string | null;
};

export type RunProgress = { counts: Record<string, number>; done: number; total: number; tasks: TaskSummary[] };

const OPEN = new Set<PipelineTaskRow['status']>(['queued', 'running', 'delayed']);
const isOpen = (t: PipelineTaskRow) => OPEN.has(t.status);

function numberRecord(value: unknown): Record<string, number> {
  if (!value || typeof value !== 'object') return {};
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, number] => typeof e[1] === 'number'));
}

export function summarizeTask(t: PipelineTaskRow): TaskSummary {
  const p = t.progress;
  return {
    id: t.id, stage: t.stage, connectionId: t.connectionId, object: t.object || null, status: t.status, attempts: t.attempts,
    counts: numberRecord(p.counts), done: typeof p.done === 'number' ? p.done : null, total: typeof p.total === 'number' ? p.total : null,
    message: typeof p.message === 'string' ? p.message : null, error: t.error, errorKind: t.errorKind,
    notBefore: t.notBefore ? t.notBefore.toISOString() : null,
  };
}

/** The run row's progress: per-task summaries and summed counters, so the CLI and API read one row. */
export function summarizeRun(tasks: readonly PipelineTaskRow[]): { progress: RunProgress; status: JobRunRow['status']; stage: string | null } {
  const counts: Record<string, number> = {};
  for (const t of tasks) for (const [k, v] of Object.entries(numberRecord(t.progress.counts))) counts[k] = (counts[k] ?? 0) + v;
  const open = tasks.filter(isOpen);
  const stage = open[0]?.stage ?? tasks.at(-1)?.stage ?? null;
  const status: JobRunRow['status'] = open.some((t) => t.status === 'running')
    ? 'running'
    : open.length > 0 && open.every((t) => t.status === 'delayed')
      ? 'delayed'
      : tasks.some((t) => t.attempts > 0 || !isOpen(t)) ? 'running' : 'queued';
  return { progress: { counts, done: tasks.length - open.length, total: tasks.length, tasks: tasks.map(summarizeTask) }, status, stage };
}

export type RunPlanner = ReturnType<typeof createRunPlanner>;

/**
 * Turns a run into stage tasks in the database: pull (per connection and object) → score →
 * write back (per CRM connection) → actions. The next stage is created when the last task of the
 * current one finishes; task keys are unique per run, so two workers finishing together add it once.
 */
export function createRunPlanner(deps: { workspace(id: string): WorkspaceRepository; handlers: HandlerRegistry; logger: Logger }) {
  const { handlers } = deps;

  async function tasksFor(repo: WorkspaceRepository, stage: PipelineStage, options: RunOptions): Promise<PipelineTaskInput[]> {
    const connections = (await repo.connections.list()).filter((c) => c.status === 'active');
    if (stage === 'pull') {
      return connections
        .filter((c) => handlers.pull(c.provider))
        .filter((c) => (!options.sources || options.sources.includes(c.provider)) && (!options.connectionIds || options.connectionIds.includes(c.id)))
        .flatMap((c) => (handlers.pull(c.provider)?.objects ?? []).map((object) => ({ stage, connectionId: c.id, object })));
    }
    if (stage === 'score') return handlers.score() ? [{ stage, connectionId: null }] : [];
    const crm = connections.filter((c) => handlers.writeBack(c.provider));
    if (stage === 'writeBack') return crm.map((c) => ({ stage, connectionId: c.id }));
    return handlers.actions() ? crm.map((c) => ({ stage, connectionId: c.id })) : [];
  }

  const refs = (workspaceId: string, rows: readonly PipelineTaskRow[]): TaskRef[] =>
    rows.map((t) => ({ taskId: t.id, workspaceId, stage: t.stage }));

  async function finish(repo: WorkspaceRepository, run: JobRunRow, tasks: readonly PipelineTaskRow[], status: 'succeeded' | 'failed', error: string | null) {
    const { progress, stage } = summarizeRun(tasks);
    await repo.pipeline.updateRun(run.id, { status, stage, progress, error, finishedAt: new Date() });
    if (run.status !== 'succeeded' && run.status !== 'failed') runOutcomes.inc({ trigger: run.trigger ?? 'unknown', status });
    deps.logger.info({ workspaceId: repo.workspaceId, runId: run.id, status, error }, 'pipeline run finished');
  }

  /** Creates the first stage that has work, skipping empty stages; finishes the run when none has. */
  async function planFrom(repo: WorkspaceRepository, run: JobRunRow, fromIndex: number): Promise<TaskRef[]> {
    const options = parseRunOptions(run.options);
    for (let i = fromIndex; i < STAGES.length; i += 1) {
      const stage = STAGES[i];
      if (!stage) break;
      const wanted = await tasksFor(repo, stage, options);
      if (wanted.length === 0) continue;
      const inserted = await repo.pipeline.addTasks(run.id, wanted);
      await refresh(repo, run.id);
      return refs(repo.workspaceId, inserted);
    }
    const tasks = await repo.pipeline.tasks(run.id);
    const problem = tasks.find((t) => t.status === 'cancelled' || t.status === 'failed');
    await finish(repo, run, tasks, problem ? 'failed' : 'succeeded', problem ? problem.error ?? `${problem.stage} ${problem.status}` : null);
    return [];
  }

  async function refresh(repo: WorkspaceRepository, runId: string): Promise<void> {
    const run = await repo.jobRuns.get(runId);
    if (!run || run.status === 'succeeded' || run.status === 'failed') return;
    const tasks = await repo.pipeline.tasks(runId);
    const { progress, status, stage } = summarizeRun(tasks);
    await repo.pipeline.updateRun(runId, { progress, status, stage, startedAt: run.startedAt ?? (status === 'queued' ? null : new Date()) });
  }

  return {
    tasksFor,
    refresh: (workspaceId: string, runId: string) => refresh(deps.workspace(workspaceId), runId),

    async startRun(workspaceId: string, input: StartRunInput): Promise<StartedRun> {
      const repo = deps.workspace(workspaceId);
      const { run, created } = await repo.pipeline.createRun({
        kind: input.kind, trigger: input.trigger, runKey: input.runKey ?? null, options: { ...input.options },
      });
      if (!created) return { run, created, tasks: [] };
      const tasks = await planFrom(repo, run, input.kind === 'rescore' ? STAGES.indexOf('score') : 0);
      return { run: (await repo.jobRuns.get(run.id)) ?? run, created, tasks };
    },

    /**
     * Called after any task of the run reaches a final state. Returns the tasks to dispatch next.
     * A failed task ends the run; cancelled tasks (a connection that needs re-auth) let the others go on
     * but the run ends as failed so nobody mistakes it for a complete sync.
     */
    async advance(workspaceId: string, runId: string): Promise<TaskRef[]> {
      const repo = deps.workspace(workspaceId);
      const run = await repo.jobRuns.get(runId);
      if (!run || run.status === 'succeeded' || run.status === 'failed') return [];
      const tasks = await repo.pipeline.tasks(runId);
      const failed = tasks.find((t) => t.status === 'failed');
      if (failed) {
        await repo.pipeline.cancelOpenTasks({ runId }, `run stopped: ${failed.stage} ${failed.object || ''} failed`.trim());
        await finish(repo, run, await repo.pipeline.tasks(runId), 'failed', failed.error ?? `${failed.stage} failed`);
        return [];
      }
      if (tasks.some(isOpen)) {
        await refresh(repo, runId);
        return [];
      }
      const last = tasks.reduce((max, t) => Math.max(max, STAGES.indexOf(t.stage)), -1);
      const first = run.kind === 'rescore' ? STAGES.indexOf('score') : 0;
      return planFrom(repo, run, tasks.length === 0 ? first : last + 1);
    },
  };
}
