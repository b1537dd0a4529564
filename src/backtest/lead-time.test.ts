import { describe, expect, it } from 'vitest';
import { leadTimeDays, quantile, summariseLeadTimes } from './lead-time.ts';
import { parseDurationDays, snapshotDates } from './dates.ts';

const day = (d: string): Date => new Date(`${d}T00:00:00Z`);

describe('lead time', () => {
  it('counts from the first snapshot of the flagged run that lasts until churn', () => {
    const snapshots = [
      { date: day('2025-01-01'), flagged: true },
      { date: day('2025-02-01'), flagged: false },
      { date: day('2025-03-01'), flagged: true },
      { date: day('2025-04-01'), flagged: true },
      { date: day('2025-06-01'), flagged: true },
    ];
    // Churn on 2025-05-01: the run started 2025-03-01 (61 days earlier); later snapshots are ignored.
    expect(leadTimeDays(snapshots, day('2025-05-01'))).toBe(61);
  });

  it('calls a churn missed when the last snapshot before it was healthy', () => {
    const snapshots = [
      { date: day('2025-01-01'), flagged: true },
      { date: day('2025-02-01'), flagged: false },
    ];
    expect(leadTimeDays(snapshots, day('2025-03-01'))).toBeNull();
  });

  it('summarises median and quartiles', () => {
    const summary = summariseLeadTimes([10, 20, 30, 40, 50], 2);
    expect(summary).toEqual({
      churnedAccounts: 7,
      warned: 5,
      missed: 2,
      medianDays: 30,
      lowerQuartileDays: 20,
      upperQuartileDays: 40,
    });
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(summariseLeadTimes([], 0).medianDays).toBeNaN();
  });
});

describe('snapshot dates and durations', () => {
  it('lays a grid from..to inclusive', () => {
    expect(snapshotDates(day('2025-01-01'), day('2025-03-02'), 30).map((d) => d.toISOString().slice(0, 10))).toEqual([
      '2025-01-01',
      '2025-01-31',
      '2025-03-02',
    ]);
  });

  it('parses durations in days, weeks and months', () => {
    expect(parseDurationDays('90d')).toBe(90);
    expect(parseDurationDays('2w')).toBe(14);
    expect(parseDurationDays('3m')).toBe(90);
    expect(parseDurationDays('45')).toBe(45);
    expect(() => parseDurationDays('soon')).toThrow(/not a duration/);
    expect(() => parseDurationDays('0d')).toThrow(/longer than zero/);
  });
});
