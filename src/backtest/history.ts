/**
 * Assembles per-account histories from the three row streams the CLI reads (signals,
 * accounts, outcomes), and the portfolio references percentile factors need at each
 * snapshot date. Everything arrives through injected async iterables.
 */
import { scoreAccount, type AccountAttributes, type Model, type ModelSet, type Signal } from '../scoring/index.ts';
import type { FitDataset, FitExample } from './fit-model.ts';
import { replayBacktest, type AccountHistory, type AccountOutcome, type ReplayOptions } from './replay.ts';
import { isoDay, DAY_MS } from './dates.ts';

export interface SignalInput {
  readonly accountId: string;
  readonly metric: string;
  readonly value: number;
  /** Epoch milliseconds. */
  readonly observedAt: number;
}

export interface AccountInput extends AccountAttributes {
  readonly accountId: string;
}

export interface OutcomeInput {
  readonly accountId: string;
  readonly outcome: AccountOutcome['outcome'];
  readonly occurredAt: Date;
}

export interface AssembledHistories {
  readonly histories: AccountHistory[];
  readonly firstSignal: Date | null;
  readonly lastSignal: Date | null;
  /** The latest outcome date: beyond it nobody knows who churned. */
  readonly outcomesKnownUntil: Date | null;
  readonly signalRows: number;
  readonly outcomeRows: number;
  /** Outcomes for accounts that have neither signals nor an accounts-file row. */
  readonly outcomesWithoutAccount: number;
}

export async function assembleHistories(input: {
  signals: AsyncIterable<SignalInput> | Iterable<SignalInput>;
  accounts?: AsyncIterable<AccountInput> | Iterable<AccountInput>;
  outcomes: AsyncIterable<OutcomeInput> | Iterable<OutcomeInput>;
}): Promise<AssembledHistories> {
  const signals = new Map<string, Signal[]>();
  const accounts = new Map<string, AccountAttributes>();
  const outcomes = new Map<string, AccountOutcome[]>();
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  let signalRows = 0;
  for await (const row of input.signals) {
    signalRows += 1;
    let list = signals.get(row.accountId);
    if (!list) {
      list = [];
      signals.set(row.accountId, list);
    }
    list.push({ metric: row.metric, value: row.value, observedAt: new Date(row.observedAt) });
    first = Math.min(first, row.observedAt);
    last = Math.max(last, row.observedAt);
  }
  if (input.accounts) for await (const account of input.accounts) accounts.set(account.accountId, account);
  let knownUntil = Number.NEGATIVE_INFINITY;
  let outcomeRows = 0;
  for await (const row of input.outcomes) {
    outcomeRows += 1;
    let list = outcomes.get(row.accountId);
    if (!list) {
      list = [];
      outcomes.set(row.accountId, list);
    }
    list.push({ outcome: row.outcome, occurredAt: row.occurredAt });
    knownUntil = Math.max(knownUntil, row.occurredAt.getTime());
  }
  const ids = [...new Set([...signals.keys(), ...accounts.keys()])].sort();
  const known = new Set(ids);
  const histories = ids.map(
    (accountId): AccountHistory => ({
      accountId,
      account: { accountId, ...accounts.get(accountId) },
      signals: (signals.get(accountId) ?? []).sort((a, b) => a.observedAt.getTime() - b.observedAt.getTime()),
      outcomes: outcomes.get(accountId) ?? [],
    }),
  );
  return {
    histories,
    firstSignal: Number.isFinite(first) ? new Date(first) : null,
    lastSignal: Number.isFinite(last) ? new Date(last) : null,
    outcomesKnownUntil: Number.isFinite(knownUntil) ? new Date(knownUntil) : null,
    signalRows,
    outcomeRows,
    outcomesWithoutAccount: [...outcomes.keys()].filter((id) => !known.has(id)).length,
  };
}

/**
 * Percentile factors rank an account against its peers at the same date: for each date and
 * percentile factor, the sorted latest fresh values of every account (the whole portfolio;
 * per-segment references would need a segment definition the history files do not carry).
 */
export function portfolioReferences(
  histories: readonly AccountHistory[],
  dates: readonly Date[],
  models: ModelSet | readonly Model[],
): ReplayOptions['references'] {
  const list = 'models' in models ? models.models : models;
  const factors = list.flatMap((m) => m.factors.filter((f) => f.normalization.type === 'percentile'));
  if (factors.length === 0) return undefined;
  const unique = factors.filter((f, i) => factors.findIndex((g) => g.id === f.id) === i);
  const values = dates.map(() => unique.map((): number[] => []));
  // One forward walk per account: a pointer into its sorted signals and the latest value per metric.
  for (const h of histories) {
    const latest = new Map<string, Signal>();
    let next = 0;
    dates.forEach((date, di) => {
      const t = date.getTime();
      while (next < h.signals.length && (h.signals[next] as Signal).observedAt.getTime() <= t) {
        const s = h.signals[next] as Signal;
        latest.set(s.metric, s);
        next += 1;
      }
      unique.forEach((factor, fi) => {
        const s = latest.get(factor.metric);
        if (s && (t - s.observedAt.getTime()) / DAY_MS <= factor.maxAgeDays) values[di]?.[fi]?.push(s.value);
      });
    });
  }
  const byDate = new Map<string, Record<string, Float64Array>>();
  dates.forEach((date, di) => {
    const references: Record<string, Float64Array> = {};
    unique.forEach((factor, fi) => {
      references[factor.id] = Float64Array.from(values[di]?.[fi] ?? []).sort();
    });
    byDate.set(isoDay(date), references);
  });
  return (date) => byDate.get(isoDay(date));
}

/**
 * Fitting examples from a replay: one per scored snapshot, labelled by churn (expansion)
 * within the horizon, grouped by account so cross-validation never splits an account.
 */
export async function historyFitDataset(
  histories: readonly AccountHistory[],
  model: Model,
  options: Omit<ReplayOptions, 'models' | 'onSnapshot' | 'churnModel' | 'expansionModel'>,
): Promise<FitDataset> {
  const examples: FitExample[] = [];
  const rescorers: ((m: Model) => number)[] = [];
  await replayBacktest(histories, {
    ...options,
    models: [model],
    onSnapshot: (snapshot) => {
      examples.push({
        factorScores: Float64Array.from(snapshot.result.factors, (f) => f.score ?? Number.NaN),
        churned: snapshot.churned,
        expanded: snapshot.expanded,
        group: snapshot.accountIndex,
      });
      // Hysteresis state is irrelevant to the unrounded score, so it is left out.
      const { previous: _previous, ...context } = snapshot.context;
      rescorers.push((m) => scoreAccount(m, snapshot.signals, snapshot.date, context).rawScore ?? Number.NaN);
    },
  });
  return {
    model,
    examples,
    horizonDays: options.horizonDays,
    rescore: (m, index) => (rescorers[index] as (m: Model) => number)(m),
  };
}
