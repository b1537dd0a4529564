/**
 * Point-in-time replay: at each snapshot date, score every account with the signals
 * observed on or before that date — through the production scoring engine — and label the
 * snapshot by whether the account churned (or expanded) within the horizon after it.
 * Accounts are streamed one at a time and every figure is accumulated in fixed-size bins,
 * so memory depends on neither the number of snapshots nor of accounts (beyond one lead
 * time per churned account).
 */
import {
  scoreAccount,
  selectModel,
  type AccountAttributes,
  type Model,
  type ModelSet,
  type ScoreContext,
  type ScoreResult,
  type Signal,
  type Tier,
  type TierState,
} from '../scoring/index.ts';
import { addDays, isoDay, snapshotDates } from './dates.ts';
import { leadTimeDays, summariseLeadTimes, type LeadTimeSummary, type SnapshotFlag } from './lead-time.ts';
import { accountFold, OutcomeAccumulator, type OutcomeFigures } from './outcome-figures.ts';
import { predictOutcomeProbability, type ProbabilityModel } from './probability-model.ts';

export const OUTCOME_KINDS = ['churned', 'renewed', 'expanded'] as const;
export type OutcomeKindName = (typeof OUTCOME_KINDS)[number];

export interface AccountOutcome {
  readonly outcome: OutcomeKindName;
  readonly occurredAt: Date;
}

export interface AccountHistory {
  readonly accountId: string;
  readonly account: AccountAttributes;
  /** Any order; the replay sorts a copy when needed. */
  readonly signals: readonly Signal[];
  readonly outcomes: readonly AccountOutcome[];
}

export interface ReplaySnapshot {
  readonly accountIndex: number;
  readonly accountId: string;
  readonly date: Date;
  readonly model: Model;
  readonly result: ScoreResult;
  /** Signals observed on or before `date` (what the score saw). */
  readonly signals: readonly Signal[];
  readonly context: ScoreContext;
  readonly churned: boolean;
  readonly expanded: boolean;
}

export interface ReplayOptions {
  readonly models: ModelSet | readonly Model[];
  readonly from: Date;
  readonly to: Date;
  readonly everyDays: number;
  readonly horizonDays: number;
  /**
   * Outcomes are known up to this date; a snapshot whose horizon ends later is censored
   * (left out) rather than counted as "did not churn".
   */
  readonly outcomesKnownUntil: Date | null;
  readonly churnModel?: ProbabilityModel | null;
  readonly expansionModel?: ProbabilityModel | null;
  /** Percentile references (sorted values per factor id) at a date, for models with percentile factors. */
  readonly references?: (date: Date, model: Model, account: AccountAttributes) => Readonly<Record<string, ArrayLike<number>>> | undefined;
  /** Sees every scored snapshot (e.g. to collect factor scores for fitting). */
  readonly onSnapshot?: (snapshot: ReplaySnapshot) => void;
}

export interface GroupFigures {
  name: string;
  /** Snapshots with a usable score. */
  scored: number;
  insufficientData: number;
  churn: OutcomeFigures;
  expansion: OutcomeFigures | null;
  /** Null for wide files, which have no dates. */
  leadTime: LeadTimeSummary | null;
}

export interface TierCountsAtDate {
  date: string;
  healthy: number;
  at_risk: number;
  critical: number;
  insufficientData: number;
}

export interface ReplayResult {
  kind: 'replay';
  from: string;
  to: string;
  everyDays: number;
  horizonDays: number;
  outcomesKnownUntil: string | null;
  snapshotDates: string[];
  accounts: number;
  snapshots: {
    scored: number;
    insufficientData: number;
    /** Horizon reaches past the known outcomes. */
    censored: number;
    /** Dates after the account had already churned. */
    afterChurn: number;
    /** Dates before the account became a customer. */
    beforeCustomer: number;
  };
  hasExpansions: boolean;
  overall: GroupFigures;
  segments: GroupFigures[];
  lifecycleStages: GroupFigures[];
  tierDistribution: TierCountsAtDate[];
}

