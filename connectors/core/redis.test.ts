/** Against the real Redis at 127.0.0.1:6379, under a unique key prefix that is removed afterwards. */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisRequestBudget } from './rate-budget.ts';
import { RedisLock } from './lock.ts';

const prefix = `crmh-test:${randomUUID()}:`;
let a: Redis;
let b: Redis;

beforeAll(async () => {
  a = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
  b = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
  await a.connect();
  await b.connect();
});

afterAll(async () => {
  const keys = await a.keys(`${prefix}*`);
  if (keys.length > 0) await a.del(...keys);
  await a.quit();
  await b.quit();
});

describe('RedisRequestBudget', () => {
  it('shares one window between two processes (two connections)', async () => {
    const one = new RedisRequestBudget(a, { limit: 5, windowMs: 60_000 }, { prefix });
    const two = new RedisRequestBudget(b, { limit: 5, windowMs: 60_000 }, { prefix });
    const decisions = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? one : two).tryAcquire('portal-42')));
    expect(decisions.filter((d) => d.granted)).toHaveLength(5);
    const denied = decisions.find((d) => !d.granted);
    expect(denied && !denied.granted && denied.waitMs).toBeGreaterThan(50_000);
  });

  it('frees capacity as grants age out of the window', async () => {
    const budget = new RedisRequestBudget(a, { limit: 2, windowMs: 150 }, { prefix });
    await budget.acquire('short');
    await budget.acquire('short');
    const started = Date.now();
    await budget.acquire('short');
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });

  it('a pause set by one process holds the other back', async () => {
    const one = new RedisRequestBudget(a, { limit: 100, windowMs: 10_000 }, { prefix });
    const two = new RedisRequestBudget(b, { limit: 100, windowMs: 10_000 }, { prefix });
    await one.pause('paused', 5_000);
    const decision = await two.tryAcquire('paused');
    expect(decision.granted).toBe(false);
  });
});

describe('RedisLock', () => {
  it('lets one holder at a time run across connections', async () => {
    const lockA = new RedisLock(a, { prefix });
    const lockB = new RedisLock(b, { prefix });
    let inside = 0;
    let maxInside = 0;
    const hold = (lock: RedisLock) =>
      lock.withLock('refresh:conn-1', 2_000, async () => {
        inside += 1;
        maxInside = Math.max(maxInside, inside);
        await new Promise((resolve) => setTimeout(resolve, 30));
        inside -= 1;
      });
    await Promise.all([hold(lockA), hold(lockB), hold(lockA), hold(lockB)]);
    expect(maxInside).toBe(1);
    expect(await a.exists(`${prefix}refresh:conn-1`)).toBe(0);
  });

  it('does not release a lock that expired and was taken by someone else', async () => {
    const lock = new RedisLock(a, { prefix });
    await lock.withLock('short-ttl', 50, async () => {
      await new Promise((resolve) => setTimeout(resolve, 80));
      await b.set(`${prefix}short-ttl`, 'other-owner', 'PX', 5_000);
    });
    expect(await a.get(`${prefix}short-ttl`)).toBe('other-owner');
  });

  it('gives up with a retryable error when the lock stays busy', async () => {
    await b.set(`${prefix}busy`, 'someone', 'PX', 5_000);
    const lock = new RedisLock(a, { prefix, waitTimeoutMs: 100 });
    await expect(lock.withLock('busy', 1_000, async () => 'never')).rejects.toMatchObject({ kind: 'retryable', code: 'LOCK_TIMEOUT' });
  });
});
