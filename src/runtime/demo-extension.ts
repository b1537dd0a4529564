import { seedDemoWorkspace } from '../use-cases/seed-demo-workspace.ts';
import type { RoleExtension } from './run-app.ts';

/**
 * On an empty database the one-process default seeds the demo workspace in the background, so
 * the app answers at once and the dashboard is never empty. Scaled-out roles never seed
 * (several servers would race); they use `crm-health demo`.
 */
export const demoExtension: RoleExtension = async (ctx, role) => {
  if (role !== 'all' || !ctx.config.demoWorkspace) return {};
  const workspaces = await ctx.directory.list();
  const complete = workspaces.some((w) => w.kind !== 'demo' || (w.settings.demo as { complete?: boolean } | undefined)?.complete);
  if (complete) return {};
  const abort = new AbortController();
  let seeding: Promise<void> = Promise.resolve();
  const begin = () => {
    ctx.logger.info('empty database: creating the demo workspace in the background (DEMO_WORKSPACE=false turns this off)');
    seeding = seedDemoWorkspace(ctx.directory, (id) => ctx.workspace(id), {
      onProgress: (message) => ctx.logger.debug(message),
      signal: abort.signal,
    }).then(
      (result) => {
        ctx.logger.info(
          { workspaceId: result.workspace.id, accounts: result.accounts, signals: result.signals, ms: result.ms },
          'demo workspace ready',
        );
      },
      (error: unknown) => {
        if (abort.signal.aborted) ctx.logger.info('demo workspace creation interrupted by shutdown; it restarts at the next start');
        else ctx.logger.error({ err: error }, 'demo workspace could not be created; run `crm-health demo` to retry');
      },
    );
  };
  return {
    start: begin,
    async stop() {
      abort.abort();
      await seeding;
    },
  };
};
