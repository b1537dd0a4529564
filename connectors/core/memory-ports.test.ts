import { describe, expect, it } from 'vitest';
import { InMemoryAccountSink, InMemoryStateStore, InMemoryTraceStore } from './memory-ports.ts';
import { InProcessLock } from './lock.ts';

describe('InProcessLock', () => {
  it('runs holders of one key one after another', async () => {
    const lock = new InProcessLock();
    const log: string[] = [];
    const hold = (name: string) =>
      lock.withLock('k', 1_000, async () => {
        log.push(`${name}:start`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        log.push(`${name}:end`);
      });
    await Promise.all([hold('a'), hold('b')]);
    expect(log).toEqual(['a:start', 'a:end', 'b:start', 'b:end']);
  });

  it('releases the key when the holder throws', async () => {
    const lock = new InProcessLock();
    await expect(lock.withLock('k', 1_000, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(lock.withLock('k', 1_000, async () => 'ok')).resolves.toBe('ok');
  });
});

describe('in-memory ports', () => {
  it('TraceStore.begin inserts once and returns the existing record after', async () => {
    const traces = new InMemoryTraceStore();
    expect((await traces.begin('x')).created).toBe(true);
    const again = await traces.begin('x');
    expect(again.created).toBe(false);
    expect(again.record.state).toBe('begun');
    await traces.complete('x', 'note-1');
    expect(await traces.get('x')).toMatchObject({ state: 'completed', remoteId: 'note-1' });
  });

  it('StateStore.consume accepts a nonce once', async () => {
    const store = new InMemoryStateStore();
    expect(await store.consume('n', 60_000)).toBe(true);
    expect(await store.consume('n', 60_000)).toBe(false);
  });

  it('AccountSink leaves undefined fields untouched', async () => {
    const sink = new InMemoryAccountSink();
    await sink.upsert([{ crmId: '1', name: 'Acme', owner: '7' }]);
    await sink.upsert([{ crmId: '1', renewalDate: new Date('2027-01-01T00:00:00Z') }]);
    expect(sink.accounts.get('1')).toMatchObject({ name: 'Acme', owner: '7', renewalDate: new Date('2027-01-01T00:00:00Z') });
  });
});
