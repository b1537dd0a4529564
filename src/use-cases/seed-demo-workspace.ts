import { generatePortfolio, type DemoAccount, type DemoSignal } from '../demo/generate-portfolio.ts';
import {
  DAY_MS, compileModel, scoreAccount, selectModel, type CompiledModel, type Model, type ScoreSnapshot, type TierState,
} from '../scoring/index.ts';
import type { WorkspaceDirectory, WorkspaceRow } from '../storage/workspace-directory.ts';
import type { ScoreInput, WorkspaceRepository } from '../storage/workspace-repository.ts';
import { DEFAULT_MODEL_INPUT } from '../scoring/index.ts';
import { validateDemoPortfolio, validateDemoPortfolioInWorker } from './demo-validation.ts';
import { scoreRow } from './score-workspace.ts';
import { activeModelSet } from './workspace-models.ts';

export const DEMO_WORKSPACE_NAME = 'Demo portfolio (synthetic)';

export type SeedDemoOptions = {
  seed?: number;
  accounts?: number;
  weeks?: number;
  /** The last day of the portfolio; today by default. */
  endDate?: Date;
  /** Weekly scored history over this many final weeks. */
  scoredWeeks?: number;
  onProgress?: (message: string) => void;
  /** Stops between chunks; an interrupted demo is removed and rebuilt on the next call. */
  signal?: AbortSignal;
  /** Run the validation on this thread (the CLI, which has no server to keep responsive). */
  inline?: boolean;
};

export type SeedDemoResult = {
  workspace: WorkspaceRow;
  created: boolean;
  accounts: number;
  signals: number;
  outcomes: number;
  scores: number;
  ms: number;
};

function accountInput(a: DemoAccount) {
  return {
    crmId: a.accountId,
    name: a.name,
    domain: a.domain,
    segment: a.segment,
    seats: a.seats,
    customerSince: a.customerSince,
    renewalDate: a.renewalDate,
    owner: a.ownerName,
    attributes: { plan: a.plan, region: a.region, industry: a.industry, mrr: a.mrr },
  };
}

/** Groups a signal stream that arrives account by account, without holding more than one account. */
function* byAccount(signals: Iterable<DemoSignal>): Generator<{ accountId: string; signals: DemoSignal[] }> {
  let current: { accountId: string; signals: DemoSignal[] } | null = null;
  for (const signal of signals) {
    if (current && current.accountId !== signal.accountId) {
      yield current;
      current = null;
    }
    current ??= { accountId: signal.accountId, signals: [] };
    current.signals.push(signal);
  }
  if (current) yield current;
}

/** Signals from `fromMs` on, plus the latest earlier observation of each metric. */
function storedSignals(signals: readonly DemoSignal[], fromMs: number): DemoSignal[] {
  const lastBefore = new Map<string, DemoSignal>();
  const kept: DemoSignal[] = [];
  for (const s of signals) {
    if (s.observedAt.getTime() >= fromMs) kept.push(s);
    else if ((lastBefore.get(s.metric)?.observedAt.getTime() ?? -Infinity) <= s.observedAt.getTime()) lastBefore.set(s.metric, s);
  }
  return [...lastBefore.values(), ...kept];
}

/**
 * Creates (or returns) the demo workspace: a synthetic portfolio from src/demo with its
 * signals, outcomes and a weekly scored history, so a new user sees the product work
 * before connecting a CRM. Deterministic for a given seed and end date.
 */
