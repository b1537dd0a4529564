import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseModelText } from '../../scoring/index.ts';
import { ProbabilityModelSchema } from '../../backtest/index.ts';
import { writeHistoryFixture } from '../../backtest/fixtures/history-files.ts';
import { registerFitCommand } from './fit.ts';

const dir = mkdtempSync(join(tmpdir(), 'fit-cli-'));
const fixturePath = (name: string): string => join(dir, name);
writeHistoryFixture(dir);
const repoRoot = resolve(import.meta.dirname, '..', '..', '..');

function program() {
  const out: string[] = [];
  const err: string[] = [];
  const cmd = new Command().name('crm-health').exitOverride();
  cmd.configureOutput({ writeErr: (s) => err.push(s), writeOut: () => undefined });
  registerFitCommand(cmd, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  const run = (...args: string[]) => cmd.parseAsync(['fit', ...args], { from: 'user' });
  return { run, out, err };
}

describe('crm-health fit', () => {
  it('fits on history and writes a draft model that score --model accepts, plus the probability model', async () => {
    const { run, out } = program();
    await run(
      '--signals', fixturePath('signals.csv'),
      '--outcomes', fixturePath('outcomes.csv'),
      '--accounts', fixturePath('accounts.csv'),
      '--model', fixturePath('model.yaml'),
      '--every', '14d',
      '--folds', '3',
      '--out', fixturePath('draft.yaml'),
    );
    const text = out.join('');
    expect(text).toMatch(/Current weights \(score\)\s+0\.\d{3}/);
    expect(text).toMatch(/Fitted weights \(score\)\s+0\.\d{3}/);
    expect(text).toMatch(/Churn probability\s+0\.\d{3}/);
    expect(text).toContain('Wrote');
    const draftText = readFileSync(fixturePath('draft.yaml'), 'utf8');
    expect(draftText.startsWith('# Draft fitted by crm-health fit')).toBe(true);
    const [draft] = parseModelText(draftText, 'draft.yaml').models;
    expect(draft?.version).toBeUndefined();
    expect(draft?.name).toBe('CLI test (fitted draft)');
    const probability = JSON.parse(readFileSync(fixturePath('draft.probability.json'), 'utf8'));
    expect(ProbabilityModelSchema.parse(probability.churn).horizonDays).toBe(90);
    expect(probability.churn.validation.rocAuc).toBeGreaterThan(0.7);
    expect(ProbabilityModelSchema.parse(probability.expansion).outcome).toBe('expanded');
  });

  it('fits a wide file and reports JSON with cross-validated figures', async () => {
    const { run, out } = program();
    await run(
      '--wide', resolve(repoRoot, '..', 'shared', 'datasets', 'iranian_churn_uci563.csv'),
      '--model', resolve(repoRoot, 'examples', 'models', 'iranian.yaml'),
      '--format', 'json',
      '--seed', '3',
    );
    const result = JSON.parse(out.join(''));
    expect(result.options).toEqual({ folds: 5, seed: 3, l2: 1 });
    expect(result.crossValidation.churnProbability.rocAuc).toBeGreaterThan(0.9);
    expect(result.draftModel.categories).toBeDefined();
    expect(result.expansionLikelihoodModel).toBeNull();
  });

  it('rejects bad numeric options', async () => {
    const { run, err } = program();
    await expect(run('--wide', 'x.csv', '--model', 'm.yaml', '--folds', '1')).rejects.toThrow();
    expect(err.join('')).toContain('--folds: need at least 2');
  });
});
