import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsRegistry } from '../../src/pipeline/metrics.ts';
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
  crm = await startStandInCrm({ companies: 150 });
});
afterAll(async () => {
  await crm.close();
  await ctx.close();
  await database.destroy();
});

describe('a provider answering 429 for a while (a minute in production, 3 s here)', () => {
  it('delays the jobs until Retry-After instead of failing them, and spends no attempt', async () => {
    const settings = fastSettings({ maxAttempts: 1 });
    const pipeline = createPipeline(ctx, { handlers: createHandlerRegistry(standInHandlers(crm.url)), settings });
    await pipeline.startProcessing('worker');
    try {
      const { workspace } = await seedWorkspace(ctx, 'Throttled');
      crm.throttleFor(3_000);
      const began = Date.now();
      const started = await pipeline.startRun(workspace.id);
      const repo = ctx.workspace(workspace.id);

      const delayed = await waitFor(async () => {
        const run = await repo.jobRuns.get(started.run.id);
        return run?.status === 'delayed' ? run : undefined;
      }, 5_000, 'the run to show as delayed');
      expect(JSON.stringify(delayed.progress)).toContain('rate_limited');
      // The BullMQ job sits in the delayed set meanwhile (not failed, not retried).
      await waitFor(async () => (await pipeline.overview()).stages.pull.delayed === 1, 2_000, 'the job in the delayed set');

      const run = await waitFor(async () => {
        const r = await repo.jobRuns.get(started.run.id);
        return r?.status === 'succeeded' || r?.status === 'failed' ? r : undefined;
      }, 15_000, 'the run to finish');
      expect(run.status).toBe('succeeded');
      expect(Date.now() - began).toBeGreaterThanOrEqual(2_900);
      expect(crm.throttledResponses).toBeGreaterThanOrEqual(1);
      const pull = (await repo.pipeline.tasks(started.run.id)).find((t) => t.stage === 'pull');
      // maxAttempts is 1: had the 429 counted as an attempt, the task would have failed.
      expect(pull?.attempts).toBe(1);
      expect(await metricsRegistry.getSingleMetricAsString('crmh_pipeline_tasks_total')).toMatch(/stage="pull",outcome="delayed"} [1-9]/);
    } finally {
      await pipeline.stop();
      await removeQueuePrefix(TEST_REDIS_URL, settings.queuePrefix);
    }
  });
});
