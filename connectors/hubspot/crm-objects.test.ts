import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isConnectorError } from '../core/error-kinds.ts';
import { batchReadObjects } from './crm-objects.ts';
import { API, batchError, batchResponse, batchResponseWithErrors, crmObject } from './fixtures/hubspot-shapes.ts';
import { testClient } from './fixtures/test-kit.ts';
import { hubspotPaths } from './paths.ts';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

describe('batchReadObjects', () => {
  it('treats records that no longer exist as absent', async () => {
    const scope = nock(API)
      .post(hubspotPaths.objectBatchRead('tickets'))
      .reply(207, batchResponseWithErrors([crmObject('1', {})], [batchError('OBJECT_NOT_FOUND', 'Could not get some TICKET objects', { ids: ['2'] })]));
    const { client } = testClient();
    const found = await batchReadObjects(client, 'tickets', ['1', '2'], ['subject']);
    expect([...found.keys()]).toEqual(['1']);
    scope.done();
  });

  it('refuses a partial answer for any other reason, as retryable', async () => {
    nock(API)
      .post(hubspotPaths.objectBatchRead('tickets'))
      .reply(207, batchResponseWithErrors([crmObject('1', {})], [batchError('INTERNAL_ERROR', 'try again', { ids: ['2'] })]));
    const { client } = testClient();
    const error: unknown = await batchReadObjects(client, 'tickets', ['1', '2'], ['subject']).catch((e: unknown) => e);
    expect(isConnectorError(error) && error.kind).toBe('retryable');
  });

  it('reads everything when HubSpot answers in full', async () => {
    nock(API).post(hubspotPaths.objectBatchRead('deals')).reply(200, batchResponse([crmObject('9', { amount: '10' })]));
    const { client } = testClient();
    expect((await batchReadObjects(client, 'deals', ['9'], ['amount'])).get('9')?.properties.amount).toBe('10');
  });
});
