/** `Lock` implementations: in-process (one server) and Redis (many processes). */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { backoffDelay, realSleep, systemClock } from './backoff.ts';
import type { Clock, Sleep } from './backoff.ts';
import { ConnectorError } from './error-kinds.ts';
import { evalScript } from './rate-budget.ts';
import type { Lock } from './ports.ts';

/** Chains holders of the same key; different keys never wait on each other. */
export class InProcessLock implements Lock {
  readonly #tails = new Map<string, Promise<unknown>>();

  async withLock<T>(key: string, _ttlMs: number, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}

/** Deletes the key only if we still own it, so an expired holder never frees someone else's lock. */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

export interface RedisLockOptions {
  prefix?: string;
  /** How long to wait for a busy lock before giving up with a `retryable` error. */
  waitTimeoutMs?: number;
  sleep?: Sleep;
  clock?: Clock;
  random?: () => number;
}

/**
 * SET NX PX + owner-checked release. The TTL bounds how long a crashed holder blocks others;
 * choose it above the longest expected critical section (a token refresh takes < 1 s).
 */
export class RedisLock implements Lock {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #waitTimeoutMs: number | undefined;
  readonly #sleep: Sleep;
  readonly #clock: Clock;
  readonly #random: () => number;

  constructor(redis: Redis, options: RedisLockOptions = {}) {
    this.#redis = redis;
    this.#prefix = options.prefix ?? 'crmh:lock:';
    this.#waitTimeoutMs = options.waitTimeoutMs;
    this.#sleep = options.sleep ?? realSleep;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
  }

  async withLock<T>(key: string, ttlMs: number, fn: () => Promise<T>): Promise<T> {
    const redisKey = `${this.#prefix}${key}`;
    const owner = randomUUID();
    const deadline = this.#clock() + (this.#waitTimeoutMs ?? ttlMs * 2);
    for (let attempt = 0; ; attempt += 1) {
      const ok = await this.#redis.set(redisKey, owner, 'PX', ttlMs, 'NX');
      if (ok === 'OK') break;
      if (this.#clock() >= deadline) {
        throw new ConnectorError({
          kind: 'retryable',
          provider: 'lock',
          code: 'LOCK_TIMEOUT',
          message: `lock "${key}" stayed busy; try again`,
        });
      }
      await this.#sleep(backoffDelay(attempt, { baseMs: 25, maxMs: 250, minMs: 10, random: this.#random }));
    }
    try {
      return await fn();
    } finally {
      await evalScript(this.#redis, RELEASE_SCRIPT, [redisKey], [owner]);
    }
  }
}