export async function seedDemoWorkspace(
  directory: WorkspaceDirectory,
  openRepo: (workspaceId: string) => WorkspaceRepository,
  options: SeedDemoOptions = {},
): Promise<SeedDemoResult> {
  const started = performance.now();
  let existing = await directory.findByKind('demo');
  if (existing && !(existing.settings.demo as { complete?: boolean } | undefined)?.complete) {
    await directory.remove(existing.id);
    existing = null;
  }
  if (existing) {
    const repo = openRepo(existing.id);
    return {
      workspace: existing, created: false, accounts: await repo.accounts.count(), signals: await repo.signals.count(),
      outcomes: (await repo.outcomes.list()).length, scores: 0, ms: Math.round(performance.now() - started),
    };
  }
  const seed = options.seed ?? 42;
  const endDate = new Date(Math.floor((options.endDate ?? new Date()).getTime() / DAY_MS) * DAY_MS);
  const portfolio = generatePortfolio({ seed, endDate, ...(options.accounts ? { accounts: options.accounts } : {}), ...(options.weeks ? { weeks: options.weeks } : {}) });
  const workspace = await directory.create({
    name: DEMO_WORKSPACE_NAME,
    kind: 'demo',
    settings: { demo: { seed, endDate: endDate.toISOString(), accounts: portfolio.accounts.length } },
  });
  const repo = openRepo(workspace.id);
  const say = options.onProgress ?? (() => undefined);

  const rows = await repo.accounts.upsertMany(portfolio.accounts.map(accountInput));
  const idOf = new Map(rows.map((r) => [r.crmId, r.id]));
  const accountOf = new Map(portfolio.accounts.map((a) => [a.accountId, a]));
  say(`demo: ${rows.length} accounts`);

  // Validation first, as a real tenant would: a churn probability fitted on the portfolio's own
  // outcomes and a backtest of the published model (in a worker thread: seconds of CPU).
  const validation = await (options.inline ? validateDemoPortfolio : validateDemoPortfolioInWorker)({
    seed, endDate, ...(options.accounts ? { accounts: options.accounts } : {}), ...(options.weeks ? { weeks: options.weeks } : {}),
  });
  const predictive = validation.predictive;
  say(predictive ? 'demo: churn probability fitted' : `demo: no churn probability (${validation.fitSkipped ?? 'not fitted'})`);
  const { set, version } = await activeModelSet(repo, {
    definition: { models: [DEFAULT_MODEL_INPUT] },
    predictive,
    note: predictive ? 'default model with a churn probability fitted on the demo portfolio' : 'default model (too few outcomes to fit a churn probability)',
  });
  await directory.mergeSettings(workspace.id, { backtest: { at: new Date().toISOString(), result: validation.backtest, text: validation.text } });
  say('demo: backtest stored');
  const compiled = new Map<Model, CompiledModel>(set.models.map((m) => [m, compileModel(m)]));
  const scoredWeeks = options.scoredWeeks ?? 26;
  const snapshotDates = Array.from({ length: scoredWeeks }, (_, i) => new Date(endDate.getTime() - (scoredWeeks - 1 - i) * 7 * DAY_MS));

  // The database keeps the scored window plus 90 days (and the last earlier value of each metric, for
  // slow signals such as NPS); the full 18 months stay available through `crm-health demo --out DIR`.
  const storeFrom = (snapshotDates[0]?.getTime() ?? endDate.getTime()) - 90 * DAY_MS;
  let signalCount = 0;
  let scoreCount = 0;
  let pendingSignals: Parameters<WorkspaceRepository['signals']['insertMany']>[0][number][] = [];
  let pendingScores: ScoreInput[] = [];
  const flush = async (force: boolean) => {
    if (pendingSignals.length >= 20_000 || (force && pendingSignals.length > 0)) {
      signalCount += await repo.signals.insertMany(pendingSignals);
      pendingSignals = [];
      say(`demo: ${signalCount} signals stored`);
    }
    if (pendingScores.length >= 5_000 || (force && pendingScores.length > 0)) {
      scoreCount += await repo.scores.insertMany(pendingScores);
      pendingScores = [];
    }
  };

  for (const { accountId: crmId, signals } of byAccount(portfolio.signals())) {
    const accountId = idOf.get(crmId);
    const demo = accountOf.get(crmId);
    if (!accountId || !demo) continue;
    for (const s of storedSignals(signals, storeFrom)) {
      pendingSignals.push({ accountId, metric: s.metric, value: s.value, observedAt: s.observedAt, source: 'demo' });
    }

    // The scored history replays the same engine week by week, as the pipeline would have.
    const attributes = { accountId, segment: demo.segment, seats: demo.seats, customerSince: demo.customerSince, renewalDate: demo.renewalDate, attributes: { plan: demo.plan, region: demo.region, industry: demo.industry } };
    const history: ScoreSnapshot[] = [];
    let previous: TierState | null = null;
    const lastSignal = signals.at(-1)?.observedAt.getTime() ?? 0;
    for (const asOf of snapshotDates) {
      if (asOf.getTime() < demo.customerSince.getTime()) continue;
      // A churned account stops being scored a few weeks after its data stops.
      if (asOf.getTime() > lastSignal + 28 * DAY_MS) break;
      const { model, stage } = selectModel(set, attributes, asOf);
      const result = scoreAccount(compiled.get(model) ?? model, signals, asOf, { ...attributes, lifecycleStage: stage, previous, history });
      pendingScores.push(scoreRow(accountId, result, version, predictive?.churn));
      history.push({ at: asOf, score: result.insufficientData ? null : result.score, modelId: result.modelId, modelVersion: version });
      if (result.tier && result.tierSince) previous = { tier: result.tier, since: result.tierSince };
    }
    await flush(false);
    options.signal?.throwIfAborted();
    // Scoring is CPU work: give the event loop a turn so a server in the same process keeps answering.
    await new Promise((resolve) => setImmediate(resolve));
  }
  await flush(true);

  const outcomeCount = await repo.outcomes.insertMany(
    portfolio.outcomes.flatMap((o) => {
      const accountId = idOf.get(o.accountId);
      return accountId ? [{ accountId, outcome: o.outcome, occurredAt: o.occurredAt, source: 'demo' }] : [];
    }),
  );
  await directory.mergeSettings(workspace.id, { demo: { seed, endDate: endDate.toISOString(), accounts: rows.length, complete: true } });
  await repo.audit.record('system', 'demo.seeded', workspace.id, { seed, accounts: rows.length, signals: signalCount, scores: scoreCount });
  return {
    workspace: { ...workspace, settings: { ...workspace.settings, demo: { seed, complete: true } } }, created: true, accounts: rows.length, signals: signalCount, outcomes: outcomeCount, scores: scoreCount,
    ms: Math.round(performance.now() - started),
  };
}
