import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Router } from 'express';
import type { AppContext } from '../runtime/app-context.ts';
import { operatorAuth } from '../server/dashboard/operator-auth.ts';
import type { Pipeline } from './pipeline.ts';

export const QUEUE_DASHBOARD_PATH = '/admin/queues/ui';

/**
 * bull-board over the stage queues (Redis mode), behind the operator check the dashboard uses:
 * ADMIN_TOKEN (bearer, or `?token=` once to set a cookie for the browser), loopback-only without one.
 */
export function queueDashboardRouter(ctx: AppContext, pipeline: Pipeline): Router | null {
  const queues = pipeline.bullQueues();
  if (queues.length === 0) return null;
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: false, allowRetries: true })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'crm-health queues' } },
  });
  const router = Router();
  router.use(operatorAuth(ctx.config.adminToken, ctx.config.host));
  router.use(serverAdapter.getRouter() as Router);
  return router;
}
