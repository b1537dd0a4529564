/**
 * The demo's weekly clock. Week 0 is the first observed week and week `weeks - 1` falls on the end
 * date; negative weeks are a silent warm-up that gives every pre-existing account a realistic
 * starting state and full 90-day look-back windows from the first observed week on.
 */
import { addDays, startOfUtcDay, WEEK_MS } from './calendar.ts';

export interface Timeline {
  readonly weeks: number;
  readonly warmupWeeks: number;
  /** Date of week 0 (the first observed week). */
  readonly start: Date;
  /** Date of the last observed week. */
  readonly end: Date;
  /** Date of week `t`, for -warmupWeeks <= t < weeks. */
  dateOf(t: number): Date;
  /** Milliseconds of week `t`, without allocating a Date. */
  timeOf(t: number): number;
  /** The first week whose date is strictly after `date`. */
  firstWeekAfter(date: Date): number;
}

export function createTimeline(endDate: Date, weeks: number, warmupWeeks: number): Timeline {
  const end = startOfUtcDay(endDate);
  const start = addDays(end, -7 * (weeks - 1));
  const startMs = start.getTime();
  const timeOf = (t: number): number => startMs + t * WEEK_MS;
  return {
    weeks,
    warmupWeeks,
    start,
    end,
    timeOf,
    dateOf: (t) => new Date(timeOf(t)),
    firstWeekAfter: (date) => Math.floor((date.getTime() - startMs) / WEEK_MS) + 1,
  };
}
