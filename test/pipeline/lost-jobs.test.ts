import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipeline } from '../../src/pipeline/pipeline.ts';
import { createHandlerRegistry } from '../../src/pipeline/stage-handlers.ts';
import type { AppContext } from '../../src/runtime/app-context.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { startStandInCrm, type StandInCrm } from './support/stand-in-crm.ts';
import { standInHandlers } from './support/stand-in-handlers.ts';
import { fastSettings, removeQueuePrefix, seedWorkspace, testContext, TEST_REDIS_URL, waitFor } from './support/test-context.ts';

let database: TestDatabase;
let ctx: AppContext;
let crm: StandInCrm;

beforeAll(async () => {
  database = await createTestDatabase('postgres');
  ctx = testContext(database, { redisUrl: TEST_REDIS_URL });
  crm = await startStandInCrm({ companies: 120 });
});
afterAll(async () => {
  await crm.close();
  await ctx.close();
  await database.destroy();
});

describe('jobs that Redis lost', () => {
  it('are rebuilt from the tasks the database still shows as open', async () => {
    const settings = fastSettings();
    const handlers = createHandlerRegistry(standInHandlers(crm.url));
    const { workspace } = await seedWorkspace(ctx, 'Lost Jobs');
    const producer = createPipeline(ctx, { handlers, settings });
    const started = await producer.startRun(workspace.id);
    await producer.stop();
    // Redis forgets everything (a restart without persistence); only the database remembers the run.
    await removeQueuePrefix(TEST_REDIS_URL, settings.queuePrefix);

    const worker = createPipeline(ctx, { handlers, settings });
    try {
      await worker.startProcessing('worker');
      const run = await waitFor(async () => {
        const r = await ctx.workspace(workspace.id).jobRuns.get(started.run.id);
        return r?.status === 'succeeded' || r?.status === 'failed' ? r : undefined;
      }, 15_000, 'the run to finish');
      expect(run.status).toBe('succeeded');
      expect(run.progress).toMatchObject({ counts: { pulled: 120, scored: 120, written: 120 } });
    } finally {
      await worker.stop();
      await removeQueuePrefix(TEST_REDIS_URL, settings.queuePrefix);
    }
  });
});
