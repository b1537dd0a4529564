/** ISO 8601 dates (2025-03-01) and datetimes (2025-03-01T12:30:00Z, +02:00 offsets); no offset means UTC. */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Epoch milliseconds, or NaN when the text is not an ISO date or names an impossible day such as 2025-02-30. */
export function parseIsoDate(text: string): number {
  const match = ISO_DATE.exec(text);
  if (!match) return Number.NaN;
  const [, y, mo, d, h, mi, , zone] = match;
  const day = Date.UTC(Number(y), Number(mo) - 1, Number(d));
  const check = new Date(day);
  if (check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1) return Number.NaN;
  if (h === undefined) return day;
  if (Number(h) > 23 || Number(mi) > 59) return Number.NaN;
  // Date.parse reads an offset-less datetime as local time; a file's meaning must not depend on the machine.
  const normalised = text.replace(' ', 'T') + (zone === undefined ? 'Z' : '');
  return Date.parse(normalised);
}

export const ISO_DATE_PROBLEM = 'expected an ISO 8601 date or datetime, e.g. 2025-03-01 or 2025-03-01T12:00:00Z';
