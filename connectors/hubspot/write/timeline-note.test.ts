import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryTraceStore } from '../../core/memory-ports.ts';
import { API, PORTAL_ID, T0, associationsResponse, batchResponse, crmObject, serverError502 } from '../fixtures/hubspot-shapes.ts';
import { testClient } from '../fixtures/test-kit.ts';
import { hubspotPaths } from '../paths.ts';
import { formatTraceText, postHealthTrace, traceKey, traceMarker, traceReason } from './timeline-note.ts';
import type { HealthChange } from './timeline-note.ts';

const change: HealthChange = {
  companyId: '501',
  previous: { score: 64, tier: 'at_risk' },
  current: { score: 38, tier: 'critical' },
  drivers: [
    { label: 'usage', points: -14 },
    { label: 'support', points: -9 },
    { label: 'engagement', points: 2 },
    { label: 'contract', points: -1 },
  ],
  modelVersion: 'v3',
  scoredAt: new Date(T0),
};
const notePath = hubspotPaths.objectCreate('notes');
type NoteBody = { properties: { hs_note_body: string; hs_timestamp: string }; associations: { to: { id: string }; types: { associationCategory: string; associationTypeId: number }[] }[] };

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});

describe('trace decision and text', () => {
  it('posts on a tier change or a drop above the threshold, never on the first score or insufficient data', () => {
    expect(traceReason(change, 10)).toBe('tier_change');
    expect(traceReason({ ...change, previous: { score: 75, tier: 'at_risk' }, current: { score: 60, tier: 'at_risk' } }, 10)).toBe('drop');
    expect(traceReason({ ...change, previous: { score: 75, tier: 'at_risk' }, current: { score: 68, tier: 'at_risk' } }, 10)).toBeNull();
    expect(traceReason({ ...change, previous: { score: null, tier: null } }, 10)).toBeNull();
    expect(traceReason({ ...change, current: { score: null, tier: 'insufficient_data' } }, 10)).toBeNull();
  });

  it('says what moved in plain words', () => {
    expect(formatTraceText(change)).toBe('Health 64 \u2192 38 (At Risk \u2192 Critical). Drivers: usage \u221214, support \u22129, engagement +2.');
  });
});

describe('postHealthTrace', () => {
  const key = traceKey(PORTAL_ID, change);
  const marker = traceMarker(key);

  it('creates a note associated with the company (type 190) and records it', async () => {
    const scope = nock(API)
      .post(notePath, (body: NoteBody) =>
        body.properties.hs_timestamp === new Date(T0).toISOString() &&
        body.properties.hs_note_body.includes('Health 64 \u2192 38 (At Risk \u2192 Critical). Drivers: usage \u221214') &&
        body.properties.hs_note_body.includes(marker) &&
        JSON.stringify(body.associations) === JSON.stringify([{ to: { id: '501' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 190 }] }]),
      )
      .reply(201, crmObject('9001', {}));
    const traces = new InMemoryTraceStore();
    const outcome = await postHealthTrace({ client: testClient().client, traces }, { change, mode: { type: 'note' }, dropThreshold: 10 });
    expect(outcome).toEqual({ status: 'posted', remoteId: '9001', reason: 'tier_change' });
    expect(await traces.get(key)).toMatchObject({ state: 'completed', remoteId: '9001' });
    scope.done();
  });

  it('does nothing when a retried job finds the trace completed', async () => {
    const traces = new InMemoryTraceStore();
    await traces.begin(key);
    await traces.complete(key, '9001');
    const outcome = await postHealthTrace({ client: testClient().client, traces }, { change, mode: { type: 'note' }, dropThreshold: 10 });
    expect(outcome).toEqual({ status: 'already_posted', remoteId: '9001' });
  });

  it('after a lost create response, finds the note by its marker instead of posting twice', async () => {
    const traces = new InMemoryTraceStore();
    const first = nock(API).post(notePath).reply(502, serverError502);
    const { client } = testClient();
    await expect(postHealthTrace({ client, traces }, { change, mode: { type: 'note' }, dropThreshold: 10 })).rejects.toMatchObject({ kind: 'retryable' });
    first.done();
    // Found through the company's note associations, not CRM search (whose index lags).
    const retry = nock(API)
      .post(hubspotPaths.associationsBatchRead('companies', 'notes'), { inputs: [{ id: '501' }] })
      .reply(200, associationsResponse({ '501': ['9001', '9002'] }, 190))
      .post(hubspotPaths.objectBatchRead('notes'), { inputs: [{ id: '9001' }, { id: '9002' }], properties: ['hs_note_body'], propertiesWithHistory: [] })
      .reply(200, batchResponse([crmObject('9001', { hs_note_body: '<p>an older note</p>' }), crmObject('9002', { hs_note_body: `<p>…</p><p><small>crm-health ref ${marker}</small></p>` })]));
    const outcome = await postHealthTrace({ client, traces }, { change, mode: { type: 'note' }, dropThreshold: 10 });
    expect(outcome).toEqual({ status: 'recovered', remoteId: '9002' });
    retry.done();
  });

  it('creates the note when the earlier attempt never reached HubSpot', async () => {
    const traces = new InMemoryTraceStore();
    await traces.begin(key);
    const scope = nock(API)
      .post(hubspotPaths.associationsBatchRead('companies', 'notes'), { inputs: [{ id: '501' }] })
      .reply(200, associationsResponse({ '501': [] }, 190))
      .post(notePath)
      .reply(201, crmObject('9003', {}));
    const outcome = await postHealthTrace({ client: testClient().client, traces }, { change, mode: { type: 'note' }, dropThreshold: 10 });
    expect(outcome).toMatchObject({ status: 'posted', remoteId: '9003' });
    scope.done();
  });

  it('sends an app event with a stable id when the event type is approved', async () => {
    const scope = nock(API)
      .post(hubspotPaths.appEvents, (body: { eventTypeName: string; id: string; objectId: string; properties: Record<string, unknown> }) =>
        body.eventTypeName === 'ae123_health_change' && body.id === marker && body.objectId === '501' && body.properties.tier === 'critical' && body.properties.previous_score === 64,
      )
      .reply(204);
    const outcome = await postHealthTrace({ client: testClient().client, traces: new InMemoryTraceStore() }, { change, mode: { type: 'app_event', eventTypeName: 'ae123_health_change' }, dropThreshold: 10 });
    expect(outcome).toMatchObject({ status: 'posted', remoteId: marker });
    scope.done();
  });
});
