import type { AppConfig } from '../config/load-config.ts';
import { createLogger, type Logger } from '../logging/logger.ts';
import { prettyDestination } from '../logging/pretty-destination.ts';
import { createHttpApp, type ReadinessCheck } from '../server/create-http-app.ts';
import { startHttpServer } from '../server/start-http-server.ts';
import { createAppContext, type AppContext } from './app-context.ts';

export type Role = AppConfig['role'];

/** Pieces a role can add to the process: HTTP routers, background loops. Each returns a stopper. */
export type RoleExtension = (ctx: AppContext, role: Role) => Promise<{
  routers?: Parameters<typeof createHttpApp>[0]['routers'];
  rawBodyRouters?: Parameters<typeof createHttpApp>[0]['rawBodyRouters'];
  /** Background work, started once the server listens so start-up is never held up by it. */
  start?: () => void;
  stop?: () => Promise<void>;
}>;

const extensions: RoleExtension[] = [];
/** Later modules (pipeline, HubSpot, demo) plug into the process here. */
export function registerRoleExtension(extension: RoleExtension): void {
  extensions.push(extension);
}

export type RunningApp = { url: string | null; ctx: AppContext; stop(): Promise<void> };

export async function runApp(config: AppConfig, options: { logger?: Logger; installSignalHandlers?: boolean } = {}): Promise<RunningApp> {
  const started = performance.now();
  // A person at a terminal reads lines; log collectors (no TTY, or LOG_FORMAT=json) read JSON.
  const pretty = process.stdout.isTTY && process.env.LOG_FORMAT !== 'json';
  const logger = options.logger ?? createLogger({ level: config.logLevel, ...(pretty ? { destination: prettyDestination() } : {}) });
  const ctx = await createAppContext(config, logger);
  const role = config.role;
  const parts: Array<Awaited<ReturnType<RoleExtension>>> = [];
  for (const extension of extensions) parts.push(await extension(ctx, role));

  let draining = false;
  const readiness: ReadinessCheck[] = [{ name: 'database', check: () => ctx.database.ping() }];
  const redis = ctx.redis;
  if (redis) {
    readiness.push({
      name: 'redis',
      check: async () => {
        if (redis.status !== 'ready') throw new Error(`redis connection is ${redis.status}`);
        await redis.ping();
      },
    });
  }

  const serves = role === 'all' || role === 'serve';
  const http = serves
    ? await startHttpServer(
        createHttpApp({
          logger,
          readiness,
          isDraining: () => draining,
          routers: parts.flatMap((p) => p.routers ?? []),
          rawBodyRouters: parts.flatMap((p) => p.rawBodyRouters ?? []),
        }),
        config.port,
        config.host,
      )
    : null;

  for (const part of parts) part.start?.();
  logger.info(
    { role, url: http?.url ?? null, database: ctx.database.description, redis: Boolean(ctx.redis), startupMs: Math.round(performance.now() - started) },
    http ? `crm-health listening on ${http.url}` : `crm-health ${role} running`,
  );

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      draining = true;
      logger.info('shutting down: finishing in-flight work');
      await http?.stop(config.shutdownTimeoutMs);
      for (const part of [...parts].reverse()) await part.stop?.();
      await ctx.close();
      logger.info('stopped');
    })();
    return stopping;
  };

  if (options.installSignalHandlers) {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'signal received');
      stop().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  return { url: http?.url ?? null, ctx, stop };
}
