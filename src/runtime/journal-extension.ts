import { InProcessLock, RedisLock } from '../../connectors/core/lock.ts';
import type { Lock } from '../../connectors/core/ports.ts';
import { isConnectorError } from '../../connectors/core/error-kinds.ts';
import { pollLifecycleJournal, type LifecycleJournalReport } from '../use-cases/hubspot/lifecycle-journal.ts';
import type { AppContext } from './app-context.ts';
import type { RoleExtension } from './run-app.ts';

/** HubSpot keeps journal entries 3 days; every 5 minutes notices an uninstall quickly and cheaply. */
export const JOURNAL_POLL_INTERVAL_MS = 5 * 60_000;
const LOCK_KEY = 'hubspot:lifecycle-journal';
/** Longer than a poll of `maxPages` entries takes; a crashed holder frees the lock after this. */
const LOCK_TTL_MS = 4 * 60_000;

export interface JournalPollerOptions {
  intervalMs?: number;
  lock?: Lock;
  poll?: (ctx: AppContext) => Promise<LifecycleJournalReport>;
}

export interface JournalPoller {
  start(): void;
  stop(): Promise<void>;
  /** One poll now (skipped while one is running); resolves when it is done. Never rejects. */
  runOnce(): Promise<void>;
}

/**
 * Polls the HubSpot webhooks journal on a timer, under a lock so several schedulers never poll
 * at once (Redis: the others skip this round; in one process polls never overlap anyway).
 * Failures are logged and retried at the next tick; they never reach the process.
 */
export function createJournalPoller(ctx: AppContext, options: JournalPollerOptions = {}): JournalPoller {
  const intervalMs = options.intervalMs ?? JOURNAL_POLL_INTERVAL_MS;
  // waitTimeoutMs 0: a busy lock means another scheduler is polling right now; don't queue behind it.
  const lock = options.lock ?? (ctx.redis ? new RedisLock(ctx.redis, { waitTimeoutMs: 0 }) : new InProcessLock());
  const poll = options.poll ?? ((c: AppContext) => pollLifecycleJournal(c));
  let timer: NodeJS.Timeout | null = null;
  let inFlight: Promise<void> | null = null;
  let stopped = false;

  const runOnce = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    inFlight ??= lock
      .withLock(LOCK_KEY, LOCK_TTL_MS, () => poll(ctx))
      .then(
        (report) => {
          if (report.status !== 'polled') return;
          const disconnected = report.outcomes.filter((o) => o.outcome === 'disconnected').length;
          const log = disconnected > 0 || report.pages > 0 ? ctx.logger.info.bind(ctx.logger) : ctx.logger.debug.bind(ctx.logger);
          log({ pages: report.pages, disconnected, caughtUp: report.caughtUp }, 'HubSpot lifecycle journal polled');
        },
        (error: unknown) => {
          if (isConnectorError(error) && error.provider === 'lock' && error.code === 'LOCK_TIMEOUT') {
            ctx.logger.debug('HubSpot lifecycle journal: another scheduler is polling; skipped this round');
            return;
          }
          ctx.logger.error({ err: error }, 'HubSpot lifecycle journal poll failed; retrying at the next interval');
        },
      )
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  };

  return {
    start() {
      if (timer || stopped) return;
      void runOnce();
      timer = setInterval(() => void runOnce(), intervalMs);
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = null;
      await inFlight;
    },
    runOnce,
  };
}

/**
 * Uninstall detection through the HubSpot webhooks journal, in the roles that run schedules
 * (`all`, `scheduler`) and only when the app's client id and secret are configured.
 */
export const lifecycleJournalExtension: RoleExtension = async (ctx, role) => {
  if (role !== 'all' && role !== 'scheduler') return {};
  const { clientId, clientSecret } = ctx.config.hubspot;
  if (!clientId || !clientSecret) {
    ctx.logger.info('HUBSPOT_CLIENT_ID/HUBSPOT_CLIENT_SECRET are not set: uninstall detection through the HubSpot webhooks journal is off');
    return {};
  }
  const poller = createJournalPoller(ctx);
  return { start: () => poller.start(), stop: () => poller.stop() };
};
