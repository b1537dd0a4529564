/** In-memory port implementations for tests and the single-process demo mode. */
import type {
  AccountRecord,
  AccountSink,
  CanonicalSignal,
  CheckpointStore,
  CredentialStore,
  SignalSink,
  StateStore,
  StoredCredentials,
  TraceRecord,
  TraceStore,
} from './ports.ts';
import { systemClock } from './backoff.ts';
import type { Clock } from './backoff.ts';

export { InProcessLock } from './lock.ts';

export class InMemoryCredentialStore implements CredentialStore {
  readonly #byConnection = new Map<string, StoredCredentials>();
  saves = 0;

  async load(connectionId: string): Promise<StoredCredentials | null> {
    const found = this.#byConnection.get(connectionId);
    return found ? { ...found, scopes: [...found.scopes] } : null;
  }

  async save(connectionId: string, credentials: StoredCredentials): Promise<void> {
    this.saves += 1;
    this.#byConnection.set(connectionId, { ...credentials, scopes: [...credentials.scopes] });
  }

  async clear(connectionId: string): Promise<void> {
    this.#byConnection.delete(connectionId);
  }
}

export class InMemoryCheckpointStore implements CheckpointStore {
  readonly #checkpoints = new Map<string, string>();
  readonly history: { connectionId: string; object: string; checkpoint: unknown }[] = [];

  async get(connectionId: string, object: string): Promise<unknown> {
    const raw = this.#checkpoints.get(`${connectionId}/${object}`);
    return raw === undefined ? null : JSON.parse(raw);
  }

  async save(connectionId: string, object: string, checkpoint: unknown): Promise<void> {
    // Round-trip through JSON like a database column would, so tests catch Date/Map leaks.
    const raw = JSON.stringify(checkpoint);
    this.#checkpoints.set(`${connectionId}/${object}`, raw);
    this.history.push({ connectionId, object, checkpoint: JSON.parse(raw) });
  }
}

export class InMemorySignalSink implements SignalSink {
  readonly signals: CanonicalSignal[] = [];

  async write(signals: CanonicalSignal[]): Promise<void> {
    this.signals.push(...signals);
  }

  latest(crmAccountId: string, metric: string): CanonicalSignal | undefined {
    return this.signals.filter((s) => s.crmAccountId === crmAccountId && s.metric === metric).at(-1);
  }
}

export class InMemoryAccountSink implements AccountSink {
  readonly accounts = new Map<string, AccountRecord>();

  async upsert(accounts: AccountRecord[]): Promise<void> {
    for (const incoming of accounts) {
      const merged: AccountRecord = { ...(this.accounts.get(incoming.crmId) ?? { crmId: incoming.crmId }) };
      for (const [field, value] of Object.entries(incoming)) {
        if (value !== undefined) Object.assign(merged, { [field]: value });
      }
      this.accounts.set(incoming.crmId, merged);
    }
  }
}

export class InMemoryTraceStore implements TraceStore {
  readonly #records = new Map<string, TraceRecord>();
  readonly #clock: Clock;

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  async begin(key: string): Promise<{ created: boolean; record: TraceRecord }> {
    const existing = this.#records.get(key);
    if (existing) return { created: false, record: { ...existing } };
    const record: TraceRecord = { key, state: 'begun', remoteId: null, begunAt: new Date(this.#clock()) };
    this.#records.set(key, record);
    return { created: true, record: { ...record } };
  }

  async complete(key: string, remoteId: string): Promise<void> {
    const existing = this.#records.get(key);
    const begunAt = existing?.begunAt ?? new Date(this.#clock());
    this.#records.set(key, { key, state: 'completed', remoteId, begunAt });
  }

  async get(key: string): Promise<TraceRecord | null> {
    const found = this.#records.get(key);
    return found ? { ...found } : null;
  }
}

export class InMemoryStateStore implements StateStore {
  readonly #usedUntil = new Map<string, number>();
  readonly #clock: Clock;

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  async consume(nonce: string, ttlMs: number): Promise<boolean> {
    const now = this.#clock();
    const until = this.#usedUntil.get(nonce);
    if (until !== undefined && until > now) return false;
    this.#usedUntil.set(nonce, now + ttlMs);
    return true;
  }
}
