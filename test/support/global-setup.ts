import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { dumpPglite, openDatabase } from '../../src/storage/database.ts';
import { postgresAdminUrl, withDatabase } from './postgres-url.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplatePath: string;
    postgresTemplate: { database: string } | { error: string };
  }
}

/**
 * Migrates one PGlite and one PostgreSQL template per test run; test files clone them
 * (PGlite `loadDataDir`, PostgreSQL `CREATE DATABASE … TEMPLATE`) instead of migrating again.
 */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'crmh-test-'));
  const template = await openDatabase({ engine: 'pglite' });
  await template.migrate();
  const dump = await dumpPglite(template);
  await template.close();
  const templatePath = join(dir, 'pglite-template.tar');
  writeFileSync(templatePath, Buffer.from(await dump.arrayBuffer()));
  project.provide('pgliteTemplatePath', templatePath);

  const templateName = `crmh_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: postgresAdminUrl(), connectionTimeoutMillis: 5000 });
  let postgresReady = false;
  try {
    await admin.connect();
    await admin.query(`drop database if exists ${templateName}`);
    await admin.query(`create database ${templateName}`);
    const db = await openDatabase({ engine: 'postgres', url: withDatabase(postgresAdminUrl(), templateName), poolSize: 1 });
    await db.migrate();
    await db.close();
    project.provide('postgresTemplate', { database: templateName });
    postgresReady = true;
  } catch (error) {
    project.provide('postgresTemplate', {
      error: `PostgreSQL at ${postgresAdminUrl()} is not usable (${(error as Error).message}). Start it (see .ci/run) or set TEST_DATABASE_URL.`,
    });
  }

  return async () => {
    if (postgresReady) {
      await admin.query(`drop database if exists ${templateName}`).catch(() => undefined);
    }
    await admin.end().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
}
