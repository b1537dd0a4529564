import { currentPipeline, installPipeline } from '../pipeline/role-extension.ts';
import { createDashboardRouter } from '../server/dashboard/dashboard-router.ts';
import { createHubSpotAppRouter } from '../server/hubspot/app-router.ts';
import { createHubSpotInstallRouter } from '../server/hubspot/install-router.ts';
import { hubspotAppDeps, type TargetedSync } from '../use-cases/hubspot/hubspot-app-deps.ts';
import type { QueueFirstSync } from '../use-cases/hubspot/install-hubspot.ts';
import { demoExtension } from './demo-extension.ts';
import { lifecycleJournalExtension } from './journal-extension.ts';
import { registerRoleExtension } from './run-app.ts';
import { registerMissingStageHandlers } from './stage-handlers.ts';

let installed = false;

const targetedSync: TargetedSync = async (workspaceId, connectionId, companyIds) => {
  const pipeline = currentPipeline();
  if (!pipeline) throw new Error('the pipeline is not running in this process');
  await pipeline.enqueueTargetedSync(workspaceId, connectionId, companyIds);
};

const queueFirstSync: QueueFirstSync = async (workspaceId) => {
  const pipeline = currentPipeline();
  if (!pipeline) throw new Error('the pipeline is not running in this process');
  await pipeline.startRun(workspaceId, { kind: 'sync', trigger: 'manual', options: { full: true } });
};

/** Plugs every feature module into the process roles, once, in order: handlers, pipeline, HTTP, demo. */
export function installAppExtensions(): void {
  if (installed) return;
  installed = true;
  registerRoleExtension(async (ctx) => {
    registerMissingStageHandlers(ctx);
    return {};
  });
  installPipeline();
  registerRoleExtension(async (ctx, role) => {
    if (role !== 'all' && role !== 'serve') return {};
    const routers = [{ path: '/', router: createHubSpotInstallRouter(ctx, queueFirstSync) }, { path: '/', router: createDashboardRouter(ctx) }];
    const { clientSecret } = ctx.config.hubspot;
    if (!clientSecret) {
      ctx.logger.info('HUBSPOT_CLIENT_SECRET is not set: the HubSpot card, webhook and workflow-action endpoints are off');
      return { routers };
    }
    const appRouter = createHubSpotAppRouter({
      clientSecret,
      publicUrl: ctx.config.publicUrl,
      ...hubspotAppDeps(ctx, targetedSync),
      reportError: (error, route) => ctx.logger.error({ err: error, route }, 'HubSpot app request failed'),
    });
    return { routers, rawBodyRouters: [{ path: '/', router: appRouter }] };
  });
  registerRoleExtension(lifecycleJournalExtension);
  registerRoleExtension(demoExtension);
}
