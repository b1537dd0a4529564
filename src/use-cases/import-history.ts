import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { readOutcomes } from '../backtest/outcomes-file.ts';
import { readAccounts, readSignalBatches, type RowError } from '../signal-files/index.ts';
import type { WorkspaceRepository } from '../storage/workspace-repository.ts';

export type ImportFiles = { signals?: string; accounts?: string; outcomes?: string };
export type ImportResult = { accounts: number; signals: number; signalsDuplicate: number; outcomes: number; rejected: RowError[] };

/** Maps file account ids to workspace account rows, creating bare accounts for unseen ids (never dropped). */
async function resolveIds(repo: WorkspaceRepository, crmIds: readonly string[], known: Map<string, string>): Promise<void> {
  const missing = [...new Set(crmIds.filter((id) => !known.has(id)))];
  if (missing.length === 0) return;
  for (const row of await repo.accounts.findByCrmIds(missing)) known.set(row.crmId, row.id);
  const create = missing.filter((id) => !known.has(id));
  if (create.length > 0) for (const row of await repo.accounts.upsertMany(create.map((crmId) => ({ crmId })))) known.set(row.crmId, row.id);
}

/**
 * Imports history files into a workspace: accounts, point-in-time signals and outcomes. Good
 * rows are stored even when others are rejected (unless strict); re-importing the same file
 * stores nothing twice.
 */
export async function importHistory(
  repo: WorkspaceRepository,
  files: ImportFiles,
  options: { strict?: boolean; source?: string; onProgress?: (message: string) => void } = {},
): Promise<ImportResult> {
  const rejected: RowError[] = [];
  const onReject = (error: RowError) => rejected.push(error);
  const ids = new Map<string, string>();
  const result: ImportResult = { accounts: 0, signals: 0, signalsDuplicate: 0, outcomes: 0, rejected };

  if (files.accounts) {
    const batch = [];
    for await (const a of readAccounts(createReadStream(files.accounts), { source: basename(files.accounts), strict: options.strict ?? false, onReject })) {
      const { name: _n, domain: _d, ...attributes } = a.attributes;
      batch.push({ crmId: a.accountId, name: a.name, domain: a.domain, segment: a.segment, seats: a.seats, customerSince: a.customerSince, renewalDate: a.renewalDate, attributes });
    }
    for (const row of await repo.accounts.upsertMany(batch)) ids.set(row.crmId, row.id);
    result.accounts = batch.length;
  }
  if (files.signals) {
    for await (const batch of readSignalBatches(createReadStream(files.signals), { source: basename(files.signals), strict: options.strict ?? false, onReject })) {
      await resolveIds(repo, batch.map((s) => s.accountId), ids);
      const inserted = await repo.signals.insertMany(
        batch.flatMap((s) => {
          const accountId = ids.get(s.accountId);
          return accountId ? [{ accountId, metric: s.metric, value: s.value, observedAt: new Date(s.observedAt), source: options.source ?? 'import' }] : [];
        }),
      );
      result.signals += inserted;
      result.signalsDuplicate += batch.length - inserted;
      options.onProgress?.(`${result.signals} signals stored`);
    }
  }
  if (files.outcomes) {
    const rows = [];
    for await (const o of readOutcomes(createReadStream(files.outcomes), { source: basename(files.outcomes), strict: options.strict ?? false, onReject })) rows.push(o);
    await resolveIds(repo, rows.map((o) => o.accountId), ids);
    result.outcomes = await repo.outcomes.insertMany(
      rows.flatMap((o) => {
        const accountId = ids.get(o.accountId);
        return accountId ? [{ accountId, outcome: o.outcome, occurredAt: o.occurredAt }] : [];
      }),
    );
  }
  await repo.audit.record('cli', 'history.imported', undefined, { accounts: result.accounts, signals: result.signals, outcomes: result.outcomes, rejected: rejected.length });
  return result;
}
