/**
 * Lead time: how many days before churn the score first warned. The warning is the first
 * snapshot of the unbroken At Risk / Critical run that lasts up to the last snapshot
 * before churn; a flag that cleared before churn does not count, because a CSM would
 * have seen the account recover. A churn whose last snapshot was not flagged is "missed".
 */
import { DAY_MS } from './dates.ts';

export interface SnapshotFlag {
  readonly date: Date;
  readonly flagged: boolean;
}

/** Days of warning before `churnedAt`, or null when the last snapshot before churn was not flagged. */
export function leadTimeDays(snapshots: readonly SnapshotFlag[], churnedAt: Date): number | null {
  let runStart: Date | null = null;
  for (const snapshot of snapshots) {
    if (snapshot.date.getTime() >= churnedAt.getTime()) break;
    if (!snapshot.flagged) runStart = null;
    else if (runStart === null) runStart = snapshot.date;
  }
  return runStart === null ? null : (churnedAt.getTime() - runStart.getTime()) / DAY_MS;
}

export interface LeadTimeSummary {
  /** Churned accounts that had at least one scored snapshot before churning. */
  churnedAccounts: number;
  /** Of those, how many were flagged At Risk or Critical at their last snapshot before churn. */
  warned: number;
  missed: number;
  medianDays: number;
  lowerQuartileDays: number;
  upperQuartileDays: number;
}

export function summariseLeadTimes(leadTimes: readonly number[], missed: number): LeadTimeSummary {
  const sorted = [...leadTimes].sort((a, b) => a - b);
  return {
    churnedAccounts: sorted.length + missed,
    warned: sorted.length,
    missed,
    medianDays: quantile(sorted, 0.5),
    lowerQuartileDays: quantile(sorted, 0.25),
    upperQuartileDays: quantile(sorted, 0.75),
  };
}

/** Linear interpolation between order statistics (the common "type 7" definition). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const low = sorted[below] as number;
  const high = sorted[above] as number;
  return low + (high - low) * (position - below);
}
