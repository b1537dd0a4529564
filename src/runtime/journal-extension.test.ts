import { describe, expect, it, vi } from 'vitest';
import { ConnectorError } from '../../connectors/core/error-kinds.ts';
import type { Lock } from '../../connectors/core/ports.ts';
import { loadConfig } from '../config/load-config.ts';
import type { Logger } from '../logging/logger.ts';
import type { LifecycleJournalReport } from '../use-cases/hubspot/lifecycle-journal.ts';
import type { AppContext } from './app-context.ts';
import { createJournalPoller, lifecycleJournalExtension } from './journal-extension.ts';

const polled: LifecycleJournalReport = { status: 'polled', subscriptionCreated: false, pages: 0, offset: null, caughtUp: true, restartedFromEarliest: false, outcomes: [] };

function fakeContext(env: Record<string, string> = { HUBSPOT_CLIENT_ID: 'id', HUBSPOT_CLIENT_SECRET: 'secret' }) {
  const logger = { info: vi.fn(), debug: vi.fn(), warn: vi.fn(), error: vi.fn() };
  // Only config, logger and redis are read by the poller; the poll itself is injected.
  const ctx = { config: loadConfig(env), logger: logger as unknown as Logger, redis: null } as unknown as AppContext;
  return { ctx, logger };
}

const passThroughLock: Lock = { withLock: (_key, _ttl, fn) => fn() };

describe('lifecycle journal extension', () => {
  it('runs only in the all and scheduler roles, and only with HubSpot app credentials', async () => {
    const { ctx } = fakeContext();
    expect(await lifecycleJournalExtension(ctx, 'serve')).toEqual({});
    expect(await lifecycleJournalExtension(ctx, 'worker')).toEqual({});
    const parts = await lifecycleJournalExtension(ctx, 'scheduler');
    expect(parts.start).toBeTypeOf('function');
    expect(parts.stop).toBeTypeOf('function');
    const { ctx: unconfigured } = fakeContext({});
    expect(await lifecycleJournalExtension(unconfigured, 'all')).toEqual({});
  });

  it('logs a failed poll instead of throwing, and never runs two polls at once', async () => {
    const { ctx, logger } = fakeContext();
    let release: () => void = () => undefined;
    const poll = vi.fn(
      () =>
        new Promise<LifecycleJournalReport>((_resolve, reject) => {
          release = () => reject(new Error('HubSpot is down'));
        }),
    );
    const poller = createJournalPoller(ctx, { poll, lock: passThroughLock });
    const first = poller.runOnce();
    const second = poller.runOnce();
    await Promise.resolve();
    expect(poll).toHaveBeenCalledTimes(1);
    release();
    await expect(Promise.all([first, second])).resolves.toBeDefined();
    expect(logger.error).toHaveBeenCalledTimes(1);
  });

  it('skips quietly when another scheduler holds the lock', async () => {
    const { ctx, logger } = fakeContext();
    const busy: Lock = {
      withLock: async () => {
        throw new ConnectorError({ kind: 'retryable', provider: 'lock', code: 'LOCK_TIMEOUT', message: 'busy' });
      },
    };
    const poll = vi.fn(async () => polled);
    await createJournalPoller(ctx, { poll, lock: busy }).runOnce();
    expect(poll).not.toHaveBeenCalled();
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('polls at start, then on the interval, and stop() waits for the poll in flight', async () => {
    vi.useFakeTimers();
    try {
      const { ctx } = fakeContext();
      let finish: () => void = () => undefined;
      const poll = vi.fn(
        () =>
          new Promise<LifecycleJournalReport>((resolve) => {
            finish = () => resolve(polled);
          }),
      );
      const poller = createJournalPoller(ctx, { poll, lock: passThroughLock, intervalMs: 1_000 });
      poller.start();
      expect(poll).toHaveBeenCalledTimes(1);
      finish();
      await vi.advanceTimersByTimeAsync(1_000);
      expect(poll).toHaveBeenCalledTimes(2);

      let stopped = false;
      const stopping = poller.stop().then(() => {
        stopped = true;
      });
      await vi.advanceTimersByTimeAsync(0);
      expect(stopped).toBe(false); // the second poll is still running
      finish();
      await stopping;
      expect(stopped).toBe(true);
      await vi.advanceTimersByTimeAsync(5_000);
      expect(poll).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
