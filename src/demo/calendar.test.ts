import { describe, expect, it } from 'vitest';
import { addMonths, daysBetween, isoDate, startOfUtcDay } from './calendar.ts';

describe('demo calendar', () => {
  it('dates monthly invoices on the anchor day, clamped to short months without drifting', () => {
    const anchor = new Date('2025-01-31T00:00:00Z');
    expect(isoDate(addMonths(anchor, 1))).toBe('2025-02-28');
    expect(isoDate(addMonths(anchor, 2))).toBe('2025-03-31');
    expect(isoDate(addMonths(anchor, 13))).toBe('2026-02-28');
    expect(isoDate(addMonths(new Date('2024-02-29T00:00:00Z'), 12))).toBe('2025-02-28');
  });

  it('works in whole UTC days', () => {
    expect(isoDate(startOfUtcDay(new Date('2026-06-30T23:59:59Z')))).toBe('2026-06-30');
    expect(daysBetween(new Date('2026-01-01T00:00:00Z'), new Date('2026-03-01T00:00:00Z'))).toBe(59);
  });
});
