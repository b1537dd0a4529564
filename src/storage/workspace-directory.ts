import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from './database.ts';
import { connections, workspaces } from './schema.ts';

export type WorkspaceRow = typeof workspaces.$inferSelect;

/**
 * The only storage entry point that is not scoped to one workspace: creating workspaces
 * and finding which workspace an incoming install, webhook or card request belongs to.
 * Everything else goes through `WorkspaceRepository`.
 */
export function workspaceDirectory(db: Db) {
  return {
    async create(input: { name: string; kind?: WorkspaceRow['kind']; settings?: Record<string, unknown> }): Promise<WorkspaceRow> {
      const [row] = await db
        .insert(workspaces)
        .values({ name: input.name, kind: input.kind ?? 'crm', settings: input.settings ?? {} })
        .returning();
      if (!row) throw new Error('workspace insert returned no row');
      return row;
    },
    async get(id: string): Promise<WorkspaceRow | null> {
      const [row] = await db.select().from(workspaces).where(eq(workspaces.id, id));
      return row ?? null;
    },
    async list(): Promise<WorkspaceRow[]> {
      return db.select().from(workspaces).orderBy(asc(workspaces.createdAt));
    },
    async findByKind(kind: WorkspaceRow['kind']): Promise<WorkspaceRow | null> {
      const [row] = await db.select().from(workspaces).where(eq(workspaces.kind, kind)).limit(1);
      return row ?? null;
    },
    /** The workspace that owns a provider account (a HubSpot portal id, a Salesforce org id). */
    async findByConnection(provider: string, externalAccountId: string): Promise<{ workspaceId: string; connectionId: string } | null> {
      const [row] = await db
        .select({ workspaceId: connections.workspaceId, connectionId: connections.id })
        .from(connections)
        .where(and(eq(connections.provider, provider), eq(connections.externalAccountId, externalAccountId)));
      return row ?? null;
    },
    /** The workspace a connection belongs to: how process-wide connector ports find their tenant. */
    async workspaceOfConnection(connectionId: string): Promise<string | null> {
      const [row] = await db.select({ workspaceId: connections.workspaceId }).from(connections).where(eq(connections.id, connectionId));
      return row?.workspaceId ?? null;
    },
    async mergeSettings(id: string, settings: Record<string, unknown>): Promise<void> {
      await db
        .update(workspaces)
        .set({ settings: sql`${workspaces.settings} || ${JSON.stringify(settings)}::jsonb`, updatedAt: new Date() })
        .where(eq(workspaces.id, id));
    },
    async remove(id: string): Promise<void> {
      await db.delete(workspaces).where(eq(workspaces.id, id));
    },
  };
}

export type WorkspaceDirectory = ReturnType<typeof workspaceDirectory>;
