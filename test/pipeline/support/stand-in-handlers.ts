import { z } from 'zod';
import { StageError } from '../../../src/pipeline/job-errors.ts';
import type { JobContext, StageHandlers } from '../../../src/pipeline/types.ts';

export const STANDIN_PROVIDER = 'standin';
const OBSERVED_AT = new Date('2026-01-01T00:00:00Z');

const PageSchema = z.object({
  results: z.array(z.object({ id: z.string(), name: z.string(), wau: z.number(), csat: z.number() })),
  next: z.string().nullable(),
});
const CheckpointSchema = z.object({ after: z.string().nullable() });

async function call(ctx: JobContext, url: string, init: RequestInit = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: ctx.signal });
  } catch (error) {
    throw new StageError('retryable', `stand-in CRM unreachable: ${(error as Error).message}`);
  }
  if (res.status === 429) {
    const seconds = Number(res.headers.get('retry-after') ?? '1');
    throw new StageError('rate_limited', 'stand-in CRM rate limit', { retryAfterMs: seconds * 1000 });
  }
  if (res.status === 401) throw new StageError('needs_reauth', 'stand-in CRM rejected the token');
  if (res.status >= 500) throw new StageError('retryable', `stand-in CRM answered ${res.status}`);
  if (!res.ok) throw new StageError('permanent', `stand-in CRM answered ${res.status}: ${await res.text()}`);
  return res;
}

/** Deterministic test score: what the account's signals say, so the same data always gives the same value. */
export function standInScore(wau: number, csat: number): number {
  return Math.round(Math.min(100, Math.max(0, wau * 0.6 + csat * 8)));
}

async function portalOf(ctx: JobContext): Promise<string> {
  const connection = ctx.connectionId ? await ctx.repo.connections.get(ctx.connectionId) : null;
  if (!connection) throw new StageError('permanent', 'task has no connection');
  return connection.externalAccountId;
}

/**
 * Test-only stage handlers against the stand-in CRM: a pull that saves a checkpoint after every
 * page through the real sync_state, a deterministic score, and a write back that sends only changed
 * values in batches of 100 and records what it wrote in crm_writes after each batch.
 */
export function standInHandlers(baseUrl: string, options: { score?: StageHandlers['score'] } = {}): StageHandlers {
  return {
    pull: {
      [STANDIN_PROVIDER]: {
        objects: ['companies'],
        async run(ctx) {
          const connectionId = ctx.connectionId as string;
          const portal = await portalOf(ctx);
          if (ctx.options.objectIds) {
            const res = await call(ctx, `${baseUrl}/portals/${portal}/companies?ids=${ctx.options.objectIds.join(',')}`);
            const page = PageSchema.parse(await res.json());
            await store(ctx, page.results);
            return { counts: { pulled: page.results.length } };
          }
          const saved = await ctx.repo.sync.get(connectionId, 'companies');
          const checkpoint = CheckpointSchema.safeParse(saved?.checkpoint);
          let after = ctx.options.full || !checkpoint.success ? null : checkpoint.data.after;
          let pulled = 0;
          for (;;) {
            const res = await call(ctx, `${baseUrl}/portals/${portal}/companies?limit=100${after ? `&after=${after}` : ''}`);
            const page = PageSchema.parse(await res.json());
            await store(ctx, page.results);
            pulled += page.results.length;
            after = page.next;
            // Checkpoint after every page; the finished state rewinds to the start for the next incremental run.
            await ctx.repo.sync.save(connectionId, 'companies', { checkpoint: { after } });
            await ctx.reportProgress({ counts: { pulled }, message: `page after ${after ?? 'end'}` });
            if (!after) break;
          }
          return { counts: { pulled } };
        },
      },
    },
    score: options.score ?? (async (ctx) => {
      const ids = ctx.since ? await ctx.repo.signals.accountsChangedSince(ctx.since) : (await listAll(ctx)).map((a) => a.id);
      const asOf = new Date();
      let scored = 0;
      for (let i = 0; i < ids.length; i += 500) {
        const part = ids.slice(i, i + 500);
        const latest = await ctx.repo.signals.latestAsOf(part, asOf);
        const byAccount = new Map<string, Record<string, number>>();
        for (const s of latest) byAccount.set(s.accountId, { ...byAccount.get(s.accountId), [s.metric]: s.value });
        const rows = part.map((accountId) => {
          const m = byAccount.get(accountId) ?? {};
          const score = standInScore(m['usage.weekly_active_users'] ?? 0, m['support.csat'] ?? 0);
          return {
            accountId, modelKey: 'standin', modelVersion: 1, asOf, score, rawScore: score, tier: score >= 80 ? 'healthy' : score >= 40 ? 'at_risk' : 'critical',
            confidence: 1, insufficientData: false, result: {},
          };
        });
        scored += await ctx.repo.scores.insertMany(rows);
        await ctx.reportProgress({ counts: { scored }, done: Math.min(ids.length, i + 500), total: ids.length });
      }
      return { counts: { scored } };
    }),
    writeBack: {
      [STANDIN_PROVIDER]: async (ctx) => {
        const portal = await portalOf(ctx);
        const accounts = await listAll(ctx);
        const latest = new Map((await ctx.repo.scores.latest(accounts.map((a) => a.id))).map((s) => [s.accountId, s]));
        const previous = await ctx.repo.crmWrites.get(STANDIN_PROVIDER, accounts.map((a) => a.id));
        const changed = accounts.flatMap((a) => {
          const score = latest.get(a.id);
          if (!score || score.score === null) return [];
          const values = { health_score: String(score.score), health_tier: score.tier };
          const before = previous.get(a.id);
          return before && before.health_score === values.health_score && before.health_tier === values.health_tier ? [] : [{ account: a, values }];
        });
        let written = 0;
        for (let i = 0; i < changed.length; i += 100) {
          const batch = changed.slice(i, i + 100);
          await call(ctx, `${baseUrl}/portals/${portal}/companies/batch-update`, {
            method: 'POST', headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ inputs: batch.map((c) => ({ id: c.account.crmId, properties: c.values })) }),
          });
          await ctx.repo.crmWrites.save(STANDIN_PROVIDER, batch.map((c) => ({ accountId: c.account.id, values: c.values })));
          written += batch.length;
          await ctx.reportProgress({ counts: { written }, done: written, total: changed.length });
        }
        return { counts: { written, unchanged: accounts.length - changed.length } };
      },
    },
    actions: async () => ({ counts: { traces: 0 } }),
  };
}

async function listAll(ctx: JobContext) {
  const out = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await ctx.repo.accounts.list({ limit: 1000, offset });
    out.push(...page);
    if (page.length < 1000) return out;
  }
}

async function store(ctx: JobContext, companies: ReadonlyArray<z.infer<typeof PageSchema>['results'][number]>) {
  const accounts = await ctx.repo.accounts.upsertMany(companies.map((c) => ({ crmId: c.id, name: c.name })));
  const byCrm = new Map(accounts.map((a) => [a.crmId, a.id]));
  await ctx.repo.signals.insertMany(companies.flatMap((c) => {
    const accountId = byCrm.get(c.id);
    if (!accountId) return [];
    return [
      { accountId, metric: 'usage.weekly_active_users', value: c.wau, observedAt: OBSERVED_AT, source: STANDIN_PROVIDER },
      { accountId, metric: 'support.csat', value: c.csat, observedAt: OBSERVED_AT, source: STANDIN_PROVIDER },
    ];
  }));
}
