import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { API, T0, batchError, batchResponse, batchResponseWithErrors, crmObject, daily429 } from '../fixtures/hubspot-shapes.ts';
import { testClient } from '../fixtures/test-kit.ts';
import { hubspotPaths } from '../paths.ts';
import { changedProperties, writeScores } from './write-scores.ts';

const path = hubspotPaths.objectBatchUpdate('companies');
type UpdateBody = { inputs: { id: string; objectWriteTraceId: string; properties: Record<string, string> }[] };
/** HubSpot echoes the updated records with their objectWriteTraceId. */
const echo = (ids: string[], properties: Record<string, string> = {}) =>
  batchResponse(ids.map((id) => ({ ...crmObject(id, properties), objectWriteTraceId: id })));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
const values = (score: number) => ({ crmh_health_score: String(score), crmh_health_tier: score >= 80 ? 'healthy' : 'at_risk', crmh_scored_at: new Date(T0).toISOString() });

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});

describe('changedProperties', () => {
  it('sends only changed values, plus the scored-at stamp beside them', () => {
    const last = { crmh_health_score: '70', crmh_health_tier: 'at_risk', crmh_scored_at: '2026-11-30T12:00:00.000Z' };
    expect(changedProperties(values(72), last)).toEqual({ crmh_health_score: '72', crmh_scored_at: new Date(T0).toISOString() });
  });

  it('skips a company whose only change is the timestamp', () => {
    expect(changedProperties(values(70), { crmh_health_score: '70', crmh_health_tier: 'at_risk', crmh_scored_at: 'yesterday' })).toBeNull();
  });
});

describe('writeScores', () => {
  it('writes 250 changed companies in 3 batches of at most 100 and skips unchanged ones', async () => {
    const desired = new Map<string, Record<string, string>>();
    const lastWritten = new Map<string, Record<string, string>>();
    for (let i = 1; i <= 260; i += 1) desired.set(String(i), values(60));
    for (let i = 251; i <= 260; i += 1) lastWritten.set(String(i), values(60));
    const batch = (from: number, to: number) => (body: UpdateBody) =>
      JSON.stringify(body.inputs.map((i) => i.id)) === JSON.stringify(range(from, to)) &&
      body.inputs.every((i) => i.objectWriteTraceId === i.id && JSON.stringify(i.properties) === JSON.stringify(values(60)));
    const scope = nock(API)
      .post(path, batch(1, 100))
      .reply(200, echo(range(1, 100)))
      .post(path, batch(101, 200))
      .reply(200, echo(range(101, 200)))
      .post(path, batch(201, 250))
      .reply(200, echo(range(201, 250)));
    const result = await writeScores(testClient().client, { desired, lastWritten });
    expect(result).toMatchObject({ considered: 260, unchanged: 10, sent: 250, batches: 3, failed: [] });
    expect(result.written).toHaveLength(250);
    scope.done();
  });

  it('reports per-record failures of a 207 so only those are retried', async () => {
    const desired = new Map([
      ['1', values(50)],
      ['2', values(90)],
      ['3', values(40)],
    ]);
    const scope = nock(API)
      .post(path)
      .reply(
        207,
        batchResponseWithErrors(
          [{ ...crmObject('1', {}), objectWriteTraceId: '1' }, { ...crmObject('3', {}), objectWriteTraceId: '3' }],
          [batchError('VALIDATION_ERROR', 'Property values were not valid: crmh_health_tier', { objectWriteTraceId: ['2'] })],
        ),
      );
    const result = await writeScores(testClient().client, { desired, lastWritten: new Map() });
    expect(result.written.map((w) => w.companyId)).toEqual(['1', '3']);
    expect(result.failed).toEqual([{ companyId: '2', kind: 'invalid_input', message: 'Property values were not valid: crmh_health_tier' }]);
    scope.done();
  });

  it('isolates a record that fails a whole batch by splitting it', async () => {
    const desired = new Map([
      ['1', values(50)],
      ['404', values(60)],
    ]);
    const notFound = { status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Object not found. objectId are usually numeric.' };
    const scope = nock(API)
      .post(path, (body: UpdateBody) => body.inputs.length === 2)
      .reply(404, notFound)
      .post(path, (body: UpdateBody) => body.inputs.length === 1 && body.inputs[0]?.id === '1')
      .reply(200, echo(['1']))
      .post(path, (body: UpdateBody) => body.inputs.length === 1 && body.inputs[0]?.id === '404')
      .reply(404, notFound);
    const result = await writeScores(testClient().client, { desired, lastWritten: new Map() });
    expect(result.written.map((w) => w.companyId)).toEqual(['1']);
    expect(result.failed).toMatchObject([{ companyId: '404', kind: 'not_found' }]);
    expect(result.batches).toBe(3);
    scope.done();
  });

  it('stops on the daily limit and lists everything unwritten', async () => {
    const desired = new Map<string, Record<string, string>>();
    for (let i = 1; i <= 150; i += 1) desired.set(String(i), values(55));
    const scope = nock(API).post(path).reply(200, echo(range(1, 100))).post(path).reply(429, daily429);
    const result = await writeScores(testClient().client, { desired, lastWritten: new Map(), concurrency: 1 });
    expect(result.written).toHaveLength(100);
    expect(result.failed).toHaveLength(50);
    expect(result.stoppedBy).toMatchObject({ kind: 'rate_limited' });
    scope.done();
  });
});
