/** Small pure helpers shared by the signal mappers. */
import type { CanonicalSignal } from '../../core/ports.ts';

export const SIGNAL_SOURCE = 'hubspot';
export const DAY_MS = 86_400_000;

export function makeSignal(crmAccountId: string, metric: string, value: number, asOf: Date): CanonicalSignal {
  return { crmAccountId, metric, value, observedAt: asOf, source: SIGNAL_SOURCE };
}

/** HubSpot datetimes arrive as ISO strings or epoch-millisecond strings. */
export function parseHubSpotTime(value: string | null | undefined): number | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const trimmed = value.trim();
  if (/^\d{10,}$/.test(trimmed)) return Number(trimmed);
  const parsed = Date.parse(trimmed);
  return Number.isNaN(parsed) ? null : parsed;
}

export function parseNumber(value: string | null | undefined): number | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : null;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Within the `days` before `asOf` (inclusive of asOf, never after it: no future leakage). */
export function withinDays(at: number | null, asOf: Date, days: number): at is number {
  return at !== null && at <= asOf.getTime() && at > asOf.getTime() - days * DAY_MS;
}
