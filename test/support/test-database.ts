import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../src/storage/database.ts';
import { postgresAdminUrl, withDatabase } from './postgres-url.ts';

export type TestEngine = 'pglite' | 'postgres';
export const ENGINES: readonly TestEngine[] = ['pglite', 'postgres'];

export type TestDatabase = Database & { url?: string; destroy(): Promise<void> };

/** A fresh, migrated database cloned from the run's template; `destroy()` closes and removes it. */
export async function createTestDatabase(engine: TestEngine = 'pglite'): Promise<TestDatabase> {
  if (engine === 'pglite') {
    const blob = new Blob([readFileSync(inject('pgliteTemplatePath'))]);
    const database = await openDatabase({ engine: 'pglite', loadDataDir: blob });
    return Object.assign(database, { destroy: () => database.close() });
  }
  const template = inject('postgresTemplate');
  if ('error' in template) throw new Error(template.error);
  const name = `crmh_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresAdminUrl() });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template ${template.database}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(postgresAdminUrl(), name);
  const database = await openDatabase({ engine: 'postgres', url, poolSize: 4 });
  return Object.assign(database, {
    url,
    destroy: async () => {
      await database.close();
      const cleanup = new pg.Client({ connectionString: postgresAdminUrl() });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`).finally(() => cleanup.end());
    },
  });
}
