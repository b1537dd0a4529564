import { createServer, type Server } from 'node:http';
import express from 'express';
import { registerRoleExtension, type RoleExtension } from '../runtime/run-app.ts';
import { adminQueuesRouter, metricsRouter } from './admin-router.ts';
import { createPipeline, type Pipeline, type PipelineOptions } from './pipeline.ts';
import { QUEUE_DASHBOARD_PATH, queueDashboardRouter } from './queue-dashboard.ts';

let current: Pipeline | null = null;

/** The pipeline of this process once the role extension has started (null before, or in a CLI command). */
export function currentPipeline(): Pipeline | null {
  return current;
}

/**
 * For webhook handlers: gather changed object ids of one connection into a debounced targeted
 * pull and rescore. Needs the pipeline extension to be running in this process.
 */
export async function enqueueTargetedSync(workspaceId: string, connectionId: string, objectIds: readonly string[]): Promise<void> {
  if (!current) throw new Error('the pipeline is not running in this process; call installPipeline() before runApp()');
  await current.enqueueTargetedSync(workspaceId, connectionId, objectIds);
}

/** Serves /metrics (and /healthz) from worker and scheduler processes, which have no API server. */
async function startMetricsServer(port: number, host: string, pipeline: Pipeline): Promise<Server> {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use('/metrics', metricsRouter(pipeline));
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

export type InstallPipelineOptions = PipelineOptions & {
  /** Worker and scheduler processes listen on PORT for /metrics. Default true. */
  metricsServer?: boolean;
};

/** The role extension itself, for callers that register it (or call it) themselves. */
export function pipelineRoleExtension(options: InstallPipelineOptions = {}): RoleExtension {
  return async (ctx, role) => {
    const pipeline = createPipeline(ctx, options);
    current = pipeline;
    await pipeline.startProcessing(role);
    const serves = role === 'all' || role === 'serve';
    const metricsServer = !serves && options.metricsServer !== false
      ? await startMetricsServer(ctx.config.port, ctx.config.host, pipeline)
      : null;
    if (metricsServer) {
      const address = metricsServer.address();
      ctx.logger.info({ port: typeof address === 'object' && address ? address.port : null }, 'pipeline metrics listening');
    }
    ctx.logger.info({ role, mode: pipeline.mode }, 'pipeline started');
    const dashboard = serves ? queueDashboardRouter(ctx, pipeline) : null;
    return {
      routers: serves
        ? [
            { path: '/metrics', router: metricsRouter(pipeline) },
            // Mounted before /admin/queues so the UI's own paths are not taken for the JSON overview.
            ...(dashboard ? [{ path: QUEUE_DASHBOARD_PATH, router: dashboard }] : []),
            { path: '/admin/queues', router: adminQueuesRouter(ctx, pipeline) },
          ]
        : [],
      async stop() {
        await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
        await pipeline.stop();
        if (current === pipeline) current = null;
      },
    };
  };
}

let installed = false;
/** Call once at start-up, before `runApp`: every role then gets its share of the pipeline. */
export function installPipeline(options: InstallPipelineOptions = {}): void {
  if (installed) return;
  installed = true;
  registerRoleExtension(pipelineRoleExtension(options));
}
