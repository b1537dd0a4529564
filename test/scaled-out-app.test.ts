import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/test-database.ts';
import { spawnApp, type SpawnedApp } from './support/spawn-app.ts';

/** The API server role on PostgreSQL and Redis, as it runs scaled out: operator endpoints and their guard. */
describe('crm-health serve on PostgreSQL and Redis', () => {
  const adminToken = randomBytes(24).toString('hex');
  const dataDir = mkdtempSync(join(tmpdir(), 'crmh-serve-'));
  let database: TestDatabase;
  let app: SpawnedApp;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    app = await spawnApp(
      {
        DATA_DIR: dataDir, DATABASE_URL: database.url ?? '', REDIS_URL: 'redis://127.0.0.1:6379', ADMIN_TOKEN: adminToken,
        PIPELINE_QUEUE_PREFIX: `crmh-test-${randomBytes(4).toString('hex')}`, ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      },
      ['serve'],
    );
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await database?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const auth = { authorization: `Bearer ${adminToken}` };

  it('reports database and Redis in /readyz', async () => {
    const res = await fetch(`${app.url}/readyz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { checks: Array<{ name: string; ok: boolean }> };
    expect(body.checks).toEqual([{ name: 'database', ok: true }, { name: 'redis', ok: true }]);
  });

  it('serves Prometheus metrics', async () => {
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).toContain('# TYPE');
    expect(text).toMatch(/crmh_/);
  });

  it('keeps the queue dashboard, the queue overview and the portfolio dashboard behind ADMIN_TOKEN', async () => {
    for (const path of ['/admin/queues/ui', '/admin/queues', '/', '/api/workspaces']) {
      expect((await fetch(`${app.url}${path}`)).status, path).toBe(401);
      expect((await fetch(`${app.url}${path}`, { headers: { authorization: 'Bearer wrong-token-of-some-length' } })).status, path).toBe(401);
    }
    const board = await fetch(`${app.url}/admin/queues/ui`, { headers: auth });
    expect(board.status).toBe(200);
    expect(await board.text()).toContain('crm-health queues');
    const overview = await fetch(`${app.url}/admin/queues`, { headers: auth });
    expect(overview.status).toBe(200);
    expect(await overview.json()).toMatchObject({ mode: 'redis' });
    expect((await fetch(`${app.url}/api/workspaces`, { headers: auth })).status).toBe(200);
  });

  it('lets a browser in with ?token= once, through an http-only cookie', async () => {
    const first = await fetch(`${app.url}/admin/queues/ui?token=${adminToken}`, { redirect: 'manual' });
    expect(first.status).toBe(200);
    const cookie = first.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/crmh_admin=.*HttpOnly/i);
    const next = await fetch(`${app.url}/api/workspaces`, { headers: { cookie: cookie.split(';')[0] ?? '' } });
    expect(next.status).toBe(200);
  });
});
