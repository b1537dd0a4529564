/**
 * What a connector needs from the rest of the app. The lead implements these with the
 * database (tenant-scoped); `memory-ports.ts` has in-memory versions for tests.
 *
 * Scoping: CredentialStore and CheckpointStore are keyed by connection id. SignalSink,
 * AccountSink and TraceStore instances are handed to a connector already scoped to one
 * workspace, so a connector can never write into another tenant.
 */

/** OAuth (or static private-app) credentials of one connection. The store encrypts them at rest. */
export interface StoredCredentials {
  accessToken: string;
  /** null for static tokens (private apps), which have nothing to refresh with. */
  refreshToken: string | null;
  /** null when the token does not expire (private-app tokens). */
  expiresAt: Date | null;
  scopes: string[];
  /** The provider account: HubSpot portal id (hub_id), as a string. */
  hubId: string;
  mode: 'oauth' | 'static';
}

export interface CredentialStore {
  load(connectionId: string): Promise<StoredCredentials | null>;
  save(connectionId: string, credentials: StoredCredentials): Promise<void>;
  /** Uninstall / re-auth: forget the tokens (the connection row itself is the caller's). */
  clear(connectionId: string): Promise<void>;
}

/** Single-flight across processes: `fn` runs while no other holder of `key` runs. */
export interface Lock {
  withLock<T>(key: string, ttlMs: number, fn: () => Promise<T>): Promise<T>;
}

/**
 * Sync progress per connection and object ("companies", …). The store keeps opaque JSON;
 * each connector validates what it reads back with its own zod schema, so checkpoints stay
 * typed where they are used and a stale shape simply restarts as a first run.
 */
export interface CheckpointStore {
  get(connectionId: string, object: string): Promise<unknown>;
  save(connectionId: string, object: string, checkpoint: unknown): Promise<void>;
}

/** A point-in-time metric for one account from one source. */
export interface CanonicalSignal {
  crmAccountId: string;
  metric: string;
  value: number;
  observedAt: Date;
  source: string;
}

export interface SignalSink {
  write(signals: CanonicalSignal[]): Promise<void>;
}

/**
 * An account as the CRM describes it. Upsert semantics: a field left `undefined` is not
 * changed, `null` clears it — so a deals pass can set `renewalDate` without knowing the name.
 */
export interface AccountRecord {
  crmId: string;
  name?: string | null;
  domain?: string | null;
  attributes?: Record<string, string | null>;
  customerSince?: Date | null;
  renewalDate?: Date | null;
  seats?: number | null;
  owner?: string | null;
}

export interface AccountSink {
  upsert(accounts: AccountRecord[]): Promise<void>;
}

export interface TraceRecord {
  key: string;
  state: 'begun' | 'completed';
  remoteId: string | null;
  begunAt: Date;
}

/**
 * Idempotency records for non-idempotent remote creates (notes, events): `begin` before the
 * call, `complete` after it. A retried job that finds `completed` does nothing; one that
 * finds `begun` must look remotely before creating again.
 */
export interface TraceStore {
  /** Insert-if-absent. `created: false` returns the existing record untouched. */
  begin(key: string): Promise<{ created: boolean; record: TraceRecord }>;
  complete(key: string, remoteId: string): Promise<void>;
  get(key: string): Promise<TraceRecord | null>;
}

/** Single-use OAuth `state` nonces. */
export interface StateStore {
  /** true the first time `nonce` is consumed within `ttlMs`, false on every replay. */
  consume(nonce: string, ttlMs: number): Promise<boolean>;
}
