import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CrmObjectApiSchema } from '../crm-objects.ts';
import { API, DAY, T0, associationsResponse, batchResponse, crmObject, iso } from '../fixtures/hubspot-shapes.ts';
import { testClient } from '../fixtures/test-kit.ts';
import { hubspotPaths } from '../paths.ts';
import { npsSignals, pullFeedbackSignals } from './feedback.ts';

const asOf = new Date(T0);
const response = (id: string, daysAgo: number, value: string, type = 'NPS') =>
  CrmObjectApiSchema.parse(crmObject(id, { hs_survey_type: type, hs_response_value: value, hs_submission_timestamp: iso(T0 - daysAgo * DAY) }));

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});

describe('npsSignals', () => {
  it('scores each contact by their latest NPS answer', () => {
    const signals = npsSignals(
      'c1',
      new Map([
        ['p1', [response('f1', 100, '3'), response('f2', 10, '10')]], // now a promoter
        ['p2', [response('f3', 20, '5')]], // detractor
        ['p3', [response('f4', 20, '8')]], // passive
        ['p4', [response('f5', 5, '2', 'CSAT')]], // not NPS
      ]),
      asOf,
    );
    expect(Object.fromEntries(signals.map((s) => [s.metric, s.value]))).toEqual({ 'engagement.nps': 7.7, 'engagement.nps_score': 0, 'engagement.nps_responses': 3 });
  });
});

describe('pullFeedbackSignals', () => {
  it('skips with a note when the portal has no survey responses (404)', async () => {
    nock(API).post(hubspotPaths.associationsBatchRead('contacts', 'feedback_submissions')).reply(404, { status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Unable to infer object type from: feedback_submissions' });
    const { client } = testClient();
    const result = await pullFeedbackSignals(client, new Map([['c1', ['p1']]]), ['c1'], asOf);
    expect(result).toMatchObject({ skipped: true, signals: [] });
  });

  it('skips without calling HubSpot when the optional scope was not granted', async () => {
    const { client } = testClient();
    const result = await pullFeedbackSignals(client, new Map([['c1', ['p1']]]), ['c1'], asOf, ['oauth', 'tickets']);
    expect(result.skipped).toBe(true);
  });

  it('reads contacts → feedback submissions and computes NPS', async () => {
    const scope = nock(API)
      .post(hubspotPaths.associationsBatchRead('contacts', 'feedback_submissions'), { inputs: [{ id: 'p1' }] })
      .reply(200, associationsResponse({ p1: ['900'] }, 0))
      .post(hubspotPaths.objectBatchRead('feedback_submissions'), (body: { inputs: { id: string }[] }) => body.inputs[0]?.id === '900')
      .reply(200, batchResponse([crmObject('900', { hs_survey_type: 'NPS', hs_response_value: '9', hs_submission_timestamp: iso(T0 - DAY) })]));
    const { client } = testClient();
    const result = await pullFeedbackSignals(client, new Map([['c1', ['p1']]]), ['c1'], asOf);
    expect(result.signals.map((s) => [s.metric, s.value])).toEqual([
      ['engagement.nps', 9],
      ['engagement.nps_score', 100],
      ['engagement.nps_responses', 1],
    ]);
    scope.done();
  });
});
