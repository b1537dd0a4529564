import { timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { HttpError } from '../server/http-error.ts';
import type { AppContext } from '../runtime/app-context.ts';
import { metricsRegistry } from './metrics.ts';
import type { Pipeline } from './pipeline.ts';
import { findWorkspace, workspaceStatus } from './pipeline-status.ts';

/** Bearer ADMIN_TOKEN, compared in constant time. Without a configured token the admin routes are off. */
export function requireAdmin(adminToken: string | undefined): RequestHandler {
  const expected = adminToken ? Buffer.from(adminToken) : null;
  return (req, _res, next) => {
    if (!expected) return next(new HttpError(404, 'not_found', 'Admin routes are disabled: set ADMIN_TOKEN to enable them.'));
    const header = req.headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return next(new HttpError(401, 'unauthorized', 'A valid admin bearer token is required.'));
    }
    next();
  };
}

/** GET /metrics (Prometheus text). Job-state gauges are refreshed from the queues on every scrape. */
export function metricsRouter(pipeline: Pick<Pipeline, 'collectMetrics'> | null): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    await pipeline?.collectMetrics().catch(() => undefined); // a Redis outage must not hide the other metrics
    res.setHeader('content-type', metricsRegistry.contentType);
    res.send(await metricsRegistry.metrics());
  });
  return router;
}

const SyncBody = z.object({ full: z.boolean().optional(), sources: z.array(z.string().min(1)).optional() }).strict();

/**
 * Read-only queue overview and per-workspace pipeline status for operators (ADMIN_TOKEN):
 * GET /admin/queues, GET /admin/queues/workspaces/:workspace, POST …/:workspace/sync.
 */
export function adminQueuesRouter(ctx: AppContext, pipeline: Pipeline): Router {
  const router = Router();
  router.use(requireAdmin(ctx.config.adminToken));
  router.get('/', async (_req, res) => {
    res.json(await pipeline.overview());
  });
  router.get('/workspaces/:workspace', async (req, res) => {
    const workspace = await findWorkspace(ctx, req.params.workspace);
    if (!workspace) throw new HttpError(404, 'not_found', `No workspace ${req.params.workspace}`);
    res.json(await workspaceStatus(ctx, workspace, await pipeline.nextRuns()));
  });
  router.post('/workspaces/:workspace/sync', async (req, res) => {
    const body = SyncBody.parse(req.body ?? {});
    const workspace = await findWorkspace(ctx, req.params.workspace);
    if (!workspace) throw new HttpError(404, 'not_found', `No workspace ${req.params.workspace}`);
    const started = await pipeline.startRun(workspace.id, { options: { full: body.full ?? false, sources: body.sources ?? null } });
    res.status(started.created ? 202 : 200).json({ runId: started.run.id, created: started.created, status: started.run.status });
  });
  return router;
}
