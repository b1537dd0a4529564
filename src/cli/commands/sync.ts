import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.ts';
import { createLogger } from '../../logging/logger.ts';
import { followRun, type RunSnapshot } from '../../pipeline/follow-run.ts';
import { createPipeline } from '../../pipeline/pipeline.ts';
import { findWorkspace } from '../../pipeline/pipeline-status.ts';
import { createAppContext } from '../../runtime/app-context.ts';
import { registerMissingStageHandlers } from '../../runtime/stage-handlers.ts';
import { CliError, createOutput } from '../output.ts';

type SyncFlags = { source?: string[]; full?: boolean; json?: boolean };

function describe(s: RunSnapshot): string {
  const counts = Object.entries(s.counts).map(([k, v]) => `${k} ${v}`).join(' · ');
  const task = s.current
    ? `${s.current.stage}${s.current.object ? ` ${s.current.object}` : ''} ${s.current.status}${s.current.done !== null && s.current.total ? ` ${s.current.done}/${s.current.total}` : ''}`
    : s.status;
  const waiting = s.current?.status === 'delayed' && s.current.notBefore ? ` (rate limited until ${s.current.notBefore})` : '';
  return `${task}${waiting}${counts ? ` · ${counts}` : ''}`;
}

function bar(fraction: number, width = 24): string {
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%`;
}

/** `crm-health sync WORKSPACE`: run a sync now (in process, or through the workers with Redis) and follow it. */
export function registerSyncCommand(program: Command): void {
  program
    .command('sync')
    .description('run a sync for a workspace now and follow it to the end (in process on embedded defaults, through the workers with REDIS_URL)')
    .argument('<workspace>', 'workspace id or name')
    .option('--source <provider...>', 'pull only from these providers (e.g. hubspot zendesk)')
    .option('--full', 'recompute every account\'s signals (moving windows) and rescore every account, not only changed ones')
    .option('--json', 'print the final run as JSON')
    .action(async (workspaceArg: string, flags: SyncFlags) => {
      const out = createOutput(flags.json ?? false);
      const config = loadConfig();
      const ctx = await createAppContext(config, createLogger({ level: process.env.LOG_LEVEL ?? 'error' }));
      // The planner needs the handlers to know which stages exist; in embedded mode they also do the work.
      registerMissingStageHandlers(ctx);
      const pipeline = createPipeline(ctx);
      try {
        const workspace = await findWorkspace(ctx, workspaceArg);
        if (!workspace) throw new CliError(`no workspace "${workspaceArg}" (give its id or exact name; \`crm-health status\` lists them)`, 2);
        // Embedded: this process is the worker (no schedules). With Redis the workers elsewhere do the work.
        if (pipeline.mode === 'embedded') await pipeline.startProcessing('worker', { schedules: false });
        const started = await pipeline.startRun(workspace.id, {
          trigger: 'manual', options: { full: flags.full ?? false, sources: flags.source?.length ? flags.source : null },
        });
        out.info(started.created
          ? `sync ${started.run.id} started for ${workspace.name}${pipeline.mode === 'redis' ? ' (queued for the workers)' : ''}`
          : `a run is already active for ${workspace.name} (${started.run.id}); following it`);
        const tty = Boolean(process.stderr.isTTY) && !flags.json;
        let lastLine = '';
        const final = await followRun(ctx.workspace(workspace.id), started.run.id, (s) => {
          const line = describe(s);
          if (tty) process.stderr.write(`\r\x1b[2K${bar(s.fraction)} ${line}`.slice(0, (process.stderr.columns ?? 120) + 8));
          else if (line !== lastLine) out.info(line);
          lastLine = line;
        });
        if (tty) process.stderr.write('\n');
        out.result(final, () => `${final.status === 'succeeded' ? 'done' : 'FAILED'}: ${describe(final)}${final.error ? `\n${final.error}` : ''}`);
        if (final.status !== 'succeeded') throw new CliError(`sync ${final.runId} failed: ${final.error ?? 'see crm-health status'}`, 1);
      } finally {
        await pipeline.stop();
        await ctx.close();
      }
    });
}
