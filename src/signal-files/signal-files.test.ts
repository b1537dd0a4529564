import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readAccounts } from './accounts-file.ts';
import { parseIsoDate } from './iso-date.ts';
import type { RowError } from './row-error.ts';
import { readSignalRows, type SignalRow } from './signals-file.ts';

const stream = (text: string) => Readable.from([Buffer.from(text)]);

async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

const CSV = `account_id,metric,value,observed_at
a1,usage.active_user_ratio,0.5,2025-06-01
a1,support.csat,abc,2025-06-01
a2,support.csat,0.9,2025-06-01T10:30:00+02:00
a3,support.csat,0.9,2025-02-30
a4,support.csat,0.9
,support.csat,0.9,2025-06-01
`;

describe('signals file', () => {
  it('names line, column and problem of each malformed row and keeps every good row', async () => {
    const rejects: RowError[] = [];
    const rows = await collect(readSignalRows(stream(CSV), { source: 'signals.csv', onReject: (e) => rejects.push(e) }));
    expect(rows.map((r) => r.accountId)).toEqual(['a1', 'a2']);
    expect(rows[1]).toMatchObject<Partial<SignalRow>>({ value: 0.9, observedAt: Date.parse('2025-06-01T08:30:00Z'), line: 4 });
    expect(rejects.map((e) => [e.line, e.column])).toEqual([
      [3, 'value'],
      [5, 'observed_at'],
      [6, null],
      [7, 'account_id'],
    ]);
    expect(rejects[0]?.message).toBe('signals.csv: line 3, column value: expected a number');
    expect(rejects[1]?.problem).toMatch(/ISO 8601.*2025-02-30/);
    expect(rejects[2]?.problem).toBe('expected 4 fields, found 3');
  });

  it('stops at the first malformed row in strict mode', async () => {
    await expect(collect(readSignalRows(stream(CSV), { source: 'signals.csv', strict: true }))).rejects.toThrow(
      'signals.csv: line 3, column value: expected a number',
    );
  });

  it('rejects a header without the required columns', async () => {
    await expect(collect(readSignalRows(stream('account,metric,value\nx,y,1\n'), { source: 's.csv' }))).rejects.toThrow(
      /s\.csv: line 1, column account_id: header lacks columns account_id, observed_at/,
    );
  });

  it('reads JSON Lines with the same fields and names bad lines', async () => {
    const jsonl = [
      '{"account_id":"a1","metric":"support.csat","value":0.8,"observed_at":"2025-06-01"}',
      '',
      '{"account_id":"a1","metric":"support.csat","value":"high","observed_at":"2025-06-01"}',
      '{not json',
      '{"account_id":7,"metric":"support.csat","value":"0.5","observed_at":"2025-06-01T00:00:00Z"}',
    ].join('\n');
    const rejects: RowError[] = [];
    const rows = await collect(readSignalRows(stream(jsonl), { source: 's.jsonl', onReject: (e) => rejects.push(e) }));
    expect(rows.map((r) => [r.accountId, r.value])).toEqual([['a1', 0.8], ['7', 0.5]]);
    expect(rejects.map((e) => `${e.line}:${e.column ?? ''}`)).toEqual(['3:value', '4:']);
    expect(rejects[1]?.problem).toMatch(/^invalid JSON/);
  });

  it('reads ISO dates as UTC and refuses impossible days', () => {
    expect(parseIsoDate('2025-06-01')).toBe(Date.UTC(2025, 5, 1));
    expect(parseIsoDate('2025-06-01T12:00')).toBe(Date.UTC(2025, 5, 1, 12));
    expect(parseIsoDate('2025-06-01T12:00:00.250-01:00')).toBe(Date.UTC(2025, 5, 1, 13, 0, 0, 250));
    expect(parseIsoDate('2025-02-29')).toBeNaN();
    expect(parseIsoDate('06/01/2025')).toBeNaN();
  });
});

describe('accounts file', () => {
  it('reads the standard columns, keeps extra columns as attributes and rejects duplicates', async () => {
    const csv = `account_id,name,domain,segment,seats,customer_since,renewal_date,plan,region
a1,Acme,acme.com,Enterprise,250,2023-01-15,2026-01-15,pro,EMEA
a2,Beta,,SMB,,,,basic,
a3,Gamma,g.io,SMB,12.5,2024-01-01,,basic,US
a1,Acme again,acme.com,Enterprise,250,2023-01-15,,pro,EMEA
`;
    const rejects: RowError[] = [];
    const accounts = await collect(readAccounts(stream(csv), { source: 'accounts.csv', onReject: (e) => rejects.push(e) }));
    expect(accounts).toHaveLength(2);
    expect(accounts[0]).toMatchObject({
      accountId: 'a1', segment: 'Enterprise', seats: 250,
      customerSince: new Date('2023-01-15T00:00:00Z'), renewalDate: new Date('2026-01-15T00:00:00Z'),
      attributes: { plan: 'pro', region: 'EMEA', name: 'Acme', domain: 'acme.com' },
    });
    expect(accounts[1]).toMatchObject({ accountId: 'a2', domain: null, seats: null, customerSince: null, attributes: { plan: 'basic' } });
    expect(rejects.map((e) => e.message)).toEqual([
      'accounts.csv: line 4, column seats: seats must be a whole number',
      'accounts.csv: line 5, column account_id: duplicate account_id "a1", first on line 2',
    ]);
  });
});
