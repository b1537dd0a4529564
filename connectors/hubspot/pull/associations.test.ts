import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { API, associationsResponse } from '../fixtures/hubspot-shapes.ts';
import { testClient } from '../fixtures/test-kit.ts';
import { hubspotPaths } from '../paths.ts';
import { readAssociations } from './associations.ts';

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});

describe('readAssociations', () => {
  it('reads in batches of the manifest limit and follows paging.after inside each result', async () => {
    const { client } = testClient({ overrides: { limits: { associationBatchRead: 2 } } });
    const path = hubspotPaths.associationsBatchRead('companies', 'contacts');
    const scope = nock(API)
      .post(path, { inputs: [{ id: '1' }, { id: '2' }] })
      .reply(207, associationsResponse({ '1': ['11', '12'], '2': [] }, 280, { '1': 'MTI=' }))
      .post(path, { inputs: [{ id: '3' }] })
      .reply(200, associationsResponse({ '3': ['31'] }, 280))
      .post(path, { inputs: [{ id: '1', after: 'MTI=' }] })
      .reply(200, associationsResponse({ '1': ['13'] }, 280));
    const result = await readAssociations(client, 'companies', 'contacts', ['1', '2', '3']);
    expect(Object.fromEntries(result)).toEqual({ '1': ['11', '12', '13'], '2': [], '3': ['31'] });
    scope.done();
  });
});
