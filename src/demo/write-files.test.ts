import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePortfolio } from './generate-portfolio.ts';
import type { DemoPortfolio } from './generate-portfolio.ts';
import { ACCOUNTS_HEADER, OUTCOMES_HEADER, SIGNALS_HEADER, writePortfolioFiles } from './write-files.ts';
import type { WrittenDemoFiles } from './write-files.ts';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

async function readCsv(path: string): Promise<{ header: string[]; rows: Record<string, string>[] }> {
  const text = await readFile(path, 'utf8');
  const records: string[][] = parse(text);
  const [header, ...body] = records;
  return { header, rows: body.map((fields) => Object.fromEntries(header.map((h, i) => [h, fields[i]]))) };
}

describe('writePortfolioFiles', () => {
  let directory: string;
  let portfolio: DemoPortfolio;
  let written: WrittenDemoFiles;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'crm-health-demo-'));
    // Large enough (~100k signal rows, several MB) that the stream fills up and must drain.
    portfolio = generatePortfolio({ seed: 11, endDate: new Date('2026-06-30T00:00:00Z'), accounts: 80 });
    written = await writePortfolioFiles(portfolio, join(directory, 'out'));
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('writes signals the CLI reads: header, one row per signal, ISO dates, values that round-trip', async () => {
    const { header, rows } = await readCsv(written.signalsFile);
    expect(header).toEqual([...SIGNALS_HEADER]);
    const expected = [...portfolio.signals()];
    expect(rows).toHaveLength(expected.length);
    expect(written.rows.signals).toBe(expected.length);
    expect(expected.length).toBeGreaterThan(50_000);
    for (const index of [0, 1, 777, expected.length - 1]) {
      const s = expected[index];
      expect(rows[index]).toEqual({
        account_id: s.accountId,
        metric: s.metric,
        value: String(s.value),
        observed_at: s.observedAt.toISOString().slice(0, 10),
      });
    }
    expect(rows.every((r) => ISO_DATE.test(r.observed_at) && Number.isFinite(Number(r.value)))).toBe(true);
  });

  it('writes accounts with every attribute column, renewal dates empty for monthly contracts', async () => {
    const { header, rows } = await readCsv(written.accountsFile);
    expect(header).toEqual([...ACCOUNTS_HEADER]);
    expect(rows).toHaveLength(portfolio.accounts.length);
    expect(written.rows.accounts).toBe(80);
    rows.forEach((row, i) => {
      const account = portfolio.accounts[i];
      expect(row.account_id).toBe(account.accountId);
      expect(row.name).toBe(account.name);
      expect(row.segment).toBe(account.segment);
      expect(Number(row.seats)).toBe(account.seats);
      expect(Number(row.mrr)).toBe(account.mrr);
      expect(row.owner).toBe(account.ownerName);
      expect(row.customer_since).toMatch(ISO_DATE);
      expect(row.renewal_date).toBe(account.renewalDate ? account.renewalDate.toISOString().slice(0, 10) : '');
    });
  });

  it('writes outcomes in date order with the backtest header', async () => {
    const { header, rows } = await readCsv(written.outcomesFile);
    expect(header).toEqual([...OUTCOMES_HEADER]);
    expect(rows).toHaveLength(portfolio.outcomes.length);
    expect(written.rows.outcomes).toBe(portfolio.outcomes.length);
    expect(new Set(rows.map((r) => r.outcome))).toEqual(new Set(['churned', 'renewed', 'expanded']));
    const dates = rows.map((r) => r.occurred_at);
    expect(dates).toEqual([...dates].sort());
  });

  it('rejects, rather than hanging or crashing, when a file cannot be written', async () => {
    const blocked = join(directory, 'blocked');
    // A directory where signals.csv should go makes the write stream fail.
    await mkdir(join(blocked, 'signals.csv'), { recursive: true });
    await expect(writePortfolioFiles(portfolio, blocked)).rejects.toThrow(/EISDIR/);
  });
});
