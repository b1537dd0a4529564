/** The shapes the demo generator hands to storage and to the file writer. */
import type { Segment } from './segment-profiles.ts';

export type { Segment } from './segment-profiles.ts';

export interface DemoAccount {
  readonly accountId: string;
  readonly name: string;
  readonly domain: string;
  readonly segment: Segment;
  readonly plan: string;
  readonly region: string;
  readonly industry: string;
  /** Seats at the end date, or at churn for a churned account. */
  readonly seats: number;
  readonly customerSince: Date;
  /**
   * Annual contracts: the next renewal after the end date, or for a churned account the renewal
   * it did not sign (its contract end). Monthly contracts have none.
   */
  readonly renewalDate: Date | null;
  /** Monthly recurring revenue in dollars at the end date, or the last MRR before churn. */
  readonly mrr: number;
  readonly ownerName: string;
}

export type DemoOutcomeKind = 'churned' | 'renewed' | 'expanded';

export interface DemoOutcome {
  readonly accountId: string;
  readonly outcome: DemoOutcomeKind;
  readonly occurredAt: Date;
}

export interface DemoSignal {
  readonly accountId: string;
  readonly metric: string;
  readonly value: number;
  readonly observedAt: Date;
}

export interface DemoPortfolio {
  readonly accounts: readonly DemoAccount[];
  /** Sorted by date, then account id. */
  readonly outcomes: readonly DemoOutcome[];
  /**
   * Every observation, account by account and week by week. Regenerated on each call from the
   * seed (≈ 1M signals for the default size), so it never has to sit in memory and two passes
   * see identical values.
   */
  signals(): Iterable<DemoSignal>;
  /** First and last observed week (UTC midnights) and the number of weekly observations. */
  readonly window: { readonly start: Date; readonly end: Date; readonly weeks: number };
}