class GroupAccumulator {
  readonly name: string;
  scored = 0;
  insufficientData = 0;
  readonly churn = new OutcomeAccumulator('churn');
  readonly expansion = new OutcomeAccumulator('expansion');
  readonly leadTimes: number[] = [];
  missed = 0;

  constructor(name: string) {
    this.name = name;
  }
}

function groupFor(groups: Map<string, GroupAccumulator>, name: string): GroupAccumulator {
  let group = groups.get(name);
  if (!group) {
    group = new GroupAccumulator(name);
    groups.set(name, group);
  }
  return group;
}

/** Index of the first signal observed after `at` (signals sorted by observedAt). */
function observedUpTo(signals: readonly Signal[], at: number): number {
  let lo = 0;
  let hi = signals.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((signals[mid] as Signal).observedAt.getTime() <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sortedByTime(signals: readonly Signal[]): readonly Signal[] {
  for (let i = 1; i < signals.length; i += 1) {
    if ((signals[i] as Signal).observedAt.getTime() < (signals[i - 1] as Signal).observedAt.getTime()) {
      return [...signals].sort((a, b) => a.observedAt.getTime() - b.observedAt.getTime());
    }
  }
  return signals;
}

export async function replayBacktest(
  histories: Iterable<AccountHistory> | AsyncIterable<AccountHistory>,
  options: ReplayOptions,
): Promise<ReplayResult> {
  const dates = snapshotDates(options.from, options.to, options.everyDays);
  const horizonMs = options.horizonDays * 86_400_000;
  const knownUntil = options.outcomesKnownUntil?.getTime() ?? Number.POSITIVE_INFINITY;
  const overall = new GroupAccumulator('all accounts');
  const segments = new Map<string, GroupAccumulator>();
  const stages = new Map<string, GroupAccumulator>();
  const distribution: TierCountsAtDate[] = dates.map((d) => ({
    date: isoDay(d),
    healthy: 0,
    at_risk: 0,
    critical: 0,
    insufficientData: 0,
  }));
  const counts = { scored: 0, insufficientData: 0, censored: 0, afterChurn: 0, beforeCustomer: 0 };
  let accounts = 0;
  let hasExpansions = false;

  for await (const history of histories) {
    const accountIndex = accounts;
    accounts += 1;
    const signals = sortedByTime(history.signals);
    let churnAt = Number.POSITIVE_INFINITY;
    const expansions: number[] = [];
    for (const o of history.outcomes) {
      if (o.outcome === 'churned') churnAt = Math.min(churnAt, o.occurredAt.getTime());
      else if (o.outcome === 'expanded') expansions.push(o.occurredAt.getTime());
    }
    if (expansions.length > 0) hasExpansions = true;
    const fold = accountFold(history.accountId);
    const segment = groupFor(segments, history.account.segment?.trim() || 'unspecified');
    const customerSince = history.account.customerSince?.getTime() ?? Number.NEGATIVE_INFINITY;
    const flags: SnapshotFlag[] = [];
    let lastStage: string | null = null;
    let lastScoredAt = Number.NEGATIVE_INFINITY;
    let previous: TierState | null = null;

    for (let di = 0; di < dates.length; di += 1) {
      const date = dates[di] as Date;
      const t = date.getTime();
      if (churnAt <= t) {
        counts.afterChurn += dates.length - di;
        break;
      }
      if (customerSince > t) {
        counts.beforeCustomer += 1;
        continue;
      }
      if (t + horizonMs > knownUntil) {
        counts.censored += 1;
        continue;
      }
      const seen = signals.slice(0, observedUpTo(signals, t));
      const { model, stage } = selectModel(options.models, history.account, date);
      const references = options.references?.(date, model, history.account);
      const context: ScoreContext = {
        ...history.account,
        lifecycleStage: stage,
        previous,
        ...(references === undefined ? {} : { references }),
      };
      const result = scoreAccount(model, seen, date, context);
      const churned = churnAt <= t + horizonMs;
      const expanded = expansions.some((e) => e > t && e <= t + horizonMs);
      const stageGroup = groupFor(stages, stage);
      const at = distribution[di] as TierCountsAtDate;
      lastStage = stage;
      lastScoredAt = t;
      if (result.insufficientData || result.score === null || result.tier === null) {
        at.insufficientData += 1;
        counts.insufficientData += 1;
        for (const g of [overall, segment, stageGroup]) g.insufficientData += 1;
        flags.push({ date, flagged: false });
        continue;
      }
      const tier: Tier = result.tier;
      previous = { tier, since: result.tierSince ?? date };
      at[tier] += 1;
      counts.scored += 1;
      const factorScore = (id: string): number | null => result.factors.find((f) => f.id === id)?.score ?? null;
      const churnProbability = options.churnModel ? predictOutcomeProbability(options.churnModel, factorScore) : undefined;
      const expansionProbability = options.expansionModel
        ? predictOutcomeProbability(options.expansionModel, factorScore)
        : undefined;
      for (const g of [overall, segment, stageGroup]) {
        g.scored += 1;
        g.churn.add(result.score, tier, fold, churned, churnProbability);
        g.expansion.add(result.score, tier, fold, expanded, expansionProbability);
      }
      flags.push({ date, flagged: tier !== 'healthy' });
      options.onSnapshot?.({
        accountIndex,
        accountId: history.accountId,
        date,
        model,
        result,
        signals: seen,
        context,
        churned,
        expanded,
      });
    }

    // Lead time counts churns the replay could have seen coming: within the horizon of the last snapshot.
    if (Number.isFinite(churnAt) && lastScoredAt < churnAt && churnAt <= lastScoredAt + horizonMs) {
      const lead = leadTimeDays(flags, new Date(churnAt));
      const groups = [overall, segment, groupFor(stages, lastStage ?? 'unknown')];
      for (const g of groups) {
        if (lead === null) g.missed += 1;
        else g.leadTimes.push(lead);
      }
    }
  }

  const churnCalibration = overall.churn.crossFittedCalibrations();
  const expansionCalibration = overall.expansion.crossFittedCalibrations();
  const finish = (g: GroupAccumulator): GroupFigures => ({
    name: g.name,
    scored: g.scored,
    insufficientData: g.insufficientData,
    churn: g.churn.finish(churnCalibration),
    expansion: hasExpansions ? g.expansion.finish(expansionCalibration) : null,
    leadTime: summariseLeadTimes(g.leadTimes, g.missed),
  });
  const byName = (a: GroupFigures, b: GroupFigures): number => a.name.localeCompare(b.name);
  return {
    kind: 'replay',
    from: isoDay(options.from),
    to: isoDay(options.to),
    everyDays: options.everyDays,
    horizonDays: options.horizonDays,
    outcomesKnownUntil: options.outcomesKnownUntil === null ? null : isoDay(options.outcomesKnownUntil),
    snapshotDates: dates.map(isoDay),
    accounts,
    snapshots: counts,
    hasExpansions,
    overall: finish(overall),
    segments: [...segments.values()].map(finish).sort(byName),
    lifecycleStages: [...stages.values()].map(finish).sort(byName),
    tierDistribution: distribution,
  };
}

/** Default window: from the first signal to the last date whose horizon is still covered by known outcomes. */
export function defaultWindow(
  firstSignal: Date,
  lastSignal: Date,
  outcomesKnownUntil: Date | null,
  horizonDays: number,
): { from: Date; to: Date } {
  const latestUsable = outcomesKnownUntil === null ? lastSignal : addDays(outcomesKnownUntil, -horizonDays);
  const to = latestUsable.getTime() < lastSignal.getTime() ? latestUsable : lastSignal;
  return { from: firstSignal, to: to.getTime() < firstSignal.getTime() ? firstSignal : to };
}
