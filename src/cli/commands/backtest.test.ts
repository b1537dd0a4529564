import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { writeHistoryFixture } from '../../backtest/fixtures/history-files.ts';
import { registerBacktestCommand } from './backtest.ts';

const dir = mkdtempSync(join(tmpdir(), 'backtest-cli-'));
const fixturePath = (name: string): string => join(dir, name);
const repoRoot = resolve(import.meta.dirname, '..', '..', '..');

writeHistoryFixture(dir);

function program() {
  const out: string[] = [];
  const err: string[] = [];
  const cmd = new Command().name('crm-health').exitOverride();
  cmd.configureOutput({ writeErr: (s) => err.push(s), writeOut: () => undefined });
  registerBacktestCommand(cmd, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  const run = (...args: string[]) => cmd.parseAsync(['backtest', ...args], { from: 'user' });
  return { run, out, err };
}

const history = ['--signals', fixturePath('signals.csv'), '--outcomes', fixturePath('outcomes.csv'), '--accounts', fixturePath('accounts.csv'), '--model', fixturePath('model.yaml')];

describe('crm-health backtest', () => {
  it('prints a readable report of a point-in-time replay', async () => {
    const { run, out, err } = program();
    await run(...history, '--from', '2025-02-01', '--to', '2025-10-01', '--every', '30d', '--horizon', '90d');
    const text = out.join('');
    expect(text).toContain('Backtest: point-in-time replay 2025-02-01 … 2025-10-01 every 30 days, horizon 90 days');
    expect(text).toMatch(/ROC-AUC\s+0\.\d{3}/);
    expect(text).toMatch(/lead time\s+median \d+ d/);
    expect(text).toMatch(/Tier\s+Snapshots\s+Churned\s+Churn rate\s+Lift/);
    expect(text).toMatch(/Segment\s+Scored/);
    expect(text).toMatch(/Lifecycle stage\s+Scored/);
    expect(text).toContain('Expansion: the score as a predictor');
    expect(err.join('')).toMatch(/rejected 1 malformed rows.*line \d+, column value/);
  });

  it('emits JSON for machines with the same figures', async () => {
    const { run, out } = program();
    await run(...history, '--format', 'json', '--every', '30d');
    const result = JSON.parse(out.join(''));
    expect(result.kind).toBe('replay');
    expect(result.overall.churn.rocAuc).toBeGreaterThan(0.8);
    expect(result.overall.churn.tiers.map((t: { tier: string }) => t.tier)).toEqual(['Healthy', 'At Risk', 'Critical']);
    expect(result.segments.map((s: { name: string }) => s.name)).toEqual(['Enterprise', 'SMB']);
    expect(result.outcomesKnownUntil).toBe('2025-12-31');
    // Default window ends one horizon before the last known outcome.
    expect(result.to).toBe('2025-10-02');
  });

  it('backtests a wide file with a mapping bundle, with and without a factor', async () => {
    const data = resolve(repoRoot, '..', 'shared', 'datasets', 'iranian_churn_uci563.csv');
    const model = resolve(repoRoot, 'examples', 'models', 'iranian.yaml');
    const full = program();
    await full.run('--wide', data, '--model', model, '--format', 'json');
    const reduced = program();
    await reduced.run('--wide', data, '--model', model, '--without', 'status', '--format', 'json');
    const a = JSON.parse(full.out.join(''));
    const b = JSON.parse(reduced.out.join(''));
    expect(a.rows).toBe(2850);
    expect(a.overall.churn.rocAuc).toBeGreaterThan(b.overall.churn.rocAuc);
  });

  it('fails with a clear message when inputs are missing or wrong', async () => {
    const missing = program();
    await expect(missing.run('--signals', fixturePath('signals.csv'))).rejects.toBeInstanceOf(CommanderError);
    expect(missing.err.join('')).toContain('give --signals FILE and --outcomes FILE');
    const badHorizon = program();
    await expect(badHorizon.run(...history, '--horizon', 'soon')).rejects.toThrow();
    expect(badHorizon.err.join('')).toContain('"soon" is not a duration');
    writeFileSync(fixturePath('bad-outcomes.csv'), 'account_id,outcome,occurred_at\nacct-1,left,2025-01-01\n');
    const strict = program();
    await expect(strict.run('--signals', fixturePath('signals.csv'), '--outcomes', fixturePath('bad-outcomes.csv'), '--strict')).rejects.toThrow();
    expect(strict.err.join('')).toMatch(/line \d+, column (value|outcome)/);
  });
});
