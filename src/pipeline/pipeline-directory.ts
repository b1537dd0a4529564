import { and, eq, inArray, isNotNull, notExists, sql } from 'drizzle-orm';
import type { Db } from '../storage/database.ts';
import { connections, jobRuns, pipelineTasks } from '../storage/schema.ts';
import type { PipelineStage } from './types.ts';

export type OpenTaskRef = {
  taskId: string; workspaceId: string; stage: PipelineStage; status: 'queued' | 'running' | 'delayed';
  notBefore: Date | null; heartbeatAt: Date | null;
};

/**
 * The pipeline's only cross-workspace reads: which workspaces to schedule and which tasks the
 * database says are still open. They return ids; the work itself goes through `workspace(id)`.
 */
export function pipelineDirectory(db: Db) {
  return {
    /** Workspaces with at least one active connection. */
    async schedulableWorkspaces(): Promise<string[]> {
      const rows = await db.selectDistinct({ id: connections.workspaceId }).from(connections).where(eq(connections.status, 'active'));
      return rows.map((r) => r.id);
    },
    async openTasks(limit = 10_000): Promise<OpenTaskRef[]> {
      const rows = await db
        .select({
          taskId: pipelineTasks.id, workspaceId: pipelineTasks.workspaceId, stage: pipelineTasks.stage, status: pipelineTasks.status,
          notBefore: pipelineTasks.notBefore, heartbeatAt: pipelineTasks.heartbeatAt,
        })
        .from(pipelineTasks)
        .where(inArray(pipelineTasks.status, ['queued', 'running', 'delayed']))
        .limit(limit);
      return rows.flatMap((r) => (r.status === 'queued' || r.status === 'running' || r.status === 'delayed' ? [{ ...r, status: r.status }] : []));
    },
    /** Active runs with no open task: a process stopped between finishing a stage and planning the next. */
    async stuckRuns(): Promise<Array<{ runId: string; workspaceId: string }>> {
      return db
        .select({ runId: jobRuns.id, workspaceId: jobRuns.workspaceId })
        .from(jobRuns)
        .where(and(
          isNotNull(jobRuns.trigger),
          inArray(jobRuns.status, ['queued', 'running', 'delayed']),
          // Young runs may still be getting their first tasks from the process that created them.
          sql`${jobRuns.createdAt} < now() - interval '5 seconds'`,
          notExists(
            db.select({ one: sql`1` }).from(pipelineTasks).where(and(
              eq(pipelineTasks.runId, jobRuns.id), inArray(pipelineTasks.status, ['queued', 'running', 'delayed']),
            )),
          ),
        ));
    },
  };
}

export type PipelineDirectory = ReturnType<typeof pipelineDirectory>;
