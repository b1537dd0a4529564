import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipeline, type Pipeline } from '../../src/pipeline/pipeline.ts';
import { createHandlerRegistry } from '../../src/pipeline/stage-handlers.ts';
import type { AppContext } from '../../src/runtime/app-context.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { startStandInCrm, type StandInCrm } from './support/stand-in-crm.ts';
import { standInHandlers } from './support/stand-in-handlers.ts';
import { spawnPipelineProcess } from './support/spawn-pipeline.ts';
import { fastSettings, removeQueuePrefix, seedWorkspace, testContext, TEST_REDIS_URL } from './support/test-context.ts';

let database: TestDatabase;
let ctx: AppContext;
let crm: StandInCrm;
let worker: Pipeline;
const settings = fastSettings({ syncCron: '*/1 * * * * *' });

beforeAll(async () => {
  database = await createTestDatabase('postgres');
  ctx = testContext(database, { redisUrl: TEST_REDIS_URL });
  crm = await startStandInCrm({ companies: 20 });
  worker = createPipeline(ctx, { handlers: createHandlerRegistry(standInHandlers(crm.url)), settings });
});
afterAll(async () => {
  await worker.stop();
  await crm.close();
  await ctx.close();
  await database.destroy();
  await removeQueuePrefix(TEST_REDIS_URL, settings.queuePrefix);
});

describe('two scheduler processes at once', () => {
  it('produce each scheduled run exactly once', async () => {
    const a = await seedWorkspace(ctx, 'Sched A');
    const b = await seedWorkspace(ctx, 'Sched B');
    await worker.startProcessing('worker');
    const spawnScheduler = () =>
      spawnPipelineProcess({ role: 'scheduler', databaseUrl: database.url ?? '', redisUrl: TEST_REDIS_URL, standInUrl: crm.url, settings });
    const schedulers = await Promise.all([spawnScheduler(), spawnScheduler()]);
    await new Promise((r) => setTimeout(r, 4_500));
    await Promise.all(schedulers.map((s) => s.kill('SIGTERM')));

    const ticks = schedulers.flatMap((s) => s.logs.join('').split('\n').flatMap((line) => {
      const match = /"tick":"([^"]+)".*schedule tick processed/.exec(line);
      return match?.[1] ? [match[1]] : [];
    }));
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(new Set(ticks).size).toBe(ticks.length); // no tick was processed by both schedulers
    // Both processes took part: the ticks are shared, not duplicated.
    expect(schedulers.filter((s) => s.logs.join('').includes('schedule tick processed')).length).toBeGreaterThanOrEqual(1);

    for (const { workspace } of [a, b]) {
      const runs = (await ctx.workspace(workspace.id).pipeline.runs(100)).filter((r) => r.trigger === 'schedule');
      const keys = runs.map((r) => r.runKey);
      expect(new Set(keys).size).toBe(keys.length);
      // One run per tick (a tick while the previous run is still active is skipped, never doubled).
      expect(runs.length).toBeLessThanOrEqual(ticks.length);
      expect(runs.length).toBeGreaterThanOrEqual(ticks.length - 1);
      const slots = keys.map((k) => Number(String(k).split(':')[1])).sort();
      for (let i = 1; i < slots.length; i += 1) expect((slots[i] ?? 0) - (slots[i - 1] ?? 0)).toBeGreaterThanOrEqual(1_000);
    }
  });
});
