import type { Command } from 'commander';
import { loadConfig, type AppConfig } from '../../config/load-config.ts';
import { installAppExtensions } from '../../runtime/app-extensions.ts';
import { runApp } from '../../runtime/run-app.ts';
import { pipelineSettingsFromEnv } from '../../pipeline/pipeline-settings.ts';

const ROLES: ReadonlyArray<{ name: string; role: AppConfig['role']; summary: string }> = [
  { name: 'start', role: 'all', summary: 'run everything in one process: API server, scheduler and worker (the default for one machine)' },
  { name: 'serve', role: 'serve', summary: 'run only the HTTP API server (scale out behind a load balancer)' },
  { name: 'worker', role: 'worker', summary: 'run only a job worker (needs REDIS_URL and DATABASE_URL to share work)' },
  { name: 'scheduler', role: 'scheduler', summary: 'run only the scheduler that enqueues periodic syncs (safe to run several)' },
];

export function registerServeCommands(program: Command): void {
  for (const { name, role, summary } of ROLES) {
    program
      .command(name)
      .description(summary)
      .option('--port <port>', 'listen on this port (overrides PORT)')
      .action(async (options: { port?: string }) => {
        const env = { ...process.env, ROLE: role, ...(options.port ? { PORT: options.port } : {}) };
        const config = loadConfig(env);
        pipelineSettingsFromEnv(env); // fails start-up with the variable's name before anything opens
        installAppExtensions();
        await runApp(config, { installSignalHandlers: true });
      });
  }
}
