import { loadConfig } from '../config/load-config.ts';
import { createLogger } from '../logging/logger.ts';
import { CliError } from '../cli/output.ts';
import { createAppContext, type AppContext } from './app-context.ts';
import type { WorkspaceRow } from '../storage/workspace-directory.ts';
import { findWorkspace as findWorkspaceOrNull } from '../pipeline/pipeline-status.ts';

/** Opens the app context for one CLI command (logs to stderr, quietly) and always closes it. */
export async function withAppContext<T>(fn: (ctx: AppContext) => Promise<T>): Promise<T> {
  const config = loadConfig();
  // A CLI command prints its own result; only errors from the layers below belong on stderr.
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'error', destination: process.stderr as never });
  const ctx = await createAppContext(config, logger);
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

/** A workspace by id or name (a unique fragment will do), with a message listing the choices when none matches. */
export async function findWorkspace(ctx: AppContext, ref: string): Promise<WorkspaceRow> {
  const match = await findWorkspaceOrNull(ctx, ref);
  if (match) return match;
  const all = await ctx.directory.list();
  const choices = all.map((w) => `  ${w.id}  ${w.name}`).join('\n') || '  (none yet: run `crm-health demo` or connect a CRM)';
  throw new CliError(`no workspace matches "${ref}". Workspaces:\n${choices}`, 2);
}
