import { z } from 'zod';
import {
  createPortalClient, provisionPortal, pullPortal, writeBackPortal,
  type HealthValues, type PullPortalReport, type WriteBackReport,
} from '../../../connectors/hubspot/index.ts';
import { postHealthTrace, type HealthChange, type TraceOutcome } from '../../../connectors/hubspot/write/timeline-note.ts';
import type { AppContext } from '../../runtime/app-context.ts';
import { ConnectorError, isConnectorError } from '../../../connectors/core/error-kinds.ts';
import type { MetricTransform } from '../../../connectors/hubspot/pull/companies.ts';
import { accountSink, checkpointStore, signalSink, traceStore } from '../../storage/connector-ports.ts';
import type { ScoreRow, WorkspaceRepository } from '../../storage/workspace-repository.ts';
import { readStoredResult } from '../stored-score-result.ts';
import { hubspotRuntime } from './hubspot-runtime.ts';

/** Account attribute set when the CRM record was deleted or merged away; such accounts are not written to. */
export const CRM_DELETED_AT = 'crm_deleted_at';

const METRIC_TRANSFORMS = ['number', 'boolean', 'days_since', 'days_until'] as const satisfies readonly MetricTransform[];

/** Per-connection settings an admin controls (metric mappings, trace behaviour). */
export const HubSpotConnectionSettings = z.object({
  mapping: z
    .object({
      metrics: z.array(z.object({ property: z.string().min(1), metric: z.string().min(1), transform: z.enum(METRIC_TRANSFORMS).optional() })).default([]),
      seatsProperty: z.string().optional(),
      customerSinceProperty: z.string().optional(),
      attributeProperties: z.array(z.string()).optional(),
    })
    .prefault({}),
  dropAlertPoints: z.number().int().min(1).max(100).default(15),
  /** Set once the app event type is approved by HubSpot; notes until then. */
  appEventTypeName: z.string().nullable().default(null),
  provisionedAt: z.string().nullable().default(null),
});
export type HubSpotSettings = z.output<typeof HubSpotConnectionSettings>;

/** The stored settings, validated; broken settings stop the sync with what is wrong rather than silently dropping mappings. */
export function hubspotSettings(raw: unknown): HubSpotSettings {
  const parsed = HubSpotConnectionSettings.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  throw new ConnectorError({
    kind: 'invalid_input',
    provider: 'hubspot',
    message: `the HubSpot connection settings are invalid (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}); fix them with crm-health settings`,
  });
}

async function connectionOf(repo: WorkspaceRepository, connectionId: string) {
  const connection = await repo.connections.get(connectionId);
  if (!connection || connection.provider !== 'hubspot') throw new Error(`HubSpot connection ${connectionId} is not in this workspace`);
  return connection;
}

/** Pulls companies and their engagement, support, contract and feedback signals into the workspace. */
export async function pullHubSpot(
  ctx: AppContext,
  repo: WorkspaceRepository,
  connectionId: string,
  options: { asOf: Date; recomputeAll: boolean; companyIds?: readonly string[] | null; maxCompanyPages?: number },
): Promise<PullPortalReport> {
  const connection = await connectionOf(repo, connectionId);
  const settings = hubspotSettings(connection.settings);
  const client = await createPortalClient(hubspotRuntime(ctx), connectionId);
  if (!settings.provisionedAt) {
    // Install provisions; this repairs a portal whose provisioning failed or drifted since.
    await provisionPortal(client);
    await repo.connections.updateSettings(connectionId, { provisionedAt: new Date().toISOString() });
  }
  const known = options.recomputeAll ? (await allAccounts(repo)).map((a) => a.crmId) : [];
  return pullPortal(
    { client, checkpoints: checkpointStore(repo), accounts: accountSink(repo), signals: signalSink(repo) },
    {
      connectionId,
      asOf: options.asOf,
      mapping: settings.mapping,
      alsoRecompute: [...known, ...(options.companyIds ?? [])],
      grantedScopes: connection.scopes,
      ...(options.maxCompanyPages ? { maxCompanyPages: options.maxCompanyPages } : {}),
    },
  );
}

async function allAccounts(repo: WorkspaceRepository) {
  const total = await repo.accounts.count();
  const out = [];
  for (let offset = 0; offset < total; offset += 1000) for (const a of await repo.accounts.list({ limit: 1000, offset })) out.push(a);
  return out;
}

const TIERS = new Set(['healthy', 'at_risk', 'critical']);
const STAGES = new Set(['onboarding', 'growth', 'maturity', 'renewal']);

/** A stored score → the values written to HubSpot. Insufficient data writes no score and that tier. */
export function healthValues(row: Pick<ScoreRow, 'score' | 'tier' | 'confidence' | 'insufficientData' | 'churnProbability' | 'lifecycleStage' | 'modelKey' | 'modelVersion' | 'asOf' | 'result'> & { tierSince?: Date | null }): HealthValues {
  const result = readStoredResult(row.result);
  const trend = result.trend;
  const direction = trend?.cause === 'model_change' ? 'model_change' : trend?.direction;
  return {
    score: row.insufficientData ? null : row.score,
    tier: row.insufficientData || !TIERS.has(row.tier) ? 'insufficient_data' : (row.tier as HealthValues['tier']),
    trend: direction === 'improving' || direction === 'stable' || direction === 'declining' || direction === 'model_change' ? direction : null,
    change30d: trend?.change ?? null,
    categories: {
      productUsage: result.categories?.usage ?? null,
      engagement: result.categories?.engagement ?? null,
      businessOutcomes: result.categories?.outcomes ?? null,
      contractHealth: result.categories?.contract ?? null,
    },
    confidence: row.confidence,
    churnRisk: row.churnProbability,
    topDrivers: (result.drivers ?? []).map((d) => d.text).join('\n'),
    lifecycleStage: row.lifecycleStage && STAGES.has(row.lifecycleStage) ? (row.lifecycleStage as HealthValues['lifecycleStage']) : null,
    modelVersion: `${row.modelKey} v${row.modelVersion}`,
    scoredAt: row.asOf,
    tierChangedAt: row.tierSince ?? null,
  };
}

