import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { loadConfig } from '../../../src/config/load-config.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { DEFAULT_PIPELINE_SETTINGS, type PipelineSettings } from '../../../src/pipeline/pipeline-settings.ts';
import type { AppContext } from '../../../src/runtime/app-context.ts';
import { createKeyring, parseKeySpec } from '../../../src/security/keyring.ts';
import type { Database } from '../../../src/storage/database.ts';
import { workspaceDirectory } from '../../../src/storage/workspace-directory.ts';
import { workspaceRepository } from '../../../src/storage/workspace-repository.ts';
import { STANDIN_PROVIDER } from './stand-in-handlers.ts';

export const TEST_KEYS = `t1:${Buffer.alloc(32, 7).toString('base64')}`;
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Short clocks so fault tests take seconds; a unique queue prefix per test keeps Redis runs apart. */
export function fastSettings(overrides: Partial<PipelineSettings> = {}): PipelineSettings {
  return {
    ...DEFAULT_PIPELINE_SETTINGS,
    queuePrefix: `crmh-test-${randomBytes(4).toString('hex')}`,
    backoffBaseMs: 100,
    backoffMaxMs: 1_000,
    defaultRateLimitDelayMs: 500,
    infrastructureRetryMs: 300,
    fairnessRetryMs: 100,
    lockDurationMs: 1_500,
    stalledIntervalMs: 1_000,
    sweepIntervalMs: 1_000,
    staleAfterMs: 3_000,
    progressFlushMs: 100,
    debounceMs: 300,
    // Schedules far away unless a test asks for them.
    syncCron: '0 0 1 1 *',
    fullRescoreCron: '0 0 1 1 *',
    ...overrides,
  };
}

/** An AppContext over a test database (and Redis, when given) without running the whole app. */
export function testContext(database: Database, options: { redisUrl?: string; env?: Record<string, string> } = {}): AppContext {
  const config = loadConfig({ ENCRYPTION_KEYS: TEST_KEYS, LOG_LEVEL: 'silent', ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}), ...options.env });
  const keyring = createKeyring(parseKeySpec(TEST_KEYS));
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const redis = options.redisUrl ? new Redis(options.redisUrl, { maxRetriesPerRequest: null }) : null;
  redis?.on('error', () => undefined);
  return {
    config, logger, database, keyring, redis,
    directory: workspaceDirectory(database.db),
    workspace: (id) => workspaceRepository(database.db, id, { keyring }),
    async close() {
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** A workspace with one stand-in CRM connection (portal = its external account id). */
export async function seedWorkspace(ctx: AppContext, name: string, portal = name.toLowerCase().replace(/\W+/g, '-')) {
  const workspace = await ctx.directory.create({ name });
  const connection = await ctx.workspace(workspace.id).connections.upsert({
    provider: STANDIN_PROVIDER, externalAccountId: `${portal}-${randomBytes(3).toString('hex')}`, authMode: 'static_token', scopes: [], credentials: { token: 'x' },
  });
  return { workspace, connection, portal: connection.externalAccountId };
}

/** Polls until `check` returns a value (not undefined/false) or the time is up. */
export async function waitFor<T>(check: () => Promise<T | undefined | false>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Removes every Redis key under a test's queue prefix. */
export async function removeQueuePrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
