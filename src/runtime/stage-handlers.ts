import { ConnectorError } from '../../connectors/core/error-kinds.ts';
import { defaultHandlerRegistry, type HandlerRegistry } from '../pipeline/stage-handlers.ts';
import type { StageHandler, StageHandlers } from '../pipeline/types.ts';
import { indicatesUninstall } from '../../connectors/hubspot/uninstall.ts';
import { scoreWorkspace } from '../use-cases/score-workspace.ts';
import { postHubSpotTraces, pullHubSpot, writeBackHubSpot } from '../use-cases/hubspot/sync-hubspot.ts';
import type { AppContext } from './app-context.ts';

const DAY_MS = 86_400_000;

/**
 * A refused refresh (`invalid_grant` / `BAD_REFRESH_TOKEN`) means the app was uninstalled or
 * access revoked: the stored tokens are dead, so they are removed before the pipeline marks the
 * connection needs_reauth. Other re-auth errors (a missing optional scope) keep the tokens.
 */
export function forgettingDeadTokens(run: StageHandler): StageHandler {
  return async (job) => {
    try {
      return await run(job);
    } catch (error) {
      if (job.connectionId && indicatesUninstall(error)) {
        await job.repo.connections.clearCredentials(job.connectionId, 'needs_reauth', 'HubSpot refused the refresh token (app uninstalled or access revoked); reinstall to reconnect');
        await job.repo.audit.record('hubspot', 'hubspot.tokens_revoked', job.connectionId);
      }
      throw error;
    }
  };
}

function requireConnection(connectionId: string | null): string {
  if (!connectionId) throw new ConnectorError({ kind: 'permanent', provider: 'pipeline', message: 'this task needs a connection id' });
  return connectionId;
}

/**
 * The real work behind each pipeline stage: HubSpot pull → scoring engine → HubSpot
 * write-back → timeline traces. Each handler reads and writes through the job's
 * workspace repository only.
 */
export function buildStageHandlers(ctx: AppContext): StageHandlers {
  return {
    pull: {
      hubspot: {
        objects: ['companies'],
        run: forgettingDeadTokens(async (job) => {
          const report = await pullHubSpot(ctx, job.repo, requireConnection(job.connectionId), {
            asOf: new Date(),
            // A retry recomputes everyone: the failed attempt may have saved the companies checkpoint
            // before it computed their signals, and the incremental search would not return them again.
            recomputeAll: job.options.full || job.attempt > 1,
            companyIds: job.options.objectIds,
          });
          await job.reportProgress({ counts: { pulled: report.companies.companies, signals: report.signalsWritten } });
          return {
            counts: { pulled: report.companies.companies, signals: report.signalsWritten },
            message: report.notes.join('; ') || `${report.companies.phase} pull, ${report.companies.pages} pages`,
          };
        }),
      },
    },
    async score(job) {
      let accountIds: string[] | undefined;
      if (!job.options.full && job.since) {
        accountIds = await job.repo.signals.accountsChangedSince(job.since);
        if (job.options.objectIds) {
          for (const account of await job.repo.accounts.findByCrmIds(job.options.objectIds)) accountIds.push(account.id);
          accountIds = [...new Set(accountIds)];
        }
      }
      const result = await scoreWorkspace(job.repo, {
        asOf: new Date(),
        ...(accountIds ? { accountIds } : {}),
        onProgress: (done, total) => job.reportProgress({ done, total }),
      });
      return {
        counts: { scored: result.scored, insufficient: result.insufficient, tierChanges: result.tierChanges.length },
        message: `model v${result.modelVersion}`,
      };
    },
    writeBack: {
      hubspot: forgettingDeadTokens(async (job) => {
        const report = await writeBackHubSpot(ctx, job.repo, requireConnection(job.connectionId));
        if (report.stoppedBy) {
          throw new ConnectorError({
            kind: report.stoppedBy.kind, provider: 'hubspot', message: report.stoppedBy.message,
            ...(report.stoppedBy.retryAfterMs !== undefined ? { retryAfterMs: report.stoppedBy.retryAfterMs } : {}),
          });
        }
        const written = report.sent - report.failed.length;
        return {
          counts: { written, unchanged: report.unchanged, failed: report.failed.length, batches: report.batches },
          ...(report.failed.length ? { message: `${report.failed.length} companies failed; they are retried at the next run` } : {}),
        };
      }),
    },
    actions: forgettingDeadTokens(async (job) => {
      if (job.provider !== 'hubspot') return { counts: { traces: 0 } };
      const since = job.since ?? new Date(Date.now() - DAY_MS);
      const traces = await postHubSpotTraces(ctx, job.repo, requireConnection(job.connectionId), since);
      return { counts: { traces: traces.filter((t) => t.outcome.status === 'posted').length } };
    }),
  };
}

/**
 * Registers the real handlers for every stage and provider that has none yet, so a process (or
 * a test) that registered its own handlers first keeps them.
 */
export function registerMissingStageHandlers(ctx: AppContext, registry: HandlerRegistry = defaultHandlerRegistry): void {
  const real = buildStageHandlers(ctx);
  const missing = <T>(entries: Record<string, T> | undefined, has: (provider: string) => unknown): Record<string, T> =>
    Object.fromEntries(Object.entries(entries ?? {}).filter(([provider]) => !has(provider)));
  registry.register({
    pull: missing(real.pull, (p) => registry.pull(p)),
    writeBack: missing(real.writeBack, (p) => registry.writeBack(p)),
    ...(registry.score() || !real.score ? {} : { score: real.score }),
    ...(registry.actions() || !real.actions ? {} : { actions: real.actions }),
  });
}
