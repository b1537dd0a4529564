import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { API, batchResponse } from '../fixtures/hubspot-shapes.ts';
import { testClient } from '../fixtures/test-kit.ts';
import { hubspotPaths } from '../paths.ts';
import { HEALTH_GROUP, HEALTH_PROPERTIES } from './health-properties.ts';
import { propertyDrift, provisionHealthProperties } from './provision-properties.ts';

const groupPath = hubspotPaths.propertyGroup('companies', 'customer_health');
const asExisting = (def: (typeof HEALTH_PROPERTIES)[number]) => ({
  ...def,
  hidden: false,
  hasUniqueValue: false,
  createdAt: '2026-11-01T00:00:00Z',
  updatedAt: '2026-11-01T00:00:00Z',
  modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: false },
});
const hubspotNative = { name: 'name', label: 'Company name', type: 'string', fieldType: 'text', groupName: 'companyinformation', description: '' };

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});

describe('provisionHealthProperties', () => {
  it('creates the group and every property on a fresh portal', async () => {
    const scope = nock(API)
      .get(groupPath)
      .reply(404, { status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Unable to find property group customer_health' })
      .post(hubspotPaths.propertyGroups('companies'), { name: 'customer_health', label: 'Customer Health', displayOrder: -1 })
      .reply(201, { name: 'customer_health', label: 'Customer Health', displayOrder: -1, archived: false })
      .get(hubspotPaths.properties('companies'))
      .query({ archived: 'false' })
      .reply(200, { results: [hubspotNative] })
      .post(hubspotPaths.propertiesBatchCreate('companies'), (body: { inputs: { name: string; groupName: string; type: string; fieldType: string; options?: { value: string }[] }[] }) => {
        const tier = body.inputs.find((p) => p.name === 'crmh_health_tier');
        return (
          body.inputs.length === HEALTH_PROPERTIES.length &&
          body.inputs.every((p) => p.groupName === 'customer_health') &&
          tier?.type === 'enumeration' &&
          tier.fieldType === 'select' &&
          JSON.stringify(tier.options?.map((o) => o.value)) === JSON.stringify(['healthy', 'at_risk', 'critical', 'insufficient_data']) &&
          body.inputs.find((p) => p.name === 'crmh_scored_at')?.type === 'datetime'
        );
      })
      .reply(201, batchResponse(HEALTH_PROPERTIES.map(asExisting)));
    const result = await provisionHealthProperties(testClient().client);
    expect(result).toMatchObject({ groupCreated: true, repaired: [], unchanged: [], failed: [] });
    expect(result.created).toHaveLength(HEALTH_PROPERTIES.length);
    scope.done();
  });

  it('writes nothing when everything already matches (re-running never duplicates)', async () => {
    const scope = nock(API)
      .get(groupPath)
      .reply(200, { ...HEALTH_GROUP, archived: false })
      .get(hubspotPaths.properties('companies'))
      .query(true)
      .reply(200, { results: [hubspotNative, ...HEALTH_PROPERTIES.map(asExisting)] });
    const result = await provisionHealthProperties(testClient().client);
    expect(result).toMatchObject({ groupCreated: false, created: [], repaired: [] });
    expect(result.unchanged).toHaveLength(HEALTH_PROPERTIES.length);
    scope.done();
  });

  it('repairs drift: a renamed label, a removed option, a missing property', async () => {
    const drifted = HEALTH_PROPERTIES.map(asExisting)
      .filter((p) => p.name !== 'crmh_top_drivers')
      .map((p) => {
        if (p.name === 'crmh_health_score') return { ...p, label: 'Score (edited)' };
        if (p.name === 'crmh_health_tier') return { ...p, options: p.options?.filter((o) => o.value !== 'insufficient_data') };
        return p;
      });
    const scope = nock(API)
      .get(groupPath)
      .reply(200, { ...HEALTH_GROUP, label: 'Health (old)', archived: false })
      .patch(groupPath, { label: 'Customer Health' })
      .reply(200, { ...HEALTH_GROUP, archived: false })
      .get(hubspotPaths.properties('companies'))
      .query(true)
      .reply(200, { results: drifted })
      .post(hubspotPaths.propertiesBatchCreate('companies'), (body: { inputs: { name: string }[] }) => body.inputs.length === 1 && body.inputs[0]?.name === 'crmh_top_drivers')
      .reply(201, batchResponse([asExisting(HEALTH_PROPERTIES.find((p) => p.name === 'crmh_top_drivers')!)]))
      .patch(hubspotPaths.property('companies', 'crmh_health_score'), (body: { label: string }) => body.label === 'Health score')
      .reply(200, asExisting(HEALTH_PROPERTIES[0]))
      .patch(hubspotPaths.property('companies', 'crmh_health_tier'), (body: { options: unknown[] }) => body.options.length === 4)
      .reply(200, asExisting(HEALTH_PROPERTIES[1]));
    const result = await provisionHealthProperties(testClient().client);
    expect(result).toMatchObject({ groupRepaired: true, created: ['crmh_top_drivers'], repaired: ['crmh_health_score', 'crmh_health_tier'] });
    scope.done();
  });

  it('names the drifted fields', () => {
    const tier = HEALTH_PROPERTIES[1];
    expect(propertyDrift({ ...tier, type: 'string', fieldType: 'text', options: [] }, tier)).toEqual(['type', 'fieldType', 'options']);
  });
});
