import {
  DAY_MS, compileModel, scoreAccount, selectModel, TIERS,
  type CompiledModel, type Model, type ScoreResult, type ScoreSnapshot, type Tier, type TierState,
} from '../scoring/index.ts';
import type { AccountRow, ScoreInput, ScoreRow, WorkspaceRepository } from '../storage/workspace-repository.ts';
import type { ProbabilityModel } from '../backtest/index.ts';
import { probabilityFor } from './predictive-layer.ts';
import { activeModelSet } from './workspace-models.ts';

export type TierChange = {
  accountId: string;
  crmId: string;
  from: Tier | null;
  to: Tier;
  previousScore: number | null;
  score: number | null;
  drivers: ReadonlyArray<{ factor: string; points: number; text: string }>;
};

export type ScoreWorkspaceResult = {
  asOf: Date;
  modelVersion: number;
  accounts: number;
  scored: number;
  insufficient: number;
  tierChanges: TierChange[];
  /** Accounts whose score fell by more than `dropAlertPoints` (as the timeline trace counts it) since their previous score. */
  drops: TierChange[];
};

export type ScoreWorkspaceOptions = {
  asOf: Date;
  /** Only these accounts (ids); all accounts when absent. */
  accountIds?: readonly string[];
  /** A drop of this many points or more between runs is reported (timeline trace). */
  dropAlertPoints?: number;
  pageSize?: number;
  onProgress?: (done: number, total: number) => void | Promise<void>;
};

const isTier = (value: string): value is Tier => (TIERS as readonly string[]).includes(value);

/** Stored score row → the compact, serialisable form kept in `scores.result`. */
export function storedResult(result: ScoreResult): Record<string, unknown> {
  return {
    score: result.score,
    tier: result.tier,
    tierChanged: result.tierChanged,
    tierHeldBy: result.tierHeldBy,
    confidence: result.confidence,
    insufficientData: result.insufficientData,
    categories: result.categories,
    drivers: result.drivers.map((d) => ({ factor: d.factor, points: d.points, text: d.text })),
    trend: result.trend,
    lifecycleStage: result.lifecycleStage,
    modelId: result.modelId,
    modelVersion: result.modelVersion,
    missing: result.factors.filter((f) => f.status !== 'ok').map((f) => ({ factor: f.id, metric: f.metric, status: f.status })),
    factors: result.factors.map((f) => ({
      id: f.id, category: f.category, score: f.score === null ? null : Math.round(f.score * 10) / 10,
      contribution: Math.round(f.contribution * 10) / 10, observed: f.observedValue, status: f.status,
    })),
  };
}

/** One stored score row: what the history, the CRM write-back and the dashboard read. */
export function scoreRow(accountId: string, scored: ScoreResult, modelVersion: number, churnModel: ProbabilityModel | null | undefined): ScoreInput {
  return {
    accountId,
    modelKey: scored.modelId,
    modelVersion,
    asOf: scored.scoredAt,
    score: scored.score,
    rawScore: scored.rawScore,
    tier: scored.tier ?? 'insufficient_data',
    tierSince: scored.tierSince,
    confidence: scored.confidence,
    insufficientData: scored.insufficientData,
    lifecycleStage: scored.lifecycleStage,
    churnProbability: scored.insufficientData ? null : probabilityFor(churnModel, scored),
    result: storedResult(scored),
  };
}

function previousTier(row: ScoreRow | undefined): TierState | null {
  if (!row || !isTier(row.tier) || !row.tierSince) return null;
  return { tier: row.tier, since: row.tierSince };
}

function attributesOf(account: AccountRow) {
  return {
    accountId: account.id,
    segment: account.segment,
    seats: account.seats,
    customerSince: account.customerSince,
    renewalDate: account.renewalDate,
    attributes: account.attributes,
  };
}

/**
 * Scores a workspace's accounts as of a date with its published model set, stores each result
 * with its model version, and reports tier changes and large drops for the actions stage.
 * Re-running for the same as-of date is idempotent (one score per account, model version and date).
 */
export async function scoreWorkspace(repo: WorkspaceRepository, options: ScoreWorkspaceOptions): Promise<ScoreWorkspaceResult> {
  const { asOf } = options;
  const { set, version, predictive } = await activeModelSet(repo);
  const compiled = new Map<Model, CompiledModel>(set.models.map((m) => [m, compileModel(m)]));
  const pageSize = options.pageSize ?? 500;
  const historyWindowDays = Math.max(...set.models.map((m) => m.trend.windowDays)) + 60;

  const total = options.accountIds ? options.accountIds.length : await repo.accounts.count();
  const result: ScoreWorkspaceResult = { asOf, modelVersion: version, accounts: total, scored: 0, insufficient: 0, tierChanges: [], drops: [] };

  for (let offset = 0; offset < total; offset += pageSize) {
    const page = options.accountIds
      ? (await Promise.all(options.accountIds.slice(offset, offset + pageSize).map((id) => repo.accounts.get(id)))).filter(
          (a): a is AccountRow => a !== null,
        )
      : await repo.accounts.list({ limit: pageSize, offset });
    if (page.length === 0) break;
    const ids = page.map((a) => a.id);
    const [signals, latest, history] = await Promise.all([
      repo.signals.latestAsOf(ids, asOf),
      repo.scores.latest(ids),
      repo.scores.historyFor(ids, new Date(asOf.getTime() - historyWindowDays * DAY_MS)),
    ]);
    const signalsByAccount = Map.groupBy(signals, (s) => s.accountId);
    const latestByAccount = new Map(latest.map((r) => [r.accountId, r]));

    const rows: ScoreInput[] = [];
    for (const account of page) {
      const attributes = attributesOf(account);
      const { model, stage } = selectModel(set, attributes, asOf);
      const previousRow = latestByAccount.get(account.id);
      // History strictly before this date; a rerun of the same date must not see itself.
      const snapshots: ScoreSnapshot[] = (history.get(account.id) ?? [])
        .filter((r) => r.asOf < asOf)
        .map((r) => ({ at: r.asOf, score: r.insufficientData ? null : r.score, modelId: r.modelKey, modelVersion: r.modelVersion }));
      const previousBefore = previousRow && previousRow.asOf < asOf ? previousRow : undefined;
      const scored = scoreAccount(compiled.get(model) ?? model, signalsByAccount.get(account.id) ?? [], asOf, {
        ...attributes,
        lifecycleStage: stage,
        previous: previousTier(previousBefore),
        history: snapshots,
      });
      rows.push(scoreRow(account.id, scored, version, predictive?.churn));
      result.scored += 1;
      if (scored.insufficientData) result.insufficient += 1;
      const drivers = scored.drivers.map((d) => ({ factor: d.factor, points: d.points, text: d.text }));
      const previousScore = previousBefore?.score ?? null;
      const from = previousBefore && isTier(previousBefore.tier) ? previousBefore.tier : null;
      if (scored.tierChanged && scored.tier && previousBefore) {
        result.tierChanges.push({ accountId: account.id, crmId: account.crmId, from, to: scored.tier, previousScore, score: scored.score, drivers });
      } else if (
        options.dropAlertPoints !== undefined && scored.tier && previousScore !== null && scored.score !== null &&
        previousScore - scored.score > options.dropAlertPoints
      ) {
        result.drops.push({ accountId: account.id, crmId: account.crmId, from, to: scored.tier, previousScore, score: scored.score, drivers });
      }
    }
    await repo.scores.insertMany(rows);
    await options.onProgress?.(Math.min(offset + page.length, total), total);
  }
  return result;
}
