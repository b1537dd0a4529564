/**
 * Contract signals from a company's deals, point-in-time:
 *  - account renewalDate: close date of the next open renewal deal
 *  - contract.days_to_renewal: days from asOf to that date
 *  - contract.amount: that renewal's amount, else the latest closed-won deal's amount
 *  - contract.closed_lost_renewals: renewal deals closed lost in the last 365 days
 * A renewal deal is `dealtype = existingbusiness`, a deal in a configured renewal pipeline,
 * or one whose name says "renewal".
 */
import type { AccountRecord, CanonicalSignal } from '../../core/ports.ts';
import type { HubSpotClient } from '../client.ts';
import { batchReadObjects, pickRecords } from '../crm-objects.ts';
import type { CrmObjectApi } from '../crm-objects.ts';
import { allTargetIds } from './associations.ts';
import { DAY_MS, makeSignal, parseHubSpotTime, parseNumber, withinDays } from './signal-helpers.ts';

export const DEAL_PROPERTIES = ['dealname', 'amount', 'closedate', 'dealstage', 'pipeline', 'dealtype', 'hs_is_closed', 'hs_is_closed_won', 'hs_is_closed_lost', 'createdate'];

export interface DealOptions {
  renewalPipelineIds?: readonly string[];
  lostLookbackDays?: number;
}

function isRenewal(deal: CrmObjectApi, options: DealOptions): boolean {
  const p = deal.properties;
  return p.dealtype === 'existingbusiness' || (options.renewalPipelineIds ?? []).includes(p.pipeline ?? '') || /renewal/i.test(p.dealname ?? '');
}

/** Point-in-time outcome: a deal closed after asOf was still open then. */
function stateAsOf(deal: CrmObjectApi, asOf: Date): 'open' | 'won' | 'lost' {
  const p = deal.properties;
  const closedAt = parseHubSpotTime(p.closedate);
  const closed = p.hs_is_closed === 'true' || p.hs_is_closed_won === 'true' || p.hs_is_closed_lost === 'true';
  if (!closed || closedAt === null || closedAt > asOf.getTime()) return 'open';
  if (p.hs_is_closed_won === 'true') return 'won';
  return 'lost';
}

/** Pure. */
export function dealSignals(companyId: string, deals: readonly CrmObjectApi[], asOf: Date, options: DealOptions = {}): { signals: CanonicalSignal[]; account: AccountRecord | null } {
  const now = asOf.getTime();
  const known = deals.filter((deal) => {
    const created = parseHubSpotTime(deal.properties.createdate);
    return created === null || created <= now;
  });
  if (known.length === 0) return { signals: [], account: null };

  const renewals = known.filter((deal) => isRenewal(deal, options));
  const upcoming = renewals
    .filter((deal) => stateAsOf(deal, asOf) === 'open')
    .map((deal) => ({ deal, at: parseHubSpotTime(deal.properties.closedate) }))
    .filter((entry): entry is { deal: CrmObjectApi; at: number } => entry.at !== null && entry.at >= now)
    .sort((a, b) => a.at - b.at)[0];
  const lastWon = known
    .filter((deal) => stateAsOf(deal, asOf) === 'won')
    .map((deal) => ({ deal, at: parseHubSpotTime(deal.properties.closedate) ?? 0 }))
    .sort((a, b) => b.at - a.at)[0];

  const signals: CanonicalSignal[] = [];
  if (upcoming) signals.push(makeSignal(companyId, 'contract.days_to_renewal', Math.floor((upcoming.at - now) / DAY_MS), asOf));
  const amount = parseNumber(upcoming?.deal.properties.amount ?? null) ?? parseNumber(lastWon?.deal.properties.amount ?? null);
  if (amount !== null) signals.push(makeSignal(companyId, 'contract.amount', amount, asOf));
  const lookback = options.lostLookbackDays ?? 365;
  const lost = renewals.filter((deal) => stateAsOf(deal, asOf) === 'lost' && withinDays(parseHubSpotTime(deal.properties.closedate), asOf, lookback)).length;
  signals.push(makeSignal(companyId, 'contract.closed_lost_renewals', lost, asOf));

  return { signals, account: upcoming ? { crmId: companyId, renewalDate: new Date(upcoming.at) } : null };
}

export async function pullDealSignals(
  client: HubSpotClient,
  dealsByCompany: Map<string, string[]>,
  companyIds: readonly string[],
  asOf: Date,
  options: DealOptions = {},
): Promise<{ signals: CanonicalSignal[]; accounts: AccountRecord[] }> {
  const deals = await batchReadObjects(client, 'deals', allTargetIds(dealsByCompany), DEAL_PROPERTIES);
  const signals: CanonicalSignal[] = [];
  const accounts: AccountRecord[] = [];
  for (const companyId of companyIds) {
    const result = dealSignals(companyId, pickRecords(deals, dealsByCompany.get(companyId)), asOf, options);
    signals.push(...result.signals);
    if (result.account) accounts.push(result.account);
  }
  return { signals, accounts };
}
