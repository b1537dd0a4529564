import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter } from './backoff.ts';

describe('backoffDelay', () => {
  it('grows exponentially and never exceeds the cap', () => {
    const top = () => 1;
    expect(backoffDelay(0, { baseMs: 100, maxMs: 5_000, random: top })).toBe(100);
    expect(backoffDelay(3, { baseMs: 100, maxMs: 5_000, random: top })).toBe(800);
    expect(backoffDelay(20, { baseMs: 100, maxMs: 5_000, random: top })).toBe(5_000);
  });

  it('spreads retries with full jitter but keeps a floor when asked', () => {
    expect(backoffDelay(2, { baseMs: 100, maxMs: 5_000, random: () => 0.25 })).toBe(100);
    expect(backoffDelay(2, { baseMs: 100, maxMs: 5_000, random: () => 0, minMs: 2_000 })).toBe(2_000);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    const now = Date.parse('2026-12-01T12:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter('Tue, 01 Dec 2026 12:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
