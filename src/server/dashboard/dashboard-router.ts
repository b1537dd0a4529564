import { readFileSync } from 'node:fs';
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../runtime/app-context.ts';
import { companyHealth } from '../../use-cases/company-health.ts';
import { scoreWorkspace } from '../../use-cases/score-workspace.ts';
import { readStoredResult } from '../../use-cases/stored-score-result.ts';
import { HttpError } from '../http-error.ts';
import { withRecommendedPlays } from '../hubspot/health-details.ts';
import { operatorAuth } from './operator-auth.ts';

const page = readFileSync(new URL('./dashboard.html', import.meta.url), 'utf8');

const AccountsQuery = z.object({
  tier: z.enum(['healthy', 'at_risk', 'critical', 'insufficient_data']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  offset: z.coerce.number().int().min(0).default(0),
});

/** The operator dashboard: portfolio overview per workspace, worst accounts first, and each account's health. */
export function createDashboardRouter(ctx: AppContext): Router {
  const router = Router();
  router.use(operatorAuth(ctx.config.adminToken, ctx.config.host));

  const workspaceOf = async (id: string) => {
    if (!z.uuid().safeParse(id).success || !(await ctx.directory.get(id))) {
      throw new HttpError(404, 'workspace_not_found', `No workspace ${id}.`);
    }
    return ctx.workspace(id);
  };

  router.get('/', (_req, res) => {
    res.type('html').send(page);
  });

  router.get('/api/workspaces', async (_req, res) => {
    const list = await ctx.directory.list();
    const out = await Promise.all(
      list.map(async (w) => {
        const repo = ctx.workspace(w.id);
        return {
          id: w.id, name: w.name, kind: w.kind, accounts: await repo.accounts.count(),
          tiers: Object.fromEntries((await repo.scores.tierDistribution()).map((t) => [t.tier, t.n])),
          connections: (await repo.connections.list()).map((c) => ({ provider: c.provider, account: c.externalAccountId, status: c.status })),
          ready: w.kind !== 'demo' || Boolean((w.settings.demo as { complete?: boolean } | undefined)?.complete),
        };
      }),
    );
    res.json({ workspaces: out });
  });

  router.get('/api/workspaces/:id/accounts', async (req, res) => {
    const repo = await workspaceOf(req.params.id);
    const query = AccountsQuery.parse(req.query);
    const rows = await repo.scores.latestAll(query);
    res.json({
      accounts: rows.map((r) => ({
        accountId: r.accountId, crmId: r.crmId, name: r.name, domain: r.domain, segment: r.segment,
        score: r.insufficientData ? null : r.score,
        tier: r.insufficientData ? 'insufficient_data' : r.tier,
        lastTrustedTier: r.insufficientData && r.tier !== 'insufficient_data' ? r.tier : null,
        confidence: r.confidence, insufficientData: r.insufficientData,
        lifecycleStage: r.lifecycleStage, scoredAt: r.asOf, modelVersion: `${r.modelKey} v${r.modelVersion}`,
        trend: readStoredResult(r.result).trend,
        drivers: readStoredResult(r.result).drivers,
      })),
    });
  });

  router.get('/api/workspaces/:id/companies/:crmId', async (req, res) => {
    const repo = await workspaceOf(req.params.id);
    const health = await companyHealth(repo, req.params.crmId);
    if (!health) throw new HttpError(404, 'account_not_found', `No account ${req.params.crmId} in this workspace.`);
    res.json(withRecommendedPlays(health));
  });

  router.get('/api/workspaces/:id/backtest', async (req, res) => {
    await workspaceOf(req.params.id);
    const workspace = await ctx.directory.get(req.params.id);
    const backtest = workspace?.settings.backtest as { at: string; text: string; result: unknown } | undefined;
    if (!backtest) throw new HttpError(404, 'no_backtest', 'No backtest stored for this workspace yet: run `crm-health backtest` on its history.');
    res.json(backtest);
  });

  router.post('/api/workspaces/:id/rescore', async (req, res) => {
    const repo = await workspaceOf(req.params.id);
    const result = await scoreWorkspace(repo, { asOf: new Date() });
    res.json({ scored: result.scored, insufficient: result.insufficient, tierChanges: result.tierChanges.length, modelVersion: result.modelVersion });
  });

  return router;
}
