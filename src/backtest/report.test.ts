import { describe, expect, it } from 'vitest';
import { formatTable, toJson } from './report.ts';

describe('report formatting', () => {
  it('aligns text left in the first column and numbers right elsewhere', () => {
    const table = formatTable(['Tier', 'Snapshots'], [['Healthy', '1,200'], ['At Risk', '35']]);
    expect(table.split('\n')).toEqual([
      'Tier     Snapshots',
      '-------  ---------',
      'Healthy      1,200',
      'At Risk         35',
    ]);
  });

  it('writes NaN and infinities as null in JSON', () => {
    expect(JSON.parse(toJson({ auc: Number.NaN, lift: Number.POSITIVE_INFINITY, n: 3 }))).toEqual({ auc: null, lift: null, n: 3 });
  });
});
