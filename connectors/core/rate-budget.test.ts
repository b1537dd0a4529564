import { describe, expect, it } from 'vitest';
import { InMemoryRequestBudget, Pacer } from './rate-budget.ts';

function fakeTime(start = 1_000_000) {
  let now = start;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleeps,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

describe('InMemoryRequestBudget', () => {
  it('grants the limit at once, then makes the next caller wait for the oldest grant to leave the window', async () => {
    const time = fakeTime();
    const budget = new InMemoryRequestBudget({ limit: 3, windowMs: 10_000 }, { clock: time.now, sleep: time.sleep });
    for (let i = 0; i < 3; i += 1) await budget.acquire('portal-1');
    expect(time.sleeps).toEqual([]);
    await budget.acquire('portal-1');
    expect(time.sleeps).toEqual([10_000]);
  });

  it('keeps portals independent', async () => {
    const time = fakeTime();
    const budget = new InMemoryRequestBudget({ limit: 1, windowMs: 10_000 }, { clock: time.now, sleep: time.sleep });
    await budget.acquire('a');
    await budget.acquire('b');
    expect(time.sleeps).toEqual([]);
  });

  it('never lets more than the limit through in any window over a long run', async () => {
    const time = fakeTime();
    const budget = new InMemoryRequestBudget({ limit: 110, windowMs: 10_000 }, { clock: time.now, sleep: time.sleep });
    const grants: number[] = [];
    for (let i = 0; i < 550; i += 1) {
      await budget.acquire('p');
      grants.push(time.now());
    }
    for (let i = 110; i < grants.length; i += 1) expect(grants[i] - grants[i - 110]).toBeGreaterThanOrEqual(10_000);
    expect(time.now() - 1_000_000).toBeGreaterThanOrEqual(40_000);
  });

  it('holds every caller back while paused', async () => {
    const time = fakeTime();
    const budget = new InMemoryRequestBudget({ limit: 10, windowMs: 1_000 }, { clock: time.now, sleep: time.sleep });
    await budget.pause('p', 2_500);
    expect(await budget.tryAcquire('p')).toEqual({ granted: false, waitMs: 2_500 });
  });

  it('rejects a cost larger than the whole budget instead of waiting forever', async () => {
    const budget = new InMemoryRequestBudget({ limit: 2, windowMs: 1_000 });
    await expect(budget.tryAcquire('p', 3)).rejects.toThrow(RangeError);
  });
});

describe('Pacer', () => {
  it('spaces calls evenly at N per second', async () => {
    const time = fakeTime();
    const pacer = new Pacer(5, { clock: time.now, sleep: time.sleep });
    const start = time.now();
    const released: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      await pacer.wait('k');
      released.push(time.now() - start);
    }
    expect(released).toEqual([0, 200, 400, 600]);
  });
});
