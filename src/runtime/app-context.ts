import { Redis } from 'ioredis';
import type { AppConfig } from '../config/load-config.ts';
import type { Logger } from '../logging/logger.ts';
import { loadKeyring, type Keyring } from '../security/keyring.ts';
import { databaseOptionsFromConfig, openDatabase, type Database } from '../storage/database.ts';
import { workspaceDirectory, type WorkspaceDirectory } from '../storage/workspace-directory.ts';
import { workspaceRepository, type WorkspaceRepository } from '../storage/workspace-repository.ts';

/** Everything a process role needs, opened once and closed once. */
export type AppContext = {
  readonly config: AppConfig;
  readonly logger: Logger;
  readonly database: Database;
  readonly keyring: Keyring;
  readonly redis: Redis | null;
  readonly directory: WorkspaceDirectory;
  /** The only way to reach tenant data: a repository bound to one workspace. */
  workspace(workspaceId: string): WorkspaceRepository;
  close(): Promise<void>;
};

export function createRedis(url: string, logger: Logger): Redis {
  // BullMQ needs maxRetriesPerRequest: null so blocking commands survive reconnects.
  const redis = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
  let lastLogged = 0;
  redis.on('error', (error: Error) => {
    if (Date.now() - lastLogged > 10_000) {
      lastLogged = Date.now();
      logger.warn({ err: error }, 'redis connection problem');
    }
  });
  return redis;
}

export async function createAppContext(config: AppConfig, logger: Logger, options: { migrate?: boolean } = {}): Promise<AppContext> {
  const { keyring, generated } = loadKeyring({ spec: config.encryptionKeys, dataDir: config.dataDir });
  if (generated) {
    logger.warn(
      { keyFile: `${config.dataDir}/encryption-key.json` },
      'ENCRYPTION_KEYS is not set: using a key generated into the data folder. Production must set ENCRYPTION_KEYS.',
    );
  }
  const database = await openDatabase(databaseOptionsFromConfig(config));
  if (options.migrate ?? true) await database.migrate();
  const redis = config.redisUrl ? createRedis(config.redisUrl, logger) : null;
  return assembleAppContext({ config, logger, database, keyring, redis });
}

/** The context from parts that are already open (tests hand in a cloned test database). */
export function assembleAppContext(parts: { config: AppConfig; logger: Logger; database: Database; keyring: Keyring; redis: Redis | null }): AppContext {
  const { config, logger, database, keyring, redis } = parts;
  return {
    config,
    logger,
    database,
    keyring,
    redis,
    directory: workspaceDirectory(database.db),
    workspace: (workspaceId) => workspaceRepository(database.db, workspaceId, { keyring }),
    async close() {
      if (redis) await redis.quit().catch(() => redis.disconnect());
      await database.close();
    },
  };
}
