import { describe, expect, it } from 'vitest';
import { parseModel } from '../scoring/index.ts';
import { parseWideFile, parseWideMapping, WideFileError } from './wide-file.ts';
import { wideBacktest, wideFitDataset } from './wide-backtest.ts';
import { withoutFactors } from './model-edits.ts';

const mapping = parseWideMapping({
  idColumn: 'id',
  segmentColumn: 'plan',
  outcome: { column: 'Churn', churned: ['Yes'], expanded: ['Up'] },
  columns: [
    { column: 'Usage  Hours', metric: 'demo.usage_hours' },
    { column: 'plan', metric: 'demo.annual_plan', values: { Monthly: 0, Annual: 1, Trial: null } },
  ],
});

const csv = [
  'id,Usage Hours,plan,Churn',
  'a,10,Monthly,Yes',
  'b,50,Annual,No',
  'b,50,Annual,No',
  'c,,Trial,No',
  'd,30,Annual,Up',
].join('\n');

describe('wide files', () => {
  const dataset = parseWideFile(csv, mapping);

  it('matches headers despite spacing, removes exact duplicates, and maps categories', () => {
    expect(dataset.duplicatesRemoved).toBe(1);
    expect(dataset.rows.map((r) => r.accountId)).toEqual(['a', 'b', 'c', 'd']);
    expect(dataset.rows[0]?.signals).toEqual([
      { metric: 'demo.usage_hours', value: 10 },
      { metric: 'demo.annual_plan', value: 0 },
    ]);
    expect(dataset.rows.map((r) => [r.churned, r.expanded])).toEqual([[true, false], [false, false], [false, false], [false, true]]);
  });

  it('leaves blank cells and not-applicable categories missing, never zero', () => {
    expect(dataset.rows[2]?.signals).toEqual([]);
    expect(dataset.blankCells).toBe(1);
  });

  it('names the line, column and value of a bad cell', () => {
    expect(() => parseWideFile('id,Usage Hours,plan,Churn\na,ten,Monthly,No', mapping)).toThrow(/line 2, column "Usage {2}Hours": "ten" is not a number/);
    expect(() => parseWideFile('id,Usage Hours,plan,Churn\na,1,Weekly,No', mapping)).toThrow(/category "Weekly" is not mapped; known: Monthly, Annual, Trial/);
    expect(() => parseWideFile('id,Hours,plan,Churn\na,1,Monthly,No', mapping)).toThrow(WideFileError);
  });

  it('rejects an invalid mapping with the path of the problem', () => {
    expect(() => parseWideMapping({ outcome: { column: 'x', churned: [] }, columns: [] })).toThrow(/wide\.outcome\.churned/);
  });

  it('scores rows through the engine with percentile references over all rows', () => {
    const model = parseModel({
      id: 'wide-test',
      name: 'Wide test',
      minConfidence: 0.4,
      categories: { usage: 1, contract: 1 },
      customMetrics: [
        { id: 'demo.usage_hours', meaning: 'hours of use', direction: 'higher_is_better', category: 'usage' },
        { id: 'demo.annual_plan', meaning: 'annual plan', direction: 'higher_is_better', category: 'contract' },
      ],
      factors: [
        { id: 'usage', metric: 'demo.usage_hours', weight: 1, normalization: { type: 'percentile' } },
        { id: 'annual', metric: 'demo.annual_plan', weight: 1, normalization: { type: 'percentile' } },
      ],
    });
    const result = wideBacktest(dataset, model);
    expect(result.scored).toBe(3);
    expect(result.insufficientData).toBe(1);
    expect(result.overall.churn.rocAuc).toBe(1);
    expect(result.segments.map((s) => s.name)).toEqual(['Annual', 'Monthly', 'Trial']);
    const fitData = wideFitDataset(dataset, model);
    expect(fitData.examples).toHaveLength(3);
    // Lowest usage (10 of 10/50/30) and monthly plan: percentile 1/6 and 1/6 → score about 16.7.
    expect(fitData.rescore(model, 0)).toBeCloseTo(100 / 6, 6);
    expect(withoutFactors(model, ['annual']).categories).toEqual({ usage: 1 });
    expect(() => withoutFactors(model, ['nope'])).toThrow(/no factor "nope"/);
  });
});
