import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkspaceRepository } from '../storage/workspace-repository.ts';

const csv = (value: string | number | null | undefined): string => {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

async function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function close(stream: NodeJS.WritableStream & { close?: unknown }): Promise<void> {
  stream.end();
  await once(stream, 'finish');
}

/**
 * Writes a workspace's history as the files `score`, `backtest` and `fit` read, so a draft
 * model can be replayed and fitted on the tenant's own data before it is published.
 */
export async function exportHistory(repo: WorkspaceRepository, directory: string): Promise<{ accounts: number; signals: number; outcomes: number; files: string[] }> {
  mkdirSync(directory, { recursive: true });
  const files = { accounts: join(directory, 'accounts.csv'), signals: join(directory, 'signals.csv'), outcomes: join(directory, 'outcomes.csv') };
  const accountsOut = createWriteStream(files.accounts);
  const signalsOut = createWriteStream(files.signals);
  const attributeKeys = new Set<string>();
  const total = await repo.accounts.count();
  const all = [];
  for (let offset = 0; offset < total; offset += 1000) for (const a of await repo.accounts.list({ limit: 1000, offset })) all.push(a);
  for (const a of all) for (const key of Object.keys(a.attributes)) attributeKeys.add(key);
  const extra = [...attributeKeys].filter((k) => !['name', 'domain', 'segment', 'seats', 'customer_since', 'renewal_date', 'account_id'].includes(k)).sort();
  await write(accountsOut, `${['account_id', 'name', 'domain', 'segment', 'seats', 'customer_since', 'renewal_date', ...extra].join(',')}\n`);
  await write(signalsOut, 'account_id,metric,value,observed_at\n');
  let signals = 0;
  const far = new Date('9999-12-31T00:00:00Z');
  for (let i = 0; i < all.length; i += 200) {
    const page = all.slice(i, i + 200);
    for (const a of page) {
      await write(accountsOut, `${[a.crmId, a.name, a.domain, a.segment, a.seats, a.customerSince?.toISOString().slice(0, 10), a.renewalDate?.toISOString().slice(0, 10), ...extra.map((k) => {
        const v = a.attributes[k];
        return v === null || v === undefined ? '' : String(v);
      })].map(csv).join(',')}\n`);
    }
    const crmOf = new Map(page.map((a) => [a.id, a.crmId]));
    for (const s of await repo.signals.forAccounts(page.map((a) => a.id), far)) {
      await write(signalsOut, `${csv(crmOf.get(s.accountId))},${csv(s.metric)},${s.value},${s.observedAt.toISOString()}\n`);
      signals += 1;
    }
  }
  await close(accountsOut);
  await close(signalsOut);
  const crmOfAll = new Map(all.map((a) => [a.id, a.crmId]));
  const outcomes = await repo.outcomes.list();
  const outcomesOut = createWriteStream(files.outcomes);
  await write(outcomesOut, 'account_id,outcome,occurred_at\n');
  for (const o of outcomes) await write(outcomesOut, `${csv(crmOfAll.get(o.accountId))},${o.outcome},${o.occurredAt.toISOString().slice(0, 10)}\n`);
  await close(outcomesOut);
  return { accounts: all.length, signals, outcomes: outcomes.length, files: Object.values(files) };
}
