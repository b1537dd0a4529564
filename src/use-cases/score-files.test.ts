import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIFECYCLE, defaultModel, parseModelText } from '../scoring/index.ts';
import { scoreFiles } from './score-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'score-files-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

function sink() {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

const good = defaultModel.factors.map((f) => {
  const n = f.normalization;
  const value = n.type === 'bands' ? (f.direction === 'lower_is_better' ? 0 : 99) : n.type === 'percentile' ? 0 : n.good;
  return `healthy,${f.metric},${value},2025-06-20`;
});
const signals = file('signals.csv', [
  'account_id,metric,value,observed_at',
  ...good,
  'sparse,usage.active_user_ratio,0.2,2025-06-20',
  'sparse,usage.active_user_ratio,0.9,2025-07-20',
  'broken,support.csat,lots,2025-06-20',
  'sparse,crm.not_in_any_model,1,2025-06-20',
].join('\n'));
const defaults = { lifecycle: DEFAULT_LIFECYCLE, models: [defaultModel] };

describe('scoreFiles', () => {
  it('scores each account as of the date and reports rejects and unused rows', async () => {
    const out = sink();
    const rejects = sink();
    const summary = await scoreFiles({
      signals: { path: signals }, models: defaults, asOf: new Date('2025-06-30T23:59:59Z'),
      format: 'jsonl', strict: false, output: out.stream, rejects: rejects.stream,
    });
    const records = out.text().trim().split('\n').map((line) => JSON.parse(line));
    expect(records.map((r) => r.account_id)).toEqual(['healthy', 'sparse']);
    expect(records[0]).toMatchObject({ score: 100, tier: 'healthy', confidence: 1, insufficient_data: false, model: 'default', model_version: 1 });
    expect(records[0].categories).toEqual({ usage: 100, engagement: 100, outcomes: 100, contract: 100 });
    expect(records[1]).toMatchObject({ score: null, provisional_score: 17, insufficient_data: true, tier: null });
    expect(records[1].drivers[0].text).toMatch(/^Usage \u2212\d+: weekly active users 20 % of seats$/);
    expect(summary).toMatchObject({
      accountsScored: 2, insufficientData: 1, signalRowsRead: good.length + 3,
      signalRowsRejected: 1, signalRowsAfterAsOf: 1, signalRowsUnusedMetric: 1,
    });
    expect(rejects.text()).toContain('signals.csv,27,value,expected a number');
  });

  it('picks each account\'s model from the accounts file and scores accounts without signals as insufficient', async () => {
    const accounts = file('accounts.csv', [
      'account_id,name,domain,segment,seats,customer_since,renewal_date',
      'healthy,Healthy Co,h.io,Enterprise,100,2022-01-01,2025-07-15',
      'quiet,Quiet Co,q.io,SMB,10,2025-06-01,',
    ].join('\n'));
    const models = parseModelText(readFileSync(new URL('../../examples/models/workspace.yaml', import.meta.url), 'utf8'), 'workspace.yaml');
    const out = sink();
    const summary = await scoreFiles({
      signals: { path: signals }, accounts: { path: accounts }, models, asOf: new Date('2025-06-30T23:59:59Z'),
      format: 'csv', strict: false, output: out.stream,
    });
    const [header, ...rows] = out.text().trim().split('\n');
    expect(header).toBe('account_id,score,provisional_score,tier,confidence,insufficient_data,usage,engagement,outcomes,contract,lifecycle_stage,model,model_version,drivers,scored_at');
    expect(rows[0]).toMatch(/^healthy,100,100,healthy,[\d.]+,false,.*,renewal,renewal,3,/);
    expect(rows[1]).toMatch(/^quiet,,,,0,true,,,,,onboarding,onboarding,2,/);
    expect(summary.accountsByModel).toEqual({ renewal: 1, onboarding: 1, 'default-base': 1 });
  });

  it('stops at the first malformed row in strict mode', async () => {
    await expect(scoreFiles({
      signals: { path: signals }, models: defaults, asOf: new Date('2025-06-30T00:00:00Z'),
      format: 'jsonl', strict: true, output: sink().stream,
    })).rejects.toThrow(/signals\.csv: line 27, column value: expected a number/);
  });

  it('names a missing input file', async () => {
    await expect(scoreFiles({
      signals: { path: join(dir, 'nope.csv') }, models: defaults, asOf: new Date(), format: 'jsonl', strict: false, output: sink().stream,
    })).rejects.toThrow(/file not found: .*nope\.csv/);
  });
});
