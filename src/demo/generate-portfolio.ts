/**
 * The deterministic demo portfolio: a synthetic SaaS book of business whose signals, renewals,
 * expansions and churn all come from one causal story (docs/demo-portfolio.md). Pure: no I/O,
 * no clock, no Math.random — the same options always give the same portfolio.
 */
import { z } from 'zod';
import { simulateAccount } from './account-history.ts';
import type { AccountHistory } from './account-history.ts';
import { drawAccountSetup } from './account-setup.ts';
import { observeAccount } from './observe-signals.ts';
import type { DemoAccount, DemoOutcome, DemoPortfolio, DemoSignal } from './portfolio-types.ts';
import { createRandom, deriveSeed } from './random.ts';
import { createTimeline } from './timeline.ts';

export type { DemoAccount, DemoOutcome, DemoOutcomeKind, DemoPortfolio, DemoSignal, Segment } from './portfolio-types.ts';

/** Unobserved weeks simulated before the window so pre-existing accounts start mid-story. */
export const WARMUP_WEEKS = 26;

/** Independent random streams per account, so signals can be replayed without the rest. */
const STREAM = { setup: 1, history: 2, observation: 3 } as const;

const OptionsSchema = z.object({
  seed: z.number().int('seed must be an integer'),
  accounts: z.number().int().min(1).max(100_000).default(600),
  weeks: z.number().int().min(14, 'weeks must be at least 14 so 90-day windows fit').max(520).default(78),
  endDate: z.date({ error: 'endDate must be a valid date' }),
  /** Multiplies measurement noise: 0 gives the latent story exactly, 2 doubles the noise. */
  noise: z.number().min(0).max(5).default(1),
});

export type GeneratePortfolioOptions = z.input<typeof OptionsSchema>;

export function generatePortfolio(options: GeneratePortfolioOptions): DemoPortfolio {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid demo portfolio options: ${problems.join('; ')}`);
  }
  const { seed, accounts: accountCount, weeks, endDate, noise } = parsed.data;
  const timeline = createTimeline(endDate, weeks, WARMUP_WEEKS);

  const takenNames = new Set<string>();
  const histories: AccountHistory[] = [];
  for (let index = 0; index < accountCount; index += 1) {
    const setup = drawAccountSetup(createRandom(deriveSeed(seed, index, STREAM.setup)), index, timeline, takenNames);
    histories.push(simulateAccount(setup, timeline, createRandom(deriveSeed(seed, index, STREAM.history))));
  }

  const accounts: DemoAccount[] = histories.map(({ setup, finalSeats, finalMrr, renewalDate }) => ({
    accountId: setup.accountId,
    name: setup.name,
    domain: setup.domain,
    segment: setup.segment,
    plan: setup.plan,
    region: setup.region,
    industry: setup.industry,
    seats: finalSeats,
    // Copies, so a caller editing an account cannot change what signals() replays.
    customerSince: new Date(setup.customerSince),
    renewalDate: renewalDate && new Date(renewalDate),
    mrr: finalMrr,
    ownerName: setup.ownerName,
  }));

  const outcomes: DemoOutcome[] = histories
    .flatMap((h) => h.outcomes)
    .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.accountId.localeCompare(b.accountId));

  function* signals(): Generator<DemoSignal> {
    for (const history of histories) {
      const random = createRandom(deriveSeed(seed, history.setup.index, STREAM.observation));
      yield* observeAccount(history, timeline, random, noise);
    }
  }

  return {
    accounts,
    outcomes,
    signals,
    window: { start: timeline.start, end: timeline.end, weeks },
  };
}
