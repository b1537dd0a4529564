import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StageError } from '../../src/pipeline/job-errors.ts';
import { createPipeline, type Pipeline } from '../../src/pipeline/pipeline.ts';
import { createHandlerRegistry } from '../../src/pipeline/stage-handlers.ts';
import type { StageHandlers } from '../../src/pipeline/types.ts';
import type { AppContext } from '../../src/runtime/app-context.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { startStandInCrm, type StandInCrm } from './support/stand-in-crm.ts';
import { standInHandlers, standInScore, STANDIN_PROVIDER } from './support/stand-in-handlers.ts';
import { fastSettings, seedWorkspace, testContext } from './support/test-context.ts';

let database: TestDatabase;
let ctx: AppContext;
let crm: StandInCrm;

beforeAll(async () => {
  database = await createTestDatabase('pglite');
  ctx = testContext(database);
  crm = await startStandInCrm({ companies: 230 });
});
afterAll(async () => {
  await crm.close();
  await ctx.close();
  await database.destroy();
});

async function withPipeline<T>(handlers: StageHandlers, fn: (p: Pipeline) => Promise<T>, settings = fastSettings()): Promise<T> {
  const pipeline = createPipeline(ctx, { handlers: createHandlerRegistry(handlers), settings });
  await pipeline.startProcessing('worker');
  try {
    return await fn(pipeline);
  } finally {
    await pipeline.stop();
  }
}

async function runToEnd(pipeline: Pipeline, workspaceId: string, options = {}) {
  const started = await pipeline.startRun(workspaceId, { options });
  await pipeline.whenIdle();
  const repo = ctx.workspace(workspaceId);
  return { run: await repo.jobRuns.get(started.run.id), tasks: await repo.pipeline.tasks(started.run.id), started };
}

