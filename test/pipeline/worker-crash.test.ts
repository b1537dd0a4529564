import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPipeline, type Pipeline } from '../../src/pipeline/pipeline.ts';
import { createHandlerRegistry } from '../../src/pipeline/stage-handlers.ts';
import type { AppContext } from '../../src/runtime/app-context.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { startStandInCrm, type StandInCrm } from './support/stand-in-crm.ts';
import { standInHandlers, standInScore } from './support/stand-in-handlers.ts';
import { spawnPipelineProcess, type PipelineProcess } from './support/spawn-pipeline.ts';
import { fastSettings, removeQueuePrefix, seedWorkspace, testContext, TEST_REDIS_URL, waitFor } from './support/test-context.ts';

let database: TestDatabase;
let ctx: AppContext;
let crm: StandInCrm;
const processes: PipelineProcess[] = [];
const producers: Pipeline[] = [];

beforeAll(async () => {
  database = await createTestDatabase('postgres');
  ctx = testContext(database, { redisUrl: TEST_REDIS_URL });
  crm = await startStandInCrm({ companies: 450 });
});
afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.kill()));
  for (const p of producers.splice(0)) {
    await p.stop();
    await removeQueuePrefix(TEST_REDIS_URL, p.settings.queuePrefix);
  }
});
afterAll(async () => {
  await crm.close();
  await ctx.close();
  await database.destroy();
});

async function setup(name: string) {
  const settings = fastSettings();
  const seeded = await seedWorkspace(ctx, name);
  // The test process only enqueues (like `crm-health sync` with Redis); the spawned workers do the work.
  const producer = createPipeline(ctx, { handlers: createHandlerRegistry(standInHandlers(crm.url)), settings });
  producers.push(producer);
  const worker = () =>
    spawnPipelineProcess({ role: 'worker', databaseUrl: database.url ?? '', redisUrl: TEST_REDIS_URL, standInUrl: crm.url, settings }).then((p) => {
      processes.push(p);
      return p;
    });
  return { ...seeded, producer, worker };
}

async function finished(workspaceId: string, runId: string) {
  return waitFor(async () => {
    const run = await ctx.workspace(workspaceId).jobRuns.get(runId);
    return run && (run.status === 'succeeded' || run.status === 'failed') ? run : undefined;
  }, 30_000, 'the run to finish');
}

function assertEveryAccountWrittenConsistently(portal: string) {
  const byId = new Map<string, Set<string>>();
  for (const w of crm.writes.filter((x) => x.portal === portal)) {
    const values = byId.get(w.id) ?? new Set<string>();
    values.add(JSON.stringify(w.properties));
    byId.set(w.id, values);
  }
  const expected = crm.companies(portal);
  expect(byId.size).toBe(expected.length); // none skipped
  for (const company of expected) {
    const values = [...(byId.get(company.id) ?? [])];
    expect(values).toHaveLength(1); // never written with two different values
    expect(JSON.parse(values[0] ?? '{}').health_score).toBe(String(standInScore(company.wau, company.csat)));
  }
}

describe('a worker killed in the middle of its work', () => {
  it('is replaced by another worker that resumes the pull from the saved checkpoint', async () => {
    const { workspace, portal, producer, worker } = await setup('Crash Pull');
    const hold = crm.hold((r) => r.kind === 'page' && r.portal === portal && r.index === 3);
    const first = await worker();
    const started = await producer.startRun(workspace.id);
    await hold.reached;
    await first.kill('SIGKILL');
    hold.release();
    await worker();
    const run = await finished(workspace.id, started.run.id);

    expect(run.status).toBe('succeeded');
    const afters = crm.pageRequests.filter((p) => p.portal === portal).map((p) => p.after);
    // Pages 1 and 2 were checkpointed before the kill; the second worker starts at page 3, not at the beginning.
    expect(afters).toEqual([null, 'c00100', 'c00200', 'c00200', 'c00300', 'c00400']);
    expect(await ctx.workspace(workspace.id).accounts.count()).toBe(450);
    assertEveryAccountWrittenConsistently(portal);
  });

  it('is replaced by another worker that finishes the write back without skipping or contradicting a write', async () => {
    const { workspace, portal, producer, worker } = await setup('Crash Write');
    const hold = crm.hold((r) => r.kind === 'batch' && r.portal === portal && r.index === 3);
    const first = await worker();
    const started = await producer.startRun(workspace.id);
    await hold.reached;
    await first.kill('SIGKILL');
    hold.release();
    await worker();
    const run = await finished(workspace.id, started.run.id);

    expect(run.status).toBe('succeeded');
    assertEveryAccountWrittenConsistently(portal);
    const writes = crm.writes.filter((w) => w.portal === portal);
    // Batches 1–2 were recorded in crm_writes before the kill and are not sent again; at most the
    // interrupted batch (100 accounts) is repeated, with identical values.
    expect(writes.length).toBeGreaterThanOrEqual(450);
    expect(writes.length).toBeLessThanOrEqual(550);
    const task = (await ctx.workspace(workspace.id).pipeline.tasks(started.run.id)).find((t) => t.stage === 'writeBack');
    expect(task?.attempts).toBe(2);
  });
});
