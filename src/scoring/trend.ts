/**
 * Trend from score history: change over a window, least-squares slope over the last snapshots, and a
 * direction. Jumps between snapshots scored by different model versions are the model's doing, not the
 * customer's, and are reported apart.
 */
import { DAY_MS } from './lifecycle-stage.ts';
import type { TrendSettings } from './model-schema.ts';

export interface ScoreSnapshot {
  readonly at: Date;
  /** null when that snapshot had insufficient data. */
  readonly score: number | null;
  readonly modelId: string;
  readonly modelVersion: number | null;
}

export const TREND_DIRECTIONS = ['improving', 'stable', 'declining', 'unknown'] as const;
export type TrendDirection = (typeof TREND_DIRECTIONS)[number];

export interface Trend {
  readonly direction: TrendDirection;
  /** Current score minus the baseline score (the last snapshot at or before the window start). */
  readonly change: number | null;
  /** Part of change between snapshots of the same model version: the customer's movement. */
  readonly customerChange: number | null;
  /** Part of change at switches between model versions. */
  readonly modelChange: number | null;
  readonly cause: 'customer' | 'model_change' | 'none' | null;
  /** Points per day over the last snapshots of the current model version; null with fewer than two. */
  readonly slopePerDay: number | null;
  readonly baselineAt: Date | null;
}

export const DEFAULT_TREND: TrendSettings = { windowDays: 30, snapshots: 6, minChange: 5 };

const UNKNOWN: Trend = {
  direction: 'unknown',
  change: null,
  customerChange: null,
  modelChange: null,
  cause: null,
  slopePerDay: null,
  baselineAt: null,
};

const sameModel = (a: ScoreSnapshot, b: ScoreSnapshot): boolean =>
  a.modelId === b.modelId && a.modelVersion === b.modelVersion;

/** Least-squares slope of score over time, in points per day. */
export function leastSquaresSlope(points: readonly ScoreSnapshot[]): number | null {
  if (points.length < 2) return null;
  const t0 = points[0]!.at.getTime();
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    sx += (p.at.getTime() - t0) / DAY_MS;
    sy += p.score ?? 0;
  }
  const mx = sx / points.length;
  const my = sy / points.length;
  let num = 0;
  let den = 0;
  for (const p of points) {
    const dx = (p.at.getTime() - t0) / DAY_MS - mx;
    num += dx * ((p.score ?? 0) - my);
    den += dx * dx;
  }
  return den === 0 ? null : num / den;
}

export function computeTrend(
  history: readonly ScoreSnapshot[],
  current: ScoreSnapshot,
  settings: TrendSettings = DEFAULT_TREND,
): Trend {
  if (current.score === null) return UNKNOWN;
  const now = current.at.getTime();
  const points = history
    .filter((s) => s.score !== null && s.at.getTime() < now)
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  points.push(current);

  const windowStart = now - settings.windowDays * DAY_MS;
  let baseline = 0;
  for (let i = 0; i < points.length - 1; i++) if (points[i]!.at.getTime() <= windowStart) baseline = i;

  const tail: ScoreSnapshot[] = [];
  for (let i = points.length - 1; i >= 0 && tail.length < settings.snapshots; i--) {
    if (!sameModel(points[i]!, current)) break;
    tail.unshift(points[i]!);
  }
  const slopePerDay = leastSquaresSlope(tail);

  if (points.length < 2) return { ...UNKNOWN, slopePerDay };

  let customerChange = 0;
  let modelChange = 0;
  let sawSwitch = false;
  for (let i = baseline + 1; i < points.length; i++) {
    const diff = (points[i]!.score ?? 0) - (points[i - 1]!.score ?? 0);
    if (sameModel(points[i]!, points[i - 1]!)) customerChange += diff;
    else {
      modelChange += diff;
      sawSwitch = true;
    }
  }
  const change = current.score - (points[baseline]!.score ?? 0);
  const direction: TrendDirection =
    customerChange >= settings.minChange ? 'improving' : customerChange <= -settings.minChange ? 'declining' : 'stable';
  const cause =
    sawSwitch && Math.abs(modelChange) >= Math.abs(customerChange) && modelChange !== 0
      ? 'model_change'
      : change === 0 && customerChange === 0
        ? 'none'
        : 'customer';
  return {
    direction,
    change,
    customerChange,
    modelChange: sawSwitch ? modelChange : 0,
    cause,
    slopePerDay,
    baselineAt: points[baseline]!.at,
  };
}
