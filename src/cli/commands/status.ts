import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.ts';
import { createLogger } from '../../logging/logger.ts';
import { createPipeline } from '../../pipeline/pipeline.ts';
import { findWorkspace, workspaceStatus, type RunView, type WorkspaceStatus } from '../../pipeline/pipeline-status.ts';
import { createAppContext } from '../../runtime/app-context.ts';
import { CliError, createOutput } from '../output.ts';

const when = (iso: string | null) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—');
const runLine = (r: RunView | null) =>
  r ? `${r.status} ${r.kind} (${r.trigger ?? '?'}) ${when(r.finishedAt ?? r.startedAt ?? r.createdAt)}${r.error ? ` — ${r.error}` : ''}` : '—';

function render(s: WorkspaceStatus, schedule: { syncCron: string; fullRescoreCron: string }): string {
  const lines = [`${s.workspace.name} (${s.workspace.id})`];
  for (const c of s.connections) {
    lines.push(`  ${c.provider} ${c.externalAccountId}: ${c.needsReauth ? 'NEEDS RE-AUTH — reconnect the app' : c.status}${c.lastError ? ` (${c.lastError})` : ''}`);
    for (const o of c.objects) {
      lines.push(`    ${o.object}: ${o.stage}, last run ${when(o.lastRunAt)}${o.failures ? `, ${o.failures} failures` : ''}${o.rateLimitedUntil ? `, rate limited until ${when(o.rateLimitedUntil)}` : ''}${o.lastError ? ` — ${o.lastError}` : ''}`);
    }
  }
  if (s.connections.length === 0) lines.push('  no connections');
  if (s.activeRun) {
    const p = s.activeRun.progress;
    lines.push(`  running: ${s.activeRun.kind} (${s.activeRun.trigger}) ${s.activeRun.status}, stage ${s.activeRun.stage ?? '—'}, ${p ? `${p.done}/${p.total} tasks` : ''}`);
    for (const t of p?.tasks.filter((x) => x.status === 'delayed') ?? []) lines.push(`    ${t.stage} ${t.object ?? ''} delayed until ${when(t.notBefore)}: ${t.error ?? ''}`);
  }
  lines.push(`  last run: ${runLine(s.lastRun)}`);
  lines.push(`  last success: ${runLine(s.lastSuccess)}`);
  lines.push(`  next sync: ${s.nextRuns.incremental ? when(s.nextRuns.incremental) : `per schedule "${schedule.syncCron}"`}; next full rescore: ${s.nextRuns.fullRescore ? when(s.nextRuns.fullRescore) : `per schedule "${schedule.fullRescoreCron}"`}`);
  for (const f of s.recentFailures) lines.push(`  failed: ${runLine(f)}`);
  return lines.join('\n');
}

/** `crm-health status [WORKSPACE]`: connections, last and next runs, failures, rate limits, needs_reauth. */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('show connections, last and next runs, failures, rate limits and connections that need re-authorisation')
    .argument('[workspace]', 'workspace id or name (all workspaces when omitted)')
    .option('--json', 'print JSON')
    .action(async (workspaceArg: string | undefined, flags: { json?: boolean }) => {
      const out = createOutput(flags.json ?? false);
      const ctx = await createAppContext(loadConfig(), createLogger({ level: process.env.LOG_LEVEL ?? 'error' }));
      const pipeline = createPipeline(ctx);
      try {
        const workspaces = workspaceArg ? [await findWorkspace(ctx, workspaceArg)] : await ctx.directory.list();
        if (workspaces.some((w) => w === null)) throw new CliError(`no workspace "${workspaceArg}"`, 2);
        const nextRuns = await pipeline.nextRuns();
        const statuses: WorkspaceStatus[] = [];
        for (const w of workspaces) if (w) statuses.push(await workspaceStatus(ctx, w, nextRuns));
        const schedule = { syncCron: pipeline.settings.syncCron, fullRescoreCron: pipeline.settings.fullRescoreCron };
        out.result(workspaceArg ? statuses[0] : { workspaces: statuses, mode: pipeline.mode, schedule }, () =>
          statuses.length === 0 ? 'no workspaces yet' : statuses.map((s) => render(s, schedule)).join('\n\n'));
      } finally {
        await pipeline.stop();
        await ctx.close();
      }
    });
}
