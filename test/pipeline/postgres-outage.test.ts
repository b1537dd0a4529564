import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { currentPipeline, installPipeline } from '../../src/pipeline/role-extension.ts';
import { createHandlerRegistry } from '../../src/pipeline/stage-handlers.ts';
import { runApp, type RunningApp } from '../../src/runtime/run-app.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { startStandInCrm, type StandInCrm } from './support/stand-in-crm.ts';
import { standInHandlers } from './support/stand-in-handlers.ts';
import { startTcpProxy } from './support/tcp-proxy.ts';
import { fastSettings, removeQueuePrefix, seedWorkspace, TEST_KEYS, TEST_REDIS_URL, waitFor } from './support/test-context.ts';

let database: TestDatabase;
let crm: StandInCrm;
let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
let app: RunningApp;
const settings = fastSettings({ maxAttempts: 2 });

beforeAll(async () => {
  database = await createTestDatabase('postgres');
  crm = await startStandInCrm({ companies: 300 });
  const target = new URL(database.url ?? '');
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  target.host = `127.0.0.1:${proxy.port}`;
  installPipeline({ handlers: createHandlerRegistry(standInHandlers(crm.url)), settings });
  app = await runApp(
    loadConfig({ DATABASE_URL: target.toString(), REDIS_URL: TEST_REDIS_URL, PORT: '0', HOST: '127.0.0.1', ENCRYPTION_KEYS: TEST_KEYS, DEMO_WORKSPACE: 'false' }),
    { logger: createLogger({ level: 'silent' }) },
  );
});
afterAll(async () => {
  await proxy.restore().catch(() => undefined);
  await app.stop();
  await proxy.close();
  await crm.close();
  await database.destroy();
  await removeQueuePrefix(TEST_REDIS_URL, settings.queuePrefix);
});

describe('PostgreSQL unavailable for a while', () => {
  it('keeps jobs waiting and retrying, says why on /readyz, and finishes the run once it is back', async () => {
    const { workspace, portal } = await seedWorkspace(app.ctx, 'Outage');
    const pipeline = currentPipeline();
    if (!pipeline) throw new Error('pipeline did not start');
    const hold = crm.hold((r) => r.kind === 'page' && r.portal === portal && r.index === 2);
    const started = await pipeline.startRun(workspace.id);
    await hold.reached;

    await proxy.cut();
    hold.release();
    const ready = await fetch(`${app.url}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { checks: Array<{ name: string; ok: boolean; reason?: string }> };
    const check = body.checks.find((c) => c.name === 'database');
    expect(check?.ok).toBe(false);
    expect(check?.reason).toMatch(/ECONNREFUSED|connect|terminated|did not answer/i);

    // Long enough for several retry cycles (infrastructureRetryMs is 300 ms) with only 2 attempts allowed.
    await new Promise((r) => setTimeout(r, 2_000));
    await proxy.restore();

    const repo = app.ctx.workspace(workspace.id);
    const run = await waitFor(async () => {
      const r = await repo.jobRuns.get(started.run.id).catch(() => null);
      return r?.status === 'succeeded' || r?.status === 'failed' ? r : undefined;
    }, 20_000, 'the run to finish');
    expect(run.status).toBe('succeeded');
    expect(await repo.accounts.count()).toBe(300);
    const pull = (await repo.pipeline.tasks(started.run.id)).find((t) => t.stage === 'pull');
    expect(pull?.attempts).toBeLessThanOrEqual(2);
    expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
  });
});