describe('the in-process pipeline (embedded defaults)', () => {
  it('pulls, scores, writes back and runs actions, recording progress in job_runs', async () => {
    const { workspace, portal } = await seedWorkspace(ctx, 'Acme');
    const { run, tasks } = await withPipeline(standInHandlers(crm.url), (p) => runToEnd(p, workspace.id));
    expect(run?.status).toBe('succeeded');
    expect(tasks.map((t) => `${t.stage}:${t.status}`)).toEqual(['pull:succeeded', 'score:succeeded', 'writeBack:succeeded', 'actions:succeeded']);
    expect(run?.progress).toMatchObject({ counts: { pulled: 230, scored: 230, written: 230 }, done: 4, total: 4 });
    const written = crm.writes.filter((w) => w.portal === portal);
    expect(written).toHaveLength(230);
    const first = crm.companies(portal)[0];
    expect(written.find((w) => w.id === first?.id)?.properties.health_score).toBe(String(standInScore(first?.wau ?? 0, first?.csat ?? 0)));
  });

  it('writes only changed values on the next run and rescores only accounts with new signals', async () => {
    const { workspace, portal } = await seedWorkspace(ctx, 'Beta');
    await withPipeline(standInHandlers(crm.url), async (p) => {
      await runToEnd(p, workspace.id);
      const second = await runToEnd(p, workspace.id);
      expect(second.run?.status).toBe('succeeded');
      expect(second.run?.progress).toMatchObject({ counts: { pulled: 230, scored: 0, written: 0 } });
    });
    expect(crm.writes.filter((w) => w.portal === portal)).toHaveLength(230);
  });

  it('retries a retryable failure with backoff and counts the attempts', async () => {
    const { workspace } = await seedWorkspace(ctx, 'Gamma');
    let calls = 0;
    const base = standInHandlers(crm.url);
    const flaky: StageHandlers = {
      ...base,
      score: async (job) => {
        calls += 1;
        if (calls < 3) throw new StageError('retryable', `flaky ${calls}`);
        return base.score?.(job);
      },
    };
    const { run, tasks } = await withPipeline(flaky, (p) => runToEnd(p, workspace.id));
    expect(run?.status).toBe('succeeded');
    expect(tasks.find((t) => t.stage === 'score')?.attempts).toBe(3);
  });

  it('delays a rate-limited task without counting an attempt', async () => {
    const { workspace } = await seedWorkspace(ctx, 'Delta');
    let calls = 0;
    const base = standInHandlers(crm.url);
    const limited: StageHandlers = {
      ...base,
      actions: async () => {
        calls += 1;
        if (calls <= 2) throw new StageError('rate_limited', '429', { retryAfterMs: 200 });
        return { counts: { traces: 1 } };
      },
    };
    const began = Date.now();
    const { run, tasks } = await withPipeline(limited, (p) => runToEnd(p, workspace.id), fastSettings({ maxAttempts: 1 }));
    expect(run?.status).toBe('succeeded');
    expect(Date.now() - began).toBeGreaterThanOrEqual(400);
    expect(tasks.find((t) => t.stage === 'actions')?.attempts).toBe(1);
  });

  it('fails a permanent error at once, without retries, and stops the run', async () => {
    const { workspace, portal } = await seedWorkspace(ctx, 'Epsilon');
    let calls = 0;
    const broken: StageHandlers = {
      ...standInHandlers(crm.url),
      score: async () => {
        calls += 1;
        throw new StageError('permanent', 'model is invalid');
      },
    };
    const { run, tasks } = await withPipeline(broken, (p) => runToEnd(p, workspace.id));
    expect(calls).toBe(1);
    expect(run?.status).toBe('failed');
    expect(run?.error).toBe('model is invalid');
    expect(tasks.map((t) => t.stage)).toEqual(['pull', 'score']);
    expect(crm.writes.filter((w) => w.portal === portal)).toHaveLength(0);
  });

  it('marks the connection needs_reauth and stops its tasks when the provider rejects the credentials', async () => {
    const { workspace, connection } = await seedWorkspace(ctx, 'Zeta');
    const revoked: StageHandlers = {
      ...standInHandlers(crm.url),
      pull: { [STANDIN_PROVIDER]: { objects: ['companies', 'deals'], run: async () => { throw new StageError('needs_reauth', 'invalid_grant'); } } },
    };
    const { run, tasks } = await withPipeline(revoked, (p) => runToEnd(p, workspace.id));
    expect((await ctx.workspace(workspace.id).connections.get(connection.id))?.status).toBe('needs_reauth');
    expect(tasks.filter((t) => t.stage === 'pull').every((t) => t.status === 'cancelled')).toBe(true);
    expect(tasks.some((t) => t.stage === 'writeBack')).toBe(false);
    expect(run?.status).toBe('failed');
    expect(run?.error).toContain('re-authorisation');
  });

  it('collapses a second start while a run is active into the active run', async () => {
    const { workspace } = await seedWorkspace(ctx, 'Eta');
    await withPipeline(standInHandlers(crm.url), async (p) => {
      const first = await p.startRun(workspace.id);
      const second = await p.startRun(workspace.id);
      expect(second.created).toBe(false);
      expect(second.run.id).toBe(first.run.id);
      await p.whenIdle();
    });
    expect((await ctx.workspace(workspace.id).pipeline.runs()).length).toBe(1);
  });

  it('gathers webhook events into one targeted pull of just those objects', async () => {
    const { workspace, connection, portal } = await seedWorkspace(ctx, 'Theta');
    await withPipeline(standInHandlers(crm.url), async (p) => {
      await p.enqueueTargetedSync(workspace.id, connection.id, ['c00003']);
      await p.enqueueTargetedSync(workspace.id, connection.id, ['c00007', 'c00003']);
      await new Promise((r) => setTimeout(r, 450));
      await p.whenIdle();
    });
    const runs = await ctx.workspace(workspace.id).pipeline.runs();
    expect(runs).toHaveLength(1);
    expect(runs[0]?.trigger).toBe('webhook');
    expect(runs[0]?.options).toMatchObject({ objectIds: ['c00003', 'c00007'] });
    expect(crm.writes.filter((w) => w.portal === portal).map((w) => w.id).sort()).toEqual(['c00003', 'c00007']);
  });

  it('gives every workspace a turn while one workspace has many tasks waiting', async () => {
    const order: string[] = [];
    const big = await seedWorkspace(ctx, 'Big');
    const small = await seedWorkspace(ctx, 'Small');
    const handlers: StageHandlers = {
      pull: {
        [STANDIN_PROVIDER]: {
          objects: Array.from({ length: 8 }, (_, i) => `o${i}`),
          run: async (job) => {
            order.push(job.workspaceId === big.workspace.id ? 'big' : 'small');
            await new Promise((r) => setTimeout(r, 30));
          },
        },
      },
    };
    const pipeline = createPipeline(ctx, {
      handlers: createHandlerRegistry(handlers), settings: fastSettings({ concurrency: { pull: 1, score: 1, writeBack: 1, actions: 1 } }),
    });
    // Both runs wait before the runner starts, as after a restart with a backlog.
    await pipeline.startRun(big.workspace.id);
    await pipeline.startRun(small.workspace.id);
    await pipeline.startProcessing('worker');
    await pipeline.whenIdle();
    await pipeline.stop();
    // With one slot, turns alternate: the small workspace is done long before the big one.
    expect(order.slice(0, 4)).toEqual(['big', 'small', 'big', 'small']);
  });
});
