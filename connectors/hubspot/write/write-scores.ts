/**
 * Writes health values to companies: only what changed since the last successful write,
 * 100 companies per batch update, inside the portal budget (the client). Each input carries
 * `objectWriteTraceId` so HubSpot answers 207 per record instead of failing the batch; the
 * result names the companies that failed and why, so the caller retries only those.
 */
import { isConnectorError } from '../../core/error-kinds.ts';
import type { ConnectorError } from '../../core/error-kinds.ts';
import type { ErrorKind } from '../../core/error-kinds.ts';
import type { HubSpotClient } from '../client.ts';
import { BatchObjectsResponseSchema, chunk, idsInBatchError } from '../crm-objects.ts';
import type { BatchError } from '../crm-objects.ts';
import { hubspotPaths } from '../paths.ts';
import { VOLATILE_PROPERTIES } from './health-properties.ts';

/** Pure: the properties to send for one company, or null when nothing meaningful changed. */
export function changedProperties(desired: Readonly<Record<string, string>>, lastWritten: Readonly<Record<string, string>> | undefined): Record<string, string> | null {
  const changed: Record<string, string> = {};
  let meaningful = false;
  for (const [name, value] of Object.entries(desired)) {
    if (lastWritten?.[name] === value) continue;
    changed[name] = value;
    if (!VOLATILE_PROPERTIES.has(name)) meaningful = true;
  }
  if (!meaningful) return null;
  // Send the timestamp with any real change, so "scored at" dates the values beside it.
  for (const name of VOLATILE_PROPERTIES) if (name in desired) changed[name] = desired[name];
  return changed;
}

export interface WriteFailure {
  companyId: string;
  kind: ErrorKind;
  message: string;
}

export interface WriteScoresResult {
  considered: number;
  unchanged: number;
  /** Companies with changed values. */
  sent: number;
  /** Batch-update calls made. */
  batches: number;
  /** Succeeded: merge these into the caller's "last written" record. */
  written: { companyId: string; properties: Record<string, string> }[];
  failed: WriteFailure[];
  /** Set when a connection-wide failure (re-auth, daily limit, outage) stopped the run early. */
  stoppedBy?: { kind: ErrorKind; message: string; retryAfterMs?: number };
}

function kindOfBatchError(error: BatchError | undefined): ErrorKind {
  const category = error?.category ?? '';
  if (category === 'OBJECT_NOT_FOUND') return 'not_found';
  if (category === 'VALIDATION_ERROR' || category === 'INVALID_INPUT' || category === 'PROPERTY_DOESNT_EXIST') return 'invalid_input';
  if (category === 'RATE_LIMITS') return 'rate_limited';
  return 'retryable';
}

type Input = { companyId: string; properties: Record<string, string> };

export async function writeScores(
  client: HubSpotClient,
  input: {
    desired: ReadonlyMap<string, Readonly<Record<string, string>>>;
    lastWritten: ReadonlyMap<string, Readonly<Record<string, string>>>;
    /** Batches in flight at once (default 4). */
    concurrency?: number;
  },
): Promise<WriteScoresResult> {
  const result: WriteScoresResult = { considered: input.desired.size, unchanged: 0, sent: 0, batches: 0, written: [], failed: [] };
  const pending: Input[] = [];
  for (const [companyId, desired] of input.desired) {
    const changed = changedProperties(desired, input.lastWritten.get(companyId));
    if (changed === null) result.unchanged += 1;
    else pending.push({ companyId, properties: changed });
  }

  result.sent = pending.length;
  const batches = chunk(pending, client.manifest.limits.batchWrite);
  // A few batches in flight hide network latency; the client's budget still sets the pace.
  const workers = Math.max(1, Math.min(input.concurrency ?? 4, batches.length));
  let nextBatch = 0;
  let stoppedBy: ConnectorError | undefined;
  const interrupted: Input[][] = [];
  const work = async (): Promise<void> => {
    while (stoppedBy === undefined && nextBatch < batches.length) {
      const batch = batches[nextBatch];
      nextBatch += 1;
      try {
        await sendBatch(client, batch, result);
      } catch (error) {
        if (!isConnectorError(error)) throw error;
        // The whole connection is blocked (re-auth, daily limit, outage): stop taking batches.
        stoppedBy ??= error;
        interrupted.push(batch);
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, work));
  if (stoppedBy !== undefined) {
    const error: ConnectorError = stoppedBy;
    result.stoppedBy = { kind: error.kind, message: error.message, retryAfterMs: error.retryAfterMs };
    for (const item of [...interrupted, ...batches.slice(nextBatch)].flat()) result.failed.push({ companyId: item.companyId, kind: error.kind, message: error.message });
  }
  return result;
}

async function sendBatch(client: HubSpotClient, batch: Input[], result: WriteScoresResult): Promise<void> {
  result.batches += 1;
  let response;
  try {
    response = await client.request({
      method: 'POST',
      path: hubspotPaths.objectBatchUpdate('companies'),
      idempotent: true, // setting the same values twice is harmless
      body: { inputs: batch.map((b) => ({ id: b.companyId, objectWriteTraceId: b.companyId, properties: b.properties })) },
      schema: BatchObjectsResponseSchema,
    });
  } catch (error) {
    // A record-level problem that failed the whole batch: split it until the bad record is alone.
    if (isConnectorError(error) && (error.kind === 'invalid_input' || error.kind === 'not_found')) {
      if (batch.length === 1) {
        result.failed.push({ companyId: batch[0].companyId, kind: error.kind, message: error.message });
        return;
      }
      const half = Math.ceil(batch.length / 2);
      await sendBatch(client, batch.slice(0, half), result);
      await sendBatch(client, batch.slice(half), result);
      return;
    }
    throw error;
  }
  const succeeded = new Set(response.data.results.flatMap((r) => [r.id, r.objectWriteTraceId ?? r.id]));
  const errors = response.data.errors ?? [];
  for (const item of batch) {
    if (succeeded.has(item.companyId)) {
      result.written.push(item);
      continue;
    }
    const error = errors.find((e) => idsInBatchError(e).includes(item.companyId)) ?? (errors.length === 1 ? errors[0] : undefined);
    result.failed.push({ companyId: item.companyId, kind: kindOfBatchError(error), message: error?.message ?? 'HubSpot did not confirm this record' });
  }
}
