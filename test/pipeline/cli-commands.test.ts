import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerStatusCommand } from '../../src/cli/commands/status.ts';
import { registerSyncCommand } from '../../src/cli/commands/sync.ts';
import { CliError } from '../../src/cli/output.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { registerStageHandlers } from '../../src/pipeline/stage-handlers.ts';
import { createAppContext } from '../../src/runtime/app-context.ts';
import { startStandInCrm, type StandInCrm } from './support/stand-in-crm.ts';
import { standInHandlers, STANDIN_PROVIDER } from './support/stand-in-handlers.ts';
import { TEST_KEYS } from './support/test-context.ts';

let crm: StandInCrm;
let dataDir: string;
let workspaceId: string;

beforeAll(async () => {
  crm = await startStandInCrm({ companies: 120 });
  dataDir = mkdtempSync(join(tmpdir(), 'crmh-cli-'));
  Object.assign(process.env, { DATA_DIR: dataDir, ENCRYPTION_KEYS: TEST_KEYS, LOG_LEVEL: 'silent', DATABASE_URL: '', REDIS_URL: '' });
  registerStageHandlers(standInHandlers(crm.url));
  const ctx = await createAppContext(loadConfig(), createLogger({ level: 'silent' }));
  const workspace = await ctx.directory.create({ name: 'Acme CLI' });
  await ctx.workspace(workspace.id).connections.upsert({
    provider: STANDIN_PROVIDER, externalAccountId: 'cli-portal', authMode: 'static_token', scopes: [], credentials: { token: 'x' },
  });
  workspaceId = workspace.id;
  await ctx.close();
});
afterAll(async () => {
  await crm.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function run(args: string[]): Promise<{ stdout: string; stderr: string; error: unknown }> {
  const program = new Command('crm-health').exitOverride();
  registerSyncCommand(program);
  registerStatusCommand(program);
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    await program.parseAsync(args, { from: 'user' });
    return { stdout, stderr, error: null };
  } catch (error) {
    return { stdout, stderr, error };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('crm-health sync and status', () => {
  it('runs a sync in process on embedded defaults, showing progress lines, found by workspace name', async () => {
    const result = await run(['sync', 'acme cli']);
    expect(result.error).toBeNull();
    expect(result.stderr).toContain('started for Acme CLI');
    expect(result.stderr).toMatch(/pull companies/);
    expect(result.stdout).toMatch(/^done: .*pulled 120.*scored 120.*written 120/m);
    expect(crm.writes.filter((w) => w.portal === 'cli-portal')).toHaveLength(120);
  });

  it('shows connections, the last run and the schedule; as JSON with --json', async () => {
    const result = await run(['status', workspaceId, '--json']);
    expect(result.error).toBeNull();
    const status = JSON.parse(result.stdout);
    expect(status.workspace.name).toBe('Acme CLI');
    expect(status.connections[0]).toMatchObject({ provider: STANDIN_PROVIDER, needsReauth: false, objects: [{ object: 'companies', stage: 'idle', failures: 0 }] });
    expect(status.lastSuccess.status).toBe('succeeded');
    const human = await run(['status']);
    expect(human.stdout).toContain('Acme CLI');
    expect(human.stdout).toContain('last success: succeeded sync (manual)');
  });

  it('exits non-zero with the reason when the sync fails', async () => {
    registerStageHandlers({ score: async () => { throw Object.assign(new Error('model definition is invalid'), { kind: 'permanent' }); } });
    const result = await run(['sync', workspaceId, '--full']);
    expect(result.error).toBeInstanceOf(CliError);
    expect((result.error as CliError).exitCode).toBe(1);
    expect((result.error as Error).message).toContain('model definition is invalid');
    const status = await run(['status', 'Acme CLI']);
    expect(status.stdout).toContain('failed: failed sync (manual)');
  });

  it('names the problem when the workspace does not exist', async () => {
    const result = await run(['sync', 'Nope Inc']);
    expect((result.error as CliError).exitCode).toBe(2);
    expect((result.error as Error).message).toContain('no workspace "Nope Inc"');
  });
});
