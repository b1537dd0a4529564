import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { defaultModel } from '../../scoring/index.ts';
import { parseAsOf, registerScoreCommand } from './score.ts';

const dir = mkdtempSync(join(tmpdir(), 'score-cli-'));
const path = (name: string) => join(dir, name);
writeFileSync(path('signals.csv'), [
  'account_id,metric,value,observed_at',
  // Every default factor at its good end.
  ...defaultModel.factors.map((f) => {
    const n = f.normalization;
    const value = n.type === 'bands' ? (f.direction === 'lower_is_better' ? 0 : 99) : n.type === 'percentile' ? 0 : n.good;
    return `a1,${f.metric},${value},2025-06-01`;
  }),
  'a2,support.csat,not-a-number,2025-06-01',
].join('\n'));

function program() {
  const errors: string[] = [];
  const cmd = new Command().name('crm-health').exitOverride();
  cmd.configureOutput({ writeErr: (s) => errors.push(s), writeOut: () => undefined });
  registerScoreCommand(cmd);
  const run = (...args: string[]) => cmd.parseAsync(['score', ...args], { from: 'user' });
  return { run, errors };
}

describe('crm-health score', () => {
  it('writes one JSON line per account to --out and a reject report to --rejects', async () => {
    const { run, errors } = program();
    await run('--signals', path('signals.csv'), '--as-of', '2025-06-02', '--out', path('out.jsonl'), '--rejects', path('rejects.csv'));
    const [record] = readFileSync(path('out.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(record).toMatchObject({ account_id: 'a1', score: 100, tier: 'healthy', insufficient_data: false, scored_at: '2025-06-02T23:59:59.999Z' });
    expect(Object.keys(record)).toEqual(expect.arrayContaining(['confidence', 'categories', 'lifecycle_stage', 'model', 'model_version', 'drivers']));
    expect(readFileSync(path('rejects.csv'), 'utf8')).toContain(',25,value,expected a number');
    expect(errors.join('')).toMatch(/scored 1 accounts .* rejected 1/);
  });

  it('exits non-zero naming file, line and column in strict mode', async () => {
    const { run, errors } = program();
    await expect(run('--signals', path('signals.csv'), '--strict', '--out', path('strict.jsonl'))).rejects.toBeInstanceOf(CommanderError);
    expect(errors.join('')).toContain('signals.csv: line 25, column value: expected a number');
  });

  it('reports an invalid model file with the path of the problem', async () => {
    writeFileSync(path('model.yaml'), 'id: m\nname: m\ncategories: { usage: 1 }\nfactors:\n  - { id: f, metric: usage.nope, weight: 1, normalization: { type: linear, bad: 0, good: 1 } }\n');
    const { run, errors } = program();
    await expect(run('--signals', path('signals.csv'), '--model', path('model.yaml'), '--out', path('m.jsonl'))).rejects.toThrow();
    expect(errors.join('')).toContain('factors[0].metric: unknown metric "usage.nope"');
  });

  it('rejects an unknown output format and a bad --as-of', async () => {
    await expect(program().run('--signals', path('signals.csv'), '--format', 'xml')).rejects.toThrow(/Allowed choices are jsonl, csv/);
    expect(() => parseAsOf('yesterday')).toThrow(/--as-of: expected an ISO 8601 date/);
    expect(parseAsOf('2025-06-01T10:00:00Z').toISOString()).toBe('2025-06-01T10:00:00.000Z');
  });
});
