import type { AppContext } from '../runtime/app-context.ts';
import type { JobRunRow } from '../storage/workspace-repository.ts';
import type { WorkspaceRow } from '../storage/workspace-directory.ts';
import { summarizeRun, type RunProgress } from './run-planner.ts';

export type RunView = {
  id: string; kind: string; trigger: string | null; status: JobRunRow['status']; stage: string | null; error: string | null;
  createdAt: string; startedAt: string | null; finishedAt: string | null; progress: RunProgress | null;
};

export type WorkspaceStatus = {
  workspace: { id: string; name: string; kind: string };
  connections: Array<{
    id: string; provider: string; externalAccountId: string; status: string; lastError: string | null; needsReauth: boolean;
    objects: Array<{ object: string; stage: string; lastRunAt: string | null; failures: number; lastError: string | null; rateLimitedUntil: string | null }>;
  }>;
  activeRun: RunView | null;
  lastRun: RunView | null;
  lastSuccess: RunView | null;
  recentFailures: RunView[];
  nextRuns: { incremental: string | null; fullRescore: string | null };
};

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

function isRunProgress(value: unknown): value is RunProgress {
  return !!value && typeof value === 'object' && 'tasks' in value && Array.isArray(value.tasks);
}

export function runView(run: JobRunRow): RunView {
  return {
    id: run.id, kind: run.kind, trigger: run.trigger, status: run.status, stage: run.stage, error: run.error,
    createdAt: run.createdAt.toISOString(), startedAt: iso(run.startedAt), finishedAt: iso(run.finishedAt),
    progress: isRunProgress(run.progress) ? run.progress : null,
  };
}

/** A workspace by id, or by exact (then case-insensitive) name, or by a name fragment that matches only one. */
export async function findWorkspace(ctx: Pick<AppContext, 'directory'>, idOrName: string): Promise<WorkspaceRow | null> {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrName)) {
    const byId = await ctx.directory.get(idOrName);
    if (byId) return byId;
  }
  const all = await ctx.directory.list();
  const exact = all.find((w) => w.name === idOrName) ?? all.find((w) => w.name.toLowerCase() === idOrName.toLowerCase());
  if (exact) return exact;
  const partial = all.filter((w) => w.name.toLowerCase().includes(idOrName.toLowerCase()));
  return partial.length === 1 ? (partial[0] ?? null) : null;
}

/** What `crm-health status` and the admin API show for one workspace. */
export async function workspaceStatus(
  ctx: Pick<AppContext, 'workspace'>,
  workspace: WorkspaceRow,
  nextRuns: { incremental: Date | null; fullRescore: Date | null },
): Promise<WorkspaceStatus> {
  const repo = ctx.workspace(workspace.id);
  const [connections, syncStates, runs] = await Promise.all([repo.connections.list(), repo.sync.list(), repo.pipeline.runs(50)]);
  const active = runs.find((r) => r.status === 'queued' || r.status === 'running' || r.status === 'delayed') ?? null;
  // The active run's progress is recomputed from its tasks so the view is never a flush behind.
  const activeView = active ? { ...runView(active), progress: summarizeRun(await repo.pipeline.tasks(active.id)).progress } : null;
  const finished = runs.filter((r) => r.status === 'succeeded' || r.status === 'failed');
  return {
    workspace: { id: workspace.id, name: workspace.name, kind: workspace.kind },
    connections: connections.map((c) => ({
      id: c.id, provider: c.provider, externalAccountId: c.externalAccountId, status: c.status, lastError: c.lastError,
      needsReauth: c.status === 'needs_reauth',
      objects: syncStates.filter((s) => s.connectionId === c.id).map((s) => ({
        object: s.object, stage: s.stage, lastRunAt: iso(s.lastRunAt), failures: s.failures, lastError: s.lastError,
        rateLimitedUntil: s.retryAfter && s.retryAfter.getTime() > Date.now() ? s.retryAfter.toISOString() : null,
      })),
    })),
    activeRun: activeView,
    lastRun: finished[0] ? runView(finished[0]) : null,
    lastSuccess: finished.find((r) => r.status === 'succeeded') ? runView(finished.find((r) => r.status === 'succeeded') as JobRunRow) : null,
    recentFailures: finished.filter((r) => r.status === 'failed').slice(0, 5).map(runView),
    nextRuns: { incremental: iso(nextRuns.incremental), fullRescore: iso(nextRuns.fullRescore) },
  };
}
