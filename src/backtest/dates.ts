/** Day arithmetic in UTC for snapshot grids and horizons (a day is always 86,400,000 ms here). */
export const DAY_MS = 86_400_000;

export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * DAY_MS);
}

/** Snapshot dates from `from` to `to` inclusive, every `everyDays` days. */
export function snapshotDates(from: Date, to: Date, everyDays: number): Date[] {
  if (!(everyDays > 0)) throw new RangeError(`snapshot interval must be positive, got ${everyDays} days`);
  if (to.getTime() < from.getTime()) throw new RangeError(`--to ${isoDay(to)} is before --from ${isoDay(from)}`);
  const dates: Date[] = [];
  for (let t = from.getTime(); t <= to.getTime(); t += everyDays * DAY_MS) dates.push(new Date(t));
  return dates;
}

/** Parses a duration such as `90d`, `12w` or `3m` (30-day months) into days. */
export function parseDurationDays(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([dwm]?)\s*$/i.exec(text);
  if (!match) throw new RangeError(`"${text}" is not a duration; write e.g. 90d, 12w or 3m`);
  const amount = Number(match[1]);
  const unit = (match[2] ?? '').toLowerCase();
  const days = unit === 'w' ? amount * 7 : unit === 'm' ? amount * 30 : amount;
  if (!(days > 0)) throw new RangeError(`duration "${text}" must be longer than zero`);
  return days;
}

export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}
