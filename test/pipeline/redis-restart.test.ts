/**
 * Destructive: restarts the machine's Redis (it keeps nothing on disk here). Kept alone in this
 * file, and Redis is started again in `finally` and `afterAll` whatever happens.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { currentPipeline, installPipeline } from '../../src/pipeline/role-extension.ts';
import { createHandlerRegistry } from '../../src/pipeline/stage-handlers.ts';
import { runApp, type RunningApp } from '../../src/runtime/run-app.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { startStandInCrm, type StandInCrm } from './support/stand-in-crm.ts';
import { standInHandlers, standInScore } from './support/stand-in-handlers.ts';
import { fastSettings, removeQueuePrefix, seedWorkspace, TEST_KEYS, TEST_REDIS_URL, waitFor } from './support/test-context.ts';

const redisPing = () => {
  try {
    return execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'ping'], { encoding: 'utf8', timeout: 2_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim() === 'PONG';
  } catch {
    return false;
  }
};
const stopRedis = () => execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'shutdown', 'nosave'], { timeout: 5_000, stdio: 'ignore' });
async function startRedis(): Promise<void> {
  if (redisPing()) return;
  execFileSync('redis-server', [
    '--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', '6379', '--save', '', '--appendonly', 'no',
    '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log',
  ], { timeout: 5_000 });
  for (let i = 0; i < 50 && !redisPing(); i += 1) await new Promise((r) => setTimeout(r, 100));
}

let database: TestDatabase;
let crm: StandInCrm;
let app: RunningApp;
const settings = fastSettings();

beforeAll(async () => {
  database = await createTestDatabase('postgres');
  crm = await startStandInCrm({ companies: 400 });
  installPipeline({ handlers: createHandlerRegistry(standInHandlers(crm.url)), settings });
  app = await runApp(
    loadConfig({ DATABASE_URL: database.url ?? '', REDIS_URL: TEST_REDIS_URL, PORT: '0', HOST: '127.0.0.1', ENCRYPTION_KEYS: TEST_KEYS, DEMO_WORKSPACE: 'false' }),
    { logger: createLogger({ level: 'silent' }) },
  );
});
afterAll(async () => {
  await startRedis();
  await app.stop();
  await crm.close();
  await database.destroy();
  await removeQueuePrefix(TEST_REDIS_URL, settings.queuePrefix);
});

describe('Redis restarted in the middle of a run', () => {
  it('loses no job: the run completes once Redis is back, from what the database recorded', async () => {
    const { workspace, portal } = await seedWorkspace(app.ctx, 'Redis Restart');
    const pipeline = currentPipeline();
    if (!pipeline) throw new Error('pipeline did not start');
    const hold = crm.hold((r) => r.kind === 'page' && r.portal === portal && r.index === 2);
    const started = await pipeline.startRun(workspace.id);
    await hold.reached;
    try {
      stopRedis(); // every queued job and schedule in Redis is gone now
      hold.release();
      await new Promise((r) => setTimeout(r, 1_000));
    } finally {
      await startRedis();
    }

    const repo = app.ctx.workspace(workspace.id);
    const run = await waitFor(async () => {
      const r = await repo.jobRuns.get(started.run.id);
      return r?.status === 'succeeded' || r?.status === 'failed' ? r : undefined;
    }, 30_000, 'the run to finish after Redis returned');
    expect(run.status).toBe('succeeded');
    expect((await repo.pipeline.tasks(started.run.id)).map((t) => `${t.stage}:${t.status}`))
      .toEqual(['pull:succeeded', 'score:succeeded', 'writeBack:succeeded', 'actions:succeeded']);
    const writes = crm.writes.filter((w) => w.portal === portal);
    const ids = new Set(writes.map((w) => w.id));
    expect(ids.size).toBe(400);
    for (const company of crm.companies(portal)) {
      const values = new Set(writes.filter((w) => w.id === company.id).map((w) => w.properties.health_score));
      expect([...values]).toEqual([String(standInScore(company.wau, company.csat))]);
    }
  });
});
