import { and, eq, isNull, lt, or } from 'drizzle-orm';
import { z } from 'zod';
import type {
  AccountSink, CanonicalSignal, CheckpointStore, CredentialStore, SignalSink, StateStore, StoredCredentials, TraceRecord, TraceStore,
} from '../../connectors/core/ports.ts';
import type { Db } from './database.ts';
import { oauthStates } from './schema.ts';
import type { WorkspaceRepository } from './workspace-repository.ts';

/**
 * The storage side of the connector ports (connectors/core/ports.ts), each bound to one
 * workspace repository so a connector can only touch its own tenant.
 */

const SealedCredentials = z.object({
  accessToken: z.string(),
  refreshToken: z.string().nullable(),
  expiresAt: z.string().nullable(),
  scopes: z.array(z.string()),
  hubId: z.string(),
  mode: z.enum(['oauth', 'static']),
});

export function credentialStore(repo: WorkspaceRepository): CredentialStore {
  return {
    async load(connectionId) {
      const stored = await repo.connections.readCredentials(connectionId, (v) => SealedCredentials.parse(v));
      if (!stored) return null;
      return { ...stored, expiresAt: stored.expiresAt ? new Date(stored.expiresAt) : null };
    },
    async save(connectionId, credentials: StoredCredentials) {
      await repo.connections.writeCredentials(
        connectionId,
        { ...credentials, expiresAt: credentials.expiresAt?.toISOString() ?? null },
        credentials.expiresAt,
      );
    },
    async clear(connectionId) {
      await repo.connections.clearCredentials(connectionId, 'needs_reauth', 'credentials cleared (uninstalled or re-authorisation needed)');
    },
  };
}

export function checkpointStore(repo: WorkspaceRepository): CheckpointStore {
  return {
    async get(connectionId, object) {
      return (await repo.sync.get(connectionId, object))?.checkpoint ?? null;
    },
    async save(connectionId, object, checkpoint) {
      const value = checkpoint === null || checkpoint === undefined ? null : (JSON.parse(JSON.stringify(checkpoint)) as Record<string, unknown>);
      await repo.sync.save(connectionId, object, { checkpoint: value, lastRunAt: new Date() });
    },
  };
}

/** Resolves CRM ids to account rows, creating a bare account for an id seen first in a signal. */
async function accountIdsFor(repo: WorkspaceRepository, crmIds: readonly string[]): Promise<Map<string, string>> {
  const unique = [...new Set(crmIds)];
  const known = await repo.accounts.findByCrmIds(unique);
  const ids = new Map(known.map((a) => [a.crmId, a.id]));
  const missing = unique.filter((id) => !ids.has(id));
  if (missing.length > 0) {
    for (const row of await repo.accounts.upsertMany(missing.map((crmId) => ({ crmId })))) ids.set(row.crmId, row.id);
  }
  return ids;
}

export function signalSink(repo: WorkspaceRepository): SignalSink {
  return {
    async write(signals: CanonicalSignal[]) {
      if (signals.length === 0) return;
      const ids = await accountIdsFor(repo, signals.map((s) => s.crmAccountId));
      // Every CRM id was resolved or created above; a non-finite value is not an observation.
      await repo.signals.insertMany(
        signals.flatMap((s) => {
          const accountId = ids.get(s.crmAccountId);
          return accountId && Number.isFinite(s.value) ? [{ accountId, metric: s.metric, value: s.value, observedAt: s.observedAt, source: s.source }] : [];
        }),
      );
    },
  };
}

export function accountSink(repo: WorkspaceRepository): AccountSink {
  return {
    async upsert(records) {
      if (records.length === 0) return;
      await repo.accounts.upsertMany(
        records.map((r) => ({
          crmId: r.crmId,
          name: r.name,
          domain: r.domain,
          customerSince: r.customerSince,
          renewalDate: r.renewalDate,
          seats: r.seats,
          owner: r.owner,
          attributes: r.attributes,
        })),
      );
    },
  };
}

export function traceStore(repo: WorkspaceRepository): TraceStore {
  const toRecord = (row: NonNullable<Awaited<ReturnType<WorkspaceRepository['externalActions']['get']>>>): TraceRecord => ({
    key: row.idempotencyKey,
    state: row.status === 'completed' ? 'completed' : 'begun',
    remoteId: row.remoteId,
    begunAt: row.startedAt,
  });
  return {
    async begin(key) {
      const created = await repo.externalActions.begin(key);
      const row = await repo.externalActions.get(key);
      if (!row) throw new Error(`trace ${key} vanished after begin`);
      return { created, record: toRecord(row) };
    },
    async complete(key, remoteId) {
      await repo.externalActions.complete(key, remoteId);
    },
    async get(key) {
      const row = await repo.externalActions.get(key);
      return row ? toRecord(row) : null;
    },
  };
}

/** OAuth state nonces are not tenant data (the tenant is not known yet): one table for all. */
export function stateStore(db: Db): StateStore {
  return {
    async consume(nonce, ttlMs) {
      const now = new Date();
      // Expired nonces are cleaned as we go; a replay within the TTL finds its row used.
      await db.delete(oauthStates).where(lt(oauthStates.expiresAt, now));
      const inserted = await db
        .insert(oauthStates)
        .values({ nonce, expiresAt: new Date(now.getTime() + ttlMs), usedAt: now })
        .onConflictDoNothing()
        .returning({ nonce: oauthStates.nonce });
      if (inserted.length === 1) return true;
      const claimed = await db
        .update(oauthStates)
        .set({ usedAt: now })
        .where(and(eq(oauthStates.nonce, nonce), or(isNull(oauthStates.usedAt))))
        .returning({ nonce: oauthStates.nonce });
      return claimed.length === 1;
    },
  };
}
