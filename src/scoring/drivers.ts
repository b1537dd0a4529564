/** The factors that moved the score, in plain words with the observed value: "Usage −14: weekly active users 21 % of seats". */
import { CATEGORY_LABELS, type CategoryId, type MetricUnit } from './metric-catalogue.ts';

export interface DriverInput {
  readonly id: string;
  readonly category: CategoryId;
  readonly label: string;
  readonly unit: MetricUnit;
  readonly perSeat: boolean;
  /** Points relative to a neutral 50 (see score-numeric.ts factorContribution). */
  readonly contribution: number;
  /** The value that was normalised (after per-seat scaling); null when the factor had no data. */
  readonly scaledValue: number | null;
}

export interface Driver {
  readonly factor: string;
  /** Integer points, negative when the factor pulls the score down. */
  readonly points: number;
  readonly text: string;
}

export interface DriverLimits {
  readonly negative: number;
  readonly positive: number;
}

export const DEFAULT_DRIVER_LIMITS: DriverLimits = { negative: 3, positive: 2 };

const MINUS = '\u2212';

function trimNumber(value: number, decimals: number): string {
  return String(Number(value.toFixed(decimals)));
}

function signed(value: string, negative: boolean): string {
  return negative ? `${MINUS}${value}` : `+${value}`;
}

export function formatValue(unit: MetricUnit, value: number, perSeat = false): string {
  // A per-seat count is a share of seats, which reads best as a percentage.
  if (perSeat) return unit === 'count' ? `${Math.round(value * 100)} %` : `${trimNumber(value, 2)} per seat`;
  switch (unit) {
    case 'ratio':
      return `${Math.round(value * 100)} %`;
    case 'relative_change':
      return signed(`${Math.abs(Math.round(value * 100))} %`, value < 0);
    case 'count':
      return trimNumber(value, 1);
    case 'days':
      return `${trimNumber(value, 0)} ${Math.round(value) === 1 ? 'day' : 'days'}`;
    case 'hours':
      return `${trimNumber(value, 1)} h`;
    case 'minutes':
      return `${trimNumber(value, 0)} min`;
    case 'score_0_10':
      return `${trimNumber(value, 1)}/10`;
    case 'currency':
      return value.toLocaleString('en-US', { maximumFractionDigits: 0 });
    case 'number':
      return trimNumber(value, 2);
  }
}

export function driverText(input: DriverInput, points: number): string {
  const value = input.scaledValue === null ? 'no data' : formatValue(input.unit, input.scaledValue, input.perSeat);
  const detail = input.label.includes('{value}') ? input.label.replaceAll('{value}', value) : `${input.label} ${value}`;
  const magnitude = signed(String(Math.abs(points)), points < 0);
  return `${CATEGORY_LABELS[input.category]} ${magnitude}: ${detail}`;
}

/** Most negative drivers first, then most positive; factors that moved the score by under half a point are left out. */
export function topDrivers(factors: readonly DriverInput[], limits: DriverLimits = DEFAULT_DRIVER_LIMITS): Driver[] {
  const moved = factors.filter((f) => Math.round(f.contribution) !== 0);
  const negative = moved.filter((f) => f.contribution < 0).sort((a, b) => a.contribution - b.contribution);
  const positive = moved.filter((f) => f.contribution > 0).sort((a, b) => b.contribution - a.contribution);
  return [...negative.slice(0, limits.negative), ...positive.slice(0, limits.positive)].map((f) => {
    const points = Math.round(f.contribution);
    return { factor: f.id, points, text: driverText(f, points) };
  });
}
