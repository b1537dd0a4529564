import { eq } from 'drizzle-orm';
import type { z } from 'zod';
import type { Db } from './database.ts';
import { appState } from './schema.ts';

/**
 * Process-wide key/value state (not tenant data, so not behind a workspace repository). Each
 * reader brings its own zod schema: a value written by an older version that no longer parses
 * reads as `null`, so the caller starts fresh instead of acting on a stale shape.
 */
export function appStateStore(db: Db) {
  return {
    async get<S extends z.ZodType>(key: string, schema: S): Promise<z.output<S> | null> {
      const [row] = await db.select({ value: appState.value }).from(appState).where(eq(appState.key, key));
      if (!row) return null;
      const parsed = schema.safeParse(row.value);
      return parsed.success ? parsed.data : null;
    },
    async set(key: string, value: unknown): Promise<void> {
      const now = new Date();
      await db
        .insert(appState)
        .values({ key, value, updatedAt: now })
        .onConflictDoUpdate({ target: appState.key, set: { value, updatedAt: now } });
    },
    async remove(key: string): Promise<void> {
      await db.delete(appState).where(eq(appState.key, key));
    },
  };
}

export type AppStateStore = ReturnType<typeof appStateStore>;
