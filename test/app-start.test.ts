import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/storage/database.ts';
import { workspaceDirectory } from '../src/storage/workspace-directory.ts';
import { REPO_ROOT, spawnApp } from './support/spawn-app.ts';
import { createTestDatabase } from './support/test-database.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'crmh-app-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('crm-health start on embedded defaults', () => {
  it('serves /healthz and keeps its data in the data folder across a restart', async () => {
    const first = await spawnApp({ DATA_DIR: dataDir, DEMO_WORKSPACE: 'false' });
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    expect(await first.stop()).toBe(0);

    const db = await openDatabase({ engine: 'pglite', dataDir: join(dataDir, 'pglite') });
    await workspaceDirectory(db.db).create({ name: 'Persisted workspace', kind: 'local' });
    await db.close();

    const second = await spawnApp({ DATA_DIR: dataDir, DEMO_WORKSPACE: 'false' });
    expect((await fetch(`${second.url}/healthz`)).status).toBe(200);
    expect(await second.stop()).toBe(0);

    const again = await openDatabase({ engine: 'pglite', dataDir: join(dataDir, 'pglite') });
    const names = (await workspaceDirectory(again.db).list()).map((w) => w.name);
    await again.close();
    expect(names).toContain('Persisted workspace');
  }, 90_000);

  it('runs the same app on PostgreSQL when DATABASE_URL is set', async () => {
    const database = await createTestDatabase('postgres');
    try {
      const app = await spawnApp({ DATA_DIR: dataDir, DATABASE_URL: database.url ?? '', DEMO_WORKSPACE: 'false' });
      const ready = await fetch(`${app.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(app.logs.join('')).toContain('PostgreSQL postgres://');
      expect(await app.stop()).toBe(0);
    } finally {
      await database.destroy();
    }
  }, 60_000);

  it('exits non-zero naming PORT when PORT is not a number', () => {
    const result = spawnSync(process.execPath, [resolve(REPO_ROOT, 'src/cli/main.ts'), 'start'], {
      env: { ...process.env, PORT: 'abc', DATA_DIR: dataDir },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('PORT');
    expect(result.stderr).toContain('"abc"');
  });

  it('prints help for every command', () => {
    for (const args of [['--help'], ['start', '--help'], ['migrate', '--help']]) {
      const result = spawnSync(process.execPath, [resolve(REPO_ROOT, 'src/cli/main.ts'), ...args], { encoding: 'utf8' });
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/Usage: crm-health/);
    }
  });
});
