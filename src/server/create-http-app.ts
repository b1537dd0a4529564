import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Router } from 'express';
import { ZodError } from 'zod';
import type { Logger } from '../logging/logger.ts';
import { HttpError, type ErrorBody } from './http-error.ts';

export type ReadinessCheck = { name: string; check: () => Promise<void> };

export type HttpAppOptions = {
  logger: Logger;
  readiness: readonly ReadinessCheck[];
  /** Routers that read their own (raw) bodies, mounted before the JSON parser. */
  rawBodyRouters?: ReadonlyArray<{ path: string; router: Router }>;
  routers?: ReadonlyArray<{ path: string; router: Router }>;
  /** Set while shutting down so /readyz sends load balancers elsewhere. */
  isDraining?: () => boolean;
};

const requestLog = (logger: Logger): RequestHandler => (req, res, next) => {
  const started = process.hrtime.bigint();
  const requestId = (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].slice(0, 64)) || randomUUID();
  res.locals.requestId = requestId;
  res.setHeader('x-request-id', requestId);
  res.on('finish', () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    // The path only: query strings can carry OAuth codes and state.
    const level = res.statusCode >= 500 ? 'error' : req.path === '/healthz' || req.path === '/readyz' ? 'debug' : 'info';
    logger[level]({ requestId, method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
  });
  next();
};

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function createHttpApp(options: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(requestLog(options.logger));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
  });

  app.get('/readyz', async (_req, res) => {
    const checks = await Promise.all(
      options.readiness.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), 2_000, name);
          return { name, ok: true as const };
        } catch (error) {
          return { name, ok: false as const, reason: (error as Error).message };
        }
      }),
    );
    const draining = options.isDraining?.() ?? false;
    const ready = !draining && checks.every((c) => c.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : draining ? 'draining' : 'not_ready', checks });
  });

  for (const { path, router } of options.rawBodyRouters ?? []) app.use(path, router);
  app.use(express.json({ limit: '1mb' }));
  for (const { path, router } of options.routers ?? []) app.use(path, router);

  app.use((req, _res, next) => next(new HttpError(404, 'not_found', `No route for ${req.method} ${req.path}`)));

  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    const requestId = typeof res.locals.requestId === 'string' ? res.locals.requestId : undefined;
    let status = 500;
    let body: ErrorBody = { error: { code: 'internal', message: 'Something went wrong on our side; the request id identifies it in our logs.', requestId } };
    if (error instanceof HttpError) {
      status = error.status;
      body = { error: { code: error.code, message: error.message, details: error.details, requestId } };
    } else if (error instanceof ZodError) {
      status = 400;
      body = {
        error: {
          code: 'invalid_input',
          message: error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
          details: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
          requestId,
        },
      };
    } else if (error && typeof error === 'object' && 'type' in error && error.type === 'entity.parse.failed') {
      status = 400;
      body = { error: { code: 'invalid_json', message: 'The request body is not valid JSON.', requestId } };
    } else {
      options.logger.error({ err: error, requestId }, 'unhandled error in request');
    }
    res.status(status).json(body);
  };
  app.use(onError);
  return app;
}
