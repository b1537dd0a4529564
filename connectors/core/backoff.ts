/** Capped, jittered exponential backoff. Randomness and sleeping are injectable for tests. */

export type Sleep = (ms: number) => Promise<void>;
export type Clock = () => number;
export type RandomSource = () => number;

export const realSleep: Sleep = (ms) =>
  new Promise((resolve) => {
    setTimeout(resolve, Math.max(0, ms));
  });

export const systemClock: Clock = () => Date.now();

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Lower bound regardless of jitter, e.g. HubSpot's "wait at least 2 s" on 423. */
  minMs?: number;
  random?: RandomSource;
}

/**
 * "Full jitter": a uniform pick in [0, min(max, base·2^attempt)], so many clients that
 * failed together do not retry together. `attempt` starts at 0.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const random = options.random ?? Math.random;
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt));
  const jittered = Math.round(random() * ceiling);
  return Math.max(options.minMs ?? 0, jittered);
}

/** Parses `Retry-After` (delta-seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