/**
 * Writes every account's latest score to its HubSpot company — only values that changed since
 * the last successful write, 100 per batch, inside the portal budget — and records what was
 * written, so a retried job sends nothing twice.
 */
export async function writeBackHubSpot(ctx: AppContext, repo: WorkspaceRepository, connectionId: string): Promise<WriteBackReport['write'] & { pages: number }> {
  await connectionOf(repo, connectionId);
  const client = await createPortalClient(hubspotRuntime(ctx), connectionId);
  const totals: WriteBackReport['write'] & { pages: number } = { considered: 0, unchanged: 0, sent: 0, batches: 0, written: [], failed: [], pages: 0 };
  const pageSize = 2000;
  for (let offset = 0; ; offset += pageSize) {
    const page = await repo.scores.latestAll({ limit: pageSize, offset, includeChurned: true });
    if (page.length === 0) break;
    const rows = page.filter((r) => !r.attributes[CRM_DELETED_AT]);
    totals.pages += 1;
    const accountOfCrm = new Map(rows.map((r) => [r.crmId, r.accountId]));
    const last = await repo.crmWrites.get('hubspot', rows.map((r) => r.accountId));
    const lastWritten = new Map<string, Record<string, string>>();
    for (const r of rows) {
      const values = last.get(r.accountId);
      if (values) lastWritten.set(r.crmId, values);
    }
    const scores = new Map(rows.map((r) => [r.crmId, healthValues(r)]));
    const report = await writeBackPortal({ client, traces: traceStore(repo) }, { scores, lastWritten });
    await repo.crmWrites.save('hubspot', report.write.written.flatMap((w) => {
      const accountId = accountOfCrm.get(w.companyId);
      return accountId ? [{ accountId, values: w.properties }] : [];
    }));
    totals.considered += report.write.considered;
    totals.unchanged += report.write.unchanged;
    totals.sent += report.write.sent;
    totals.batches += report.write.batches;
    totals.failed.push(...report.write.failed);
    if (report.write.stoppedBy) {
      totals.stoppedBy = report.write.stoppedBy;
      break;
    }
    if (page.length < pageSize) break;
  }
  return totals;
}

/** "Usage −14: weekly active users 2 % of seats" → "weekly active users 2 % of seats": the note adds the points itself. */
function driverLabel(text: string): string {
  return /^[^:]+ [+\u2212-]\d+: (.+)$/su.exec(text)?.[1] ?? text;
}

function changeOf(crmId: string, latest: ScoreRow, previous: ScoreRow): HealthChange {
  const now = healthValues(latest);
  const before = healthValues(previous);
  const drivers = readStoredResult(latest.result).drivers.map((d) => ({ label: driverLabel(d.text), points: d.points }));
  return {
    companyId: crmId,
    previous: { score: before.score, tier: before.tier === 'insufficient_data' ? null : before.tier },
    current: { score: now.score, tier: now.tier },
    drivers,
    modelVersion: now.modelVersion,
    scoredAt: latest.asOf,
  };
}

/**
 * Leaves a trace on the company timeline for tier changes and large drops scored since `since`:
 * an app event once HubSpot approved the event type, otherwise a note. Idempotent per change.
 */
export async function postHubSpotTraces(
  ctx: AppContext,
  repo: WorkspaceRepository,
  connectionId: string,
  since: Date,
): Promise<Array<{ companyId: string; outcome: TraceOutcome | { status: 'failed'; message: string } }>> {
  const connection = await connectionOf(repo, connectionId);
  const settings = hubspotSettings(connection.settings);
  const pairs = await repo.scores.latestPairsSince(since);
  const candidates = pairs.filter((p) => p.previous && !p.latest.insufficientData && p.latest.modelVersion === p.previous.modelVersion);
  if (candidates.length === 0) return [];
  const client = await createPortalClient(hubspotRuntime(ctx), connectionId);
  const crmIds = new Map<string, string>();
  for (const p of candidates) {
    const account = await repo.accounts.get(p.latest.accountId);
    if (account) crmIds.set(account.id, account.crmId);
  }
  const mode = settings.appEventTypeName ? { type: 'app_event' as const, eventTypeName: settings.appEventTypeName } : { type: 'note' as const };
  const out: Array<{ companyId: string; outcome: TraceOutcome | { status: 'failed'; message: string } }> = [];
  let retry: unknown = null;
  for (const { latest, previous } of candidates) {
    const crmId = crmIds.get(latest.accountId);
    if (!crmId || !previous) continue;
    try {
      const outcome = await postHealthTrace({ client, traces: traceStore(repo) }, { change: changeOf(crmId, latest, previous), mode, dropThreshold: settings.dropAlertPoints });
      if (outcome.status !== 'skipped') out.push({ companyId: crmId, outcome });
    } catch (error) {
      // One company's trace (e.g. deleted in HubSpot) must not hold back the others. Connection-wide
      // problems stop here; anything transient fails the task afterwards so it is retried (traces dedupe).
      if (!isConnectorError(error) || error.kind === 'needs_reauth' || error.kind === 'rate_limited') throw error;
      out.push({ companyId: crmId, outcome: { status: 'failed', message: `${error.kind}: ${error.message}` } });
      if (error.kind === 'retryable') retry ??= error;
    }
  }
  if (retry) throw retry;
  return out;
}
