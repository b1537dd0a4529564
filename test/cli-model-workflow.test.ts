import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/spawn-app.ts';

const root = mkdtempSync(join(tmpdir(), 'crmh-cli-'));
const dataDir = join(root, 'data');
afterAll(() => rmSync(root, { recursive: true, force: true }));

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [resolve(REPO_ROOT, 'src/cli/main.ts'), ...args], {
    env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'error' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
const json = <T>(out: { stdout: string }): T => JSON.parse(out.stdout) as T;

/**
 * The admin's model workflow end to end through the real CLI on the embedded database:
 * history files → workspace → export → fit a draft → review → publish → scores carry the new
 * version and a churn probability.
 */
describe('crm-health model workflow', () => {
  it('imports history, fits and publishes a draft, and scores with it', () => {
    const files = join(root, 'portfolio');
    expect(cli('demo', '--out', files, '--accounts', '120', '--seed', '7', '--end-date', '2026-11-30').code).toBe(0);
    // One malformed row: rejected with its line and column, every good row still imported.
    appendFileSync(join(files, 'signals.csv'), 'demo-0001,usage.login_days_30d,lots,2026-11-30\n');

    const imported = cli('import', '--new', 'Files Inc', '--signals', join(files, 'signals.csv'), '--accounts', join(files, 'accounts.csv'), '--outcomes', join(files, 'outcomes.csv'), '--json');
    expect(imported.code, imported.stderr).toBe(0);
    const summary = json<{ accounts: number; signals: number; outcomes: number; rejected: string[] }>(imported);
    expect(summary.accounts).toBe(120);
    expect(summary.signals).toBeGreaterThan(10_000);
    expect(summary.rejected).toHaveLength(1);
    expect(summary.rejected[0]).toMatch(/signals\.csv: line \d+, column value/);
    // Importing the same files again stores nothing twice.
    expect(json<{ signals: number }>(cli('import', 'Files Inc', '--signals', join(files, 'signals.csv'), '--json')).signals).toBe(0);

    const exported = join(root, 'export');
    expect(cli('export', 'Files', '--out', exported).code).toBe(0);
    expect(readFileSync(join(exported, 'signals.csv'), 'utf8').split('\n')[0]).toBe('account_id,metric,value,observed_at');

    const draftFile = join(root, 'draft.yaml');
    const fit = cli('fit', '--signals', join(exported, 'signals.csv'), '--outcomes', join(exported, 'outcomes.csv'), '--accounts', join(exported, 'accounts.csv'), '--out', draftFile);
    expect(fit.code, fit.stderr).toBe(0);
    expect(fit.stdout).toMatch(/ROC-AUC/);

    const saved = json<{ version: number; status: string }>(cli('models', 'import', 'Files', draftFile, '--probability', join(root, 'draft.probability.json'), '--json'));
    expect(saved).toEqual({ version: 2, status: 'draft' });
    const listed = json<Array<{ version: number; status: string; churnProbability: boolean }>>(cli('models', 'list', 'Files', '--json'));
    expect(listed.map((m) => [m.version, m.status])).toEqual([[1, 'published'], [2, 'draft']]);
    expect(cli('models', 'show', 'Files', '2').stdout).toMatch(/factors:/);

    expect(json<{ status: string }>(cli('models', 'publish', 'Files', '2', '--json')).status).toBe('published');
    const again = cli('models', 'publish', 'Files', '2');
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/only drafts can be published/);

    const sync = cli('sync', 'Files', '--full', '--json');
    expect(sync.code, sync.stderr).toBe(0);
    expect(json<{ status: string; counts: Record<string, number> }>(sync)).toMatchObject({ status: 'succeeded', counts: { scored: 120 } });
    const status = json<Array<{ lastRun: { status: string } | null }> | { lastRun: { status: string } | null }>(cli('status', 'Files', '--json'));
    expect(JSON.stringify(status)).toContain('succeeded');
  }, 300_000);

  it('explains a model file that is wrong, and stores nothing', () => {
    const bad = join(root, 'bad.yaml');
    appendFileSync(bad, 'id: broken\nname: Broken\ncategories: { usage: 40 }\nfactors:\n  - { id: a, metric: usage.nonexistent, category: usage, weight: 1, maxAgeDays: 14, normalization: { type: linear, bad: 0, good: 1 } }\n');
    const result = cli('models', 'import', 'Files', bad);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/factors\[0\]\.metric/);
    expect(json<unknown[]>(cli('models', 'list', 'Files', '--json'))).toHaveLength(2);
  }, 60_000);
});
