import { createDashboardRouter } from '../server/dashboard/dashboard-router.ts';
import { demoExtension } from './demo-extension.ts';
import { registerRoleExtension } from './run-app.ts';

let installed = false;

/** Plugs every feature module into the process roles, once. */
export function installAppExtensions(): void {
  if (installed) return;
  installed = true;
  registerRoleExtension(demoExtension);
  registerRoleExtension(async (ctx, role) =>
    role === 'all' || role === 'serve' ? { routers: [{ path: '/', router: createDashboardRouter(ctx) }] } : {},
  );
}
