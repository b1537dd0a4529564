/**
 * Stage handlers for the pipeline load benchmark: a stub pull that produces signals (no HTTP),
 * the real scoring engine, and the stand-in CRM's batch write back (HTTP, rate limited).
 */
import { compileModel, defaultModel, scoreAccount, type Signal } from '../src/scoring/index.ts';
import type { JobContext, StageHandlers } from '../src/pipeline/types.ts';
import { standInHandlers, STANDIN_PROVIDER } from '../test/pipeline/support/stand-in-handlers.ts';

const DAY = 86_400_000;
const compiled = compileModel(defaultModel);

/** Deterministic per account: the same workspace and index always produce the same signals. */
function signalsFor(workspaceId: string, index: number, now: number) {
  let h = index * 2_654_435_761;
  for (const c of workspaceId) h = (h ^ c.charCodeAt(0)) * 16_777_619;
  const r = (k: number) => (((h >>> 0) + k * 40_503) % 1000) / 1000;
  const observedAt = new Date(Math.floor(now / DAY) * DAY - DAY);
  return [
    { metric: 'usage.active_user_ratio', value: r(1) },
    { metric: 'usage.login_days_30d', value: Math.round(r(2) * 25) },
    { metric: 'engagement.email_reply_rate', value: r(3) * 0.6 },
    { metric: 'engagement.days_since_last_touch', value: Math.round(r(4) * 100) },
  ].map((s) => ({ ...s, observedAt }));
}

export function benchHandlers(standInUrl: string, accountsPerWorkspace: number): StageHandlers {
  const standIn = standInHandlers(standInUrl);
  return {
    pull: {
      [STANDIN_PROVIDER]: {
        objects: ['companies'],
        async run(ctx: JobContext) {
          const connectionId = ctx.connectionId as string;
          const now = Date.now();
          for (let start = 0; start < accountsPerWorkspace; start += 250) {
            const indexes = Array.from({ length: Math.min(250, accountsPerWorkspace - start) }, (_, i) => start + i);
            const accounts = await ctx.repo.accounts.upsertMany(indexes.map((i) => ({ crmId: `c${String(i + 1).padStart(5, '0')}`, seats: 50 })));
            await ctx.repo.signals.insertMany(accounts.flatMap((a, i) =>
              signalsFor(ctx.workspaceId, indexes[i] ?? 0, now).map((s) => ({ ...s, accountId: a.id, source: STANDIN_PROVIDER }))));
            await ctx.repo.sync.save(connectionId, 'companies', { checkpoint: { next: start + 250 } });
          }
          return { counts: { pulled: accountsPerWorkspace } };
        },
      },
    },
    async score(ctx) {
      const asOf = new Date();
      const accounts = [];
      for (let offset = 0; ; offset += 1000) {
        const page = await ctx.repo.accounts.list({ limit: 1000, offset });
        accounts.push(...page);
        if (page.length < 1000) break;
      }
      const changed = ctx.since ? new Set(await ctx.repo.signals.accountsChangedSince(ctx.since)) : null;
      const targets = changed ? accounts.filter((a) => changed.has(a.id)) : accounts;
      const latest = await ctx.repo.signals.latestAsOf(targets.map((a) => a.id), asOf);
      const byAccount = new Map<string, Signal[]>();
      for (const s of latest) byAccount.set(s.accountId, [...(byAccount.get(s.accountId) ?? []), s]);
      const rows = targets.map((a) => {
        const result = scoreAccount(compiled, byAccount.get(a.id) ?? [], asOf, { accountId: a.id, seats: a.seats });
        return {
          accountId: a.id, modelKey: 'default', modelVersion: defaultModel.version ?? 1, asOf, score: result.score, rawScore: result.rawScore,
          tier: result.tier ?? 'insufficient_data', confidence: result.confidence, insufficientData: result.insufficientData,
          lifecycleStage: result.lifecycleStage, result: { categories: result.categories },
        };
      });
      const scored = await ctx.repo.scores.insertMany(rows);
      return { counts: { scored } };
    },
    writeBack: standIn.writeBack,
    actions: async () => ({ counts: { traces: 0 } }),
  };
}
