import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.ts';
import { workspaceDirectory, type WorkspaceDirectory } from '../storage/workspace-directory.ts';
import { workspaceRepository } from '../storage/workspace-repository.ts';
import { seedDemoWorkspace } from './seed-demo-workspace.ts';

describe('seedDemoWorkspace', () => {
  let database: TestDatabase;
  let directory: WorkspaceDirectory;
  const open = (id: string) => workspaceRepository(database.db, id);
  const options = { seed: 3, accounts: 300, weeks: 78, scoredWeeks: 8, endDate: new Date('2026-11-30T00:00:00Z') };

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    directory = workspaceDirectory(database.db);
  });
  afterAll(async () => database?.destroy());

  it('rebuilds a demo that a shutdown interrupted', async () => {
    const abort = new AbortController();
    abort.abort();
    await expect(seedDemoWorkspace(directory, open, { ...options, signal: abort.signal })).rejects.toThrow();
    const partial = await directory.findByKind('demo');
    expect(partial?.settings.demo).not.toMatchObject({ complete: true });
  });

  it('creates a scored, validated demo portfolio once (validation in a worker thread)', async () => {
    const result = await seedDemoWorkspace(directory, open, options);
    expect(result).toMatchObject({ created: true, accounts: 300 });
    expect(result.signals).toBeGreaterThan(1000);
    expect(result.outcomes).toBeGreaterThan(0);
    expect((await directory.list()).filter((w) => w.kind === 'demo')).toHaveLength(1);

    const workspace = await directory.get(result.workspace.id);
    const backtest = workspace?.settings.backtest as { text: string } | undefined;
    expect(backtest?.text).toMatch(/ROC-AUC/);
    const repo = open(result.workspace.id);
    const [model] = await repo.models.published();
    expect(model?.version).toBe(1);
    expect((model?.predictive as { churn: unknown } | null)?.churn).toBeTruthy();
    const latest = await repo.scores.latestAll({ limit: 500 });
    expect(latest.length).toBeGreaterThan(100);
    expect(latest.some((s) => s.churnProbability !== null && s.churnProbability > 0 && s.churnProbability < 1)).toBe(true);

    const again = await seedDemoWorkspace(directory, open, options);
    expect(again).toMatchObject({ created: false, accounts: 300 });
  });
});
