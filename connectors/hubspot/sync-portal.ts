/**
 * The HubSpot jobs, as use cases the lead's workers call with ports and a client:
 *  - provisionPortal: the "Customer Health" group and properties (install time, idempotent)
 *  - pullPortal: companies → associations → engagement/support/contract/NPS signals
 *  - writeBackPortal: changed health values, then timeline traces for tier changes/drops
 * Data flows forward only: pull writes to the sinks, scoring happens elsewhere, write-back
 * takes the scores it is given.
 */
import { isConnectorError } from '../core/error-kinds.ts';
import type { ErrorKind } from '../core/error-kinds.ts';
import type { AccountSink, CheckpointStore, SignalSink, TraceStore } from '../core/ports.ts';
import type { HubSpotClient } from './client.ts';
import { batchReadObjects, chunk } from './crm-objects.ts';
import { readCompanyGraph } from './pull/associations.ts';
import { companyProperties, mapCompany, pullCompanies } from './pull/companies.ts';
import type { CompanyMappingConfig, PullCompaniesResult } from './pull/companies.ts';
import { pullDealSignals } from './pull/deals.ts';
import type { DealOptions } from './pull/deals.ts';
import { pullEngagementSignals } from './pull/engagements.ts';
import type { EngagementOptions } from './pull/engagements.ts';
import { pullFeedbackSignals } from './pull/feedback.ts';
import { pullTicketSignals } from './pull/tickets.ts';
import type { TicketOptions } from './pull/tickets.ts';
import { provisionHealthProperties } from './write/provision-properties.ts';
import type { ProvisionResult } from './write/provision-properties.ts';
import { toHealthProperties } from './write/health-properties.ts';
import type { HealthValues } from './write/health-properties.ts';
import { postHealthTrace } from './write/timeline-note.ts';
import type { HealthChange, TraceMode, TraceOutcome } from './write/timeline-note.ts';
import { writeScores } from './write/write-scores.ts';
import type { WriteScoresResult } from './write/write-scores.ts';

export function provisionPortal(client: HubSpotClient): Promise<ProvisionResult> {
  return provisionHealthProperties(client);
}

export interface PullPortalDeps {
  client: HubSpotClient;
  checkpoints: CheckpointStore;
  accounts: AccountSink;
  signals: SignalSink;
}

export interface PullPortalInput {
  connectionId: string;
  asOf: Date;
  mapping: CompanyMappingConfig;
  /**
   * Companies whose signals should be recomputed even if the company record did not change
   * (e.g. every known account on the daily run: 90-day windows move with time).
   */
  alsoRecompute?: readonly string[];
  /** Scopes the connection was granted; optional-scope features are skipped when missing. */
  grantedScopes?: readonly string[];
  engagement?: EngagementOptions;
  tickets?: TicketOptions;
  deals?: DealOptions;
  /** Bound one job's work; the checkpoint resumes the rest next time. */
  maxCompanyPages?: number;
  /** Companies per association/signal round (bounds memory). */
  companiesPerRound?: number;
}

export interface PullPortalReport {
  companies: PullCompaniesResult;
  signalCompanies: number;
  signalsWritten: number;
  renewalDatesSet: number;
  notes: string[];
}

export async function pullPortal(deps: PullPortalDeps, input: PullPortalInput): Promise<PullPortalReport> {
  const { client } = deps;
  const companies = await pullCompanies(
    { client, checkpoints: deps.checkpoints, accounts: deps.accounts, signals: deps.signals },
    { connectionId: input.connectionId, mapping: input.mapping, asOf: input.asOf, maxPages: input.maxCompanyPages },
  );
  const fresh = new Set(companies.companyIds);
  const stale = [...new Set(input.alsoRecompute ?? [])].filter((id) => !fresh.has(id));
  const targets = [...fresh, ...stale];
  // Mapped company properties of companies the search did not return (unchanged records) are
  // re-read too, so their metrics stay fresh under each factor's maximum age.
  if (stale.length > 0 && input.mapping.metrics.length > 0) {
    for (const round of chunk(stale, input.companiesPerRound ?? 100)) {
      const records = await batchReadObjects(client, 'companies', round, companyProperties(input.mapping));
      const mapped = [...records.values()].map((record) => mapCompany(record, input.mapping, input.asOf));
      if (mapped.length > 0) {
        await deps.accounts.upsert(mapped.map((m) => m.account));
        await deps.signals.write(mapped.flatMap((m) => m.signals));
      }
    }
  }
  const report: PullPortalReport = { companies, signalCompanies: targets.length, signalsWritten: 0, renewalDatesSet: 0, notes: [] };

  for (const round of chunk(targets, input.companiesPerRound ?? 100)) {
    const graph = await readCompanyGraph(client, round);
    const engagement = await pullEngagementSignals(client, graph, round, input.asOf, input.engagement);
    const support = await pullTicketSignals(client, graph.tickets, round, input.asOf, input.tickets);
    const contract = await pullDealSignals(client, graph.deals, round, input.asOf, input.deals);
    const feedback = await pullFeedbackSignals(client, graph.contacts, round, input.asOf, input.grantedScopes);
    if (feedback.skipped && !report.notes.includes(feedback.note)) report.notes.push(feedback.note);

    const signals = [...engagement, ...support, ...contract.signals, ...feedback.signals];
    if (signals.length > 0) await deps.signals.write(signals);
    if (contract.accounts.length > 0) await deps.accounts.upsert(contract.accounts);
    report.signalsWritten += signals.length;
    report.renewalDatesSet += contract.accounts.length;
  }
  return report;
}

export interface WriteBackInput {
  /** Scored accounts by HubSpot company id. */
  scores: ReadonlyMap<string, HealthValues>;
  /** What the last successful write left on each company (from the caller's store). */
  lastWritten: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** Score changes to consider for a timeline trace. */
  changes?: readonly HealthChange[];
  trace?: { mode: TraceMode; dropThreshold: number };
  /** Batch updates in flight at once (default 4); the portal budget still sets the pace. */
  concurrency?: number;
}

export interface WriteBackReport {
  write: WriteScoresResult;
  traces: { companyId: string; outcome: TraceOutcome | { status: 'failed'; kind: ErrorKind; message: string } }[];
}

export async function writeBackPortal(deps: { client: HubSpotClient; traces: TraceStore }, input: WriteBackInput): Promise<WriteBackReport> {
  const desired = new Map<string, Record<string, string>>();
  for (const [companyId, values] of input.scores) desired.set(companyId, toHealthProperties(values));
  const write = await writeScores(deps.client, { desired, lastWritten: input.lastWritten, concurrency: input.concurrency });
  const report: WriteBackReport = { write, traces: [] };
  if (!input.trace || write.stoppedBy) return report;

  for (const change of input.changes ?? []) {
    try {
      const outcome = await postHealthTrace(deps, { change, mode: input.trace.mode, dropThreshold: input.trace.dropThreshold });
      report.traces.push({ companyId: change.companyId, outcome });
    } catch (error) {
      // One failed trace must not hide the others; the job retries, the TraceStore dedupes.
      if (!isConnectorError(error)) throw error;
      report.traces.push({ companyId: change.companyId, outcome: { status: 'failed', kind: error.kind, message: error.message } });
      // Connection-wide problems fail every remaining trace the same way: stop asking.
      if (error.kind === 'needs_reauth' || error.kind === 'rate_limited') break;
    }
  }
  return report;
}
