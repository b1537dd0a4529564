import { Worker } from 'node:worker_threads';
import {
  DEFAULT_FIT_OPTIONS, assembleHistories, defaultWindow, fitModel, formatBacktestText, historyFitDataset, replayBacktest,
  type ReplayResult,
} from '../backtest/index.ts';
import { generatePortfolio } from '../demo/generate-portfolio.ts';
import { DAY_MS, defaultModel, parseModelSet, DEFAULT_MODEL_INPUT } from '../scoring/index.ts';
import type { StoredPredictive } from './predictive-layer.ts';
import { withVersion } from './workspace-models.ts';

export type DemoValidationInput = { seed: number; endDate: Date; accounts?: number; weeks?: number };
export type DemoValidation = { predictive: StoredPredictive | null; backtest: ReplayResult; text: string; fitSkipped: string | null };

/**
 * What a real tenant would do before trusting the score, on the demo portfolio: fit a calibrated
 * churn probability on its own outcomes and backtest the published model point-in-time.
 * Pure compute (seconds of it), so the app runs it in a worker thread.
 */
export async function validateDemoPortfolio(input: DemoValidationInput): Promise<DemoValidation> {
  const portfolio = generatePortfolio({ seed: input.seed, endDate: input.endDate, ...(input.accounts ? { accounts: input.accounts } : {}), ...(input.weeks ? { weeks: input.weeks } : {}) });
  const assembled = await assembleHistories({
    signals: (function* () {
      for (const s of portfolio.signals()) yield { accountId: s.accountId, metric: s.metric, value: s.value, observedAt: s.observedAt.getTime() };
    })(),
    accounts: portfolio.accounts.map((a) => ({
      accountId: a.accountId, segment: a.segment, seats: a.seats, customerSince: a.customerSince, renewalDate: a.renewalDate,
      attributes: { plan: a.plan, region: a.region, industry: a.industry },
    })),
    outcomes: portfolio.outcomes,
  });
  const horizonDays = 90;
  const window = defaultWindow(assembled.firstSignal ?? input.endDate, assembled.lastSignal ?? input.endDate, assembled.outcomesKnownUntil, horizonDays);
  const replayWindow = { from: new Date(window.from.getTime() + 90 * DAY_MS), to: window.to, everyDays: 30, horizonDays, outcomesKnownUntil: assembled.outcomesKnownUntil };
  let predictive: StoredPredictive | null = null;
  let fitSkipped: string | null = null;
  try {
    const fit = fitModel(await historyFitDataset(assembled.histories, defaultModel, replayWindow), DEFAULT_FIT_OPTIONS);
    predictive = {
      churn: fit.churnModel,
      expansion: fit.expansionModel,
      fittedAt: new Date().toISOString(),
      figures: { examples: fit.examples, churned: fit.churned, scoreRocAuc: fit.current.rocAuc, churnProbability: fit.churnProbability, expansionLikelihood: fit.expansionLikelihood },
    };
  } catch (error) {
    // Too few outcomes to fit honestly (a small portfolio): no probability rather than a made-up one.
    fitSkipped = error instanceof Error ? error.message : String(error);
  }
  // The demo publishes the default model as version 1: backtest exactly that.
  const set = withVersion(parseModelSet({ models: [DEFAULT_MODEL_INPUT] }), 1);
  const backtest = await replayBacktest(assembled.histories, { ...replayWindow, models: set, churnModel: predictive?.churn ?? null, expansionModel: predictive?.expansion ?? null });
  return { predictive, backtest, text: formatBacktestText(backtest), fitSkipped };
}

/** Runs validateDemoPortfolio in a worker thread so a server in this process keeps answering. */
export function validateDemoPortfolioInWorker(input: DemoValidationInput): Promise<DemoValidation> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./demo-validation-worker.ts', import.meta.url), { workerData: input });
    worker.once('message', (message: { ok: true; result: DemoValidation } | { ok: false; error: string }) => {
      if (message.ok) resolve(message.result);
      else reject(new Error(`demo validation failed: ${message.error}`));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`demo validation worker exited with ${code}`));
    });
  });
}
