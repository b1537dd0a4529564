/**
 * Sliding-window request budgets ("at most `limit` requests in any `windowMs`"), per key.
 * The in-memory budget serves one process; the Redis budget lets every process that talks
 * to the same provider account draw from one shared window.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { realSleep, systemClock } from './backoff.ts';
import type { Clock, Sleep } from './backoff.ts';

export type BudgetDecision = { granted: true } | { granted: false; waitMs: number };

export interface RequestBudget {
  readonly limit: number;
  readonly windowMs: number;
  /** Waits until `cost` requests fit in the window for `key`, then records them. */
  acquire(key: string, cost?: number): Promise<void>;
  /** Records the requests if they fit now; otherwise says how long to wait. Never waits. */
  tryAcquire(key: string, cost?: number): Promise<BudgetDecision>;
  /** Grants nothing for `key` during the next `durationMs` (the provider told us to stop). */
  pause(key: string, durationMs: number): Promise<void>;
}

export interface BudgetLimits {
  limit: number;
  windowMs: number;
}

function checkCost(cost: number, limit: number): void {
  if (!Number.isInteger(cost) || cost < 1 || cost > limit) {
    throw new RangeError(`cost must be an integer between 1 and the budget limit (${limit}), got ${cost}`);
  }
}

async function acquireLoop(budget: RequestBudget, sleep: Sleep, key: string, cost: number): Promise<void> {
  for (;;) {
    const decision = await budget.tryAcquire(key, cost);
    if (decision.granted) return;
    await sleep(decision.waitMs);
  }
}

export class InMemoryRequestBudget implements RequestBudget {
  readonly limit: number;
  readonly windowMs: number;
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  readonly #grants = new Map<string, number[]>();
  readonly #pausedUntil = new Map<string, number>();

  constructor(limits: BudgetLimits, options: { clock?: Clock; sleep?: Sleep } = {}) {
    this.limit = limits.limit;
    this.windowMs = limits.windowMs;
    this.#clock = options.clock ?? systemClock;
    this.#sleep = options.sleep ?? realSleep;
  }

  acquire(key: string, cost = 1): Promise<void> {
    return acquireLoop(this, this.#sleep, key, cost);
  }

  async tryAcquire(key: string, cost = 1): Promise<BudgetDecision> {
    checkCost(cost, this.limit);
    const now = this.#clock();
    const pausedUntil = this.#pausedUntil.get(key) ?? 0;
    if (pausedUntil > now) return { granted: false, waitMs: pausedUntil - now };
    const grants = (this.#grants.get(key) ?? []).filter((at) => at > now - this.windowMs);
    if (grants.length + cost <= this.limit) {
      for (let i = 0; i < cost; i += 1) grants.push(now);
      this.#grants.set(key, grants);
      return { granted: true };
    }
    this.#grants.set(key, grants);
    // The grant that must leave the window before `cost` more fit.
    const blocking = grants[grants.length + cost - this.limit - 1] ?? now;
    return { granted: false, waitMs: Math.max(1, blocking + this.windowMs - now) };
  }

  async pause(key: string, durationMs: number): Promise<void> {
    const until = this.#clock() + durationMs;
    this.#pausedUntil.set(key, Math.max(until, this.#pausedUntil.get(key) ?? 0));
  }
}

/**
 * One atomic step over a sorted set of grant timestamps. Redis' own clock (TIME) is used so
 * processes on machines with skewed clocks still share one window.
 * Returns 0 when granted, otherwise the milliseconds to wait.
 */
const ACQUIRE_SCRIPT = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return paused end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count + cost <= limit then
  for i = 1, cost do
    redis.call('ZADD', KEYS[1], now, ARGV[4] .. ':' .. i)
  end
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local index = count + cost - limit - 1
local entry = redis.call('ZRANGE', KEYS[1], index, index, 'WITHSCORES')
local wait = tonumber(entry[2]) + window - now
if wait < 1 then wait = 1 end
return wait
`;

const PAUSE_SCRIPT = `
local current = redis.call('PTTL', KEYS[1])
if current < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 1
`;

/** Runs a Lua script by hash, loading it once per Redis server when missing. */
export async function evalScript(redis: Redis, script: string, keys: string[], args: (string | number)[]): Promise<unknown> {
  const sha = createHash('sha1').update(script).digest('hex');
  try {
    return await redis.evalsha(sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (error instanceof Error && error.message.includes('NOSCRIPT')) {
      return redis.eval(script, keys.length, ...keys, ...args);
    }
    throw error;
  }
}

export class RedisRequestBudget implements RequestBudget {
  readonly limit: number;
  readonly windowMs: number;
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #sleep: Sleep;

  constructor(redis: Redis, limits: BudgetLimits, options: { prefix?: string; sleep?: Sleep } = {}) {
    this.limit = limits.limit;
    this.windowMs = limits.windowMs;
    this.#redis = redis;
    this.#prefix = options.prefix ?? 'crmh:budget:';
    this.#sleep = options.sleep ?? realSleep;
  }

  acquire(key: string, cost = 1): Promise<void> {
    return acquireLoop(this, this.#sleep, key, cost);
  }

  async tryAcquire(key: string, cost = 1): Promise<BudgetDecision> {
    checkCost(cost, this.limit);
    const result = await evalScript(
      this.#redis,
      ACQUIRE_SCRIPT,
      [`${this.#prefix}${key}`, `${this.#prefix}${key}:pause`],
      [this.limit, this.windowMs, cost, randomUUID()],
    );
    const waitMs = Number(result);
    if (!Number.isFinite(waitMs)) throw new Error('rate budget script returned a non-number');
    return waitMs <= 0 ? { granted: true } : { granted: false, waitMs };
  }

  async pause(key: string, durationMs: number): Promise<void> {
    if (durationMs <= 0) return;
    await evalScript(this.#redis, PAUSE_SCRIPT, [`${this.#prefix}${key}:pause`], [Math.ceil(durationMs)]);
  }
}

/**
 * "N requests per second" by spacing: each caller reserves the next free slot, so bursts are
 * smoothed instead of front-loaded (HubSpot search counts per second, not per rolling window).
 */
export class Pacer {
  readonly intervalMs: number;
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  readonly #nextSlot = new Map<string, number>();

  constructor(perSecond: number, options: { clock?: Clock; sleep?: Sleep } = {}) {
    if (!(perSecond > 0)) throw new RangeError('perSecond must be positive');
    this.intervalMs = 1000 / perSecond;
    this.#clock = options.clock ?? systemClock;
    this.#sleep = options.sleep ?? realSleep;
  }

  async wait(key: string): Promise<void> {
    const now = this.#clock();
    const slot = Math.max(now, this.#nextSlot.get(key) ?? 0);
    this.#nextSlot.set(key, slot + this.intervalMs);
    if (slot > now) await this.#sleep(slot - now);
  }
}
