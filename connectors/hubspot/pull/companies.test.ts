import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryAccountSink, InMemoryCheckpointStore, InMemorySignalSink } from '../../core/memory-ports.ts';
import { CrmObjectApiSchema } from '../crm-objects.ts';
import { API, DAY, T0, company, searchPage } from '../fixtures/hubspot-shapes.ts';
import { testClient } from '../fixtures/test-kit.ts';
import { hubspotPaths } from '../paths.ts';
import { advanceCheckpoint, COMPANIES_CHECKPOINT_OBJECT, CompaniesCheckpointSchema, companySearchBody, FIRST_RUN_CHECKPOINT, mapCompany, pullCompanies } from './companies.ts';
import type { CompaniesCheckpoint, CompanyMappingConfig } from './companies.ts';

const asOf = new Date(T0);
const parse = (raw: Record<string, unknown>) => CrmObjectApiSchema.parse(raw);
const mapping: CompanyMappingConfig = {
  metrics: [
    { property: 'licensed_seats_used', metric: 'usage.seat_utilisation', transform: (raw) => Number(raw) / 100 },
    { property: 'last_qbr_date', metric: 'outcomes.days_since_qbr', transform: 'days_since' },
    { property: 'is_referenceable', metric: 'outcomes.referenceable', transform: 'boolean' },
  ],
  seatsProperty: 'licensed_seats',
};

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});

describe('mapCompany', () => {
  it('maps HubSpot nullability onto an account and admin-mapped metrics', () => {
    const raw = company('101', T0 - DAY, {
      domain: ' Acme.COM ',
      licensed_seats: '50',
      licensed_seats_used: '42',
      last_qbr_date: new Date(T0 - 30 * DAY).toISOString(),
      is_referenceable: 'true',
    });
    const { account, signals } = mapCompany(parse(raw), mapping, asOf);
    expect(account).toMatchObject({ crmId: '101', name: 'Company 101', domain: 'acme.com', seats: 50, owner: '9001', customerSince: new Date('2024-02-01T00:00:00.000Z') });
    expect(account.attributes).toMatchObject({ lifecyclestage: 'customer', industry: 'COMPUTER_SOFTWARE', annualrevenue: null });
    expect(signals.map((s) => [s.metric, s.value])).toEqual([
      ['usage.seat_utilisation', 0.42],
      ['outcomes.days_since_qbr', 30],
      ['outcomes.referenceable', 1],
    ]);
    expect(signals.every((s) => s.observedAt.getTime() === T0 && s.source === 'hubspot')).toBe(true);
  });

  it('emits no signal for a null or unparsable property (missing, not zero)', () => {
    const { signals } = mapCompany(parse(company('102', T0, { licensed_seats_used: null, last_qbr_date: 'not a date', is_referenceable: '' })), mapping, asOf);
    expect(signals).toEqual([]);
  });
});

describe('advanceCheckpoint', () => {
  const limits = { pageSize: 2, cap: 4 };
  const rec = (id: string, ms: number) => parse(company(id, ms));

  it('pages inside a window, then restarts the window from the last modified time before the cap', () => {
    let cp: CompaniesCheckpoint = FIRST_RUN_CHECKPOINT;
    let step = advanceCheckpoint(cp, { results: [rec('1', 1000), rec('2', 2000)], nextAfter: '2' }, limits);
    expect(step.next).toMatchObject({ after: '2', fetchedInWindow: 2, boundaryMs: 2000, boundaryIds: ['2'] });
    cp = step.next;
    step = advanceCheckpoint(cp, { results: [rec('3', 3000), rec('4', 3000)], nextAfter: '4' }, limits);
    // 4 fetched + 2 more would pass the cap of 4: new window GTE 3000, skipping 3 and 4.
    expect(step.next).toMatchObject({ windowStartMs: 3000, after: null, fetchedInWindow: 0, boundaryIds: ['3', '4'] });
    expect(step.done).toBe(false);
    cp = step.next;
    step = advanceCheckpoint(cp, { results: [rec('3', 3000), rec('4', 3000)], nextAfter: '2' }, limits);
    expect(step.fresh).toEqual([]);
  });

  it('walks one millisecond by id when a whole window shares it', () => {
    const cp: CompaniesCheckpoint = { ...FIRST_RUN_CHECKPOINT, windowStartMs: 5000, boundaryMs: 5000, boundaryIds: ['7', '8'], fetchedInWindow: 2, after: '2' };
    const step = advanceCheckpoint(cp, { results: [rec('9', 5000), rec('10', 5000)], nextAfter: '4' }, limits);
    expect(step.next.tieWalk).toEqual({ atMs: 5000, afterId: '0' });
    const body = companySearchBody(step.next, ['name'], 2);
    expect(body).toMatchObject({
      filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'EQ', value: '5000' }, { propertyName: 'hs_object_id', operator: 'GT', value: '0' }] }],
      sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
    });
    const walked = advanceCheckpoint(step.next, { results: [rec('7', 5000)], nextAfter: undefined }, limits);
    expect(walked.fresh).toEqual([]); // 7 was already processed
    expect(walked.next).toMatchObject({ tieWalk: null, windowStartMs: 5000, windowStartExclusive: true });
    expect(companySearchBody(walked.next, ['name'], 2)).toMatchObject({ filterGroups: [{ filters: [{ operator: 'GT', value: '5000' }] }] });
  });

  it('ends the first run in the incremental phase at the newest modified time', () => {
    const step = advanceCheckpoint(FIRST_RUN_CHECKPOINT, { results: [rec('1', 1000)], nextAfter: undefined }, limits);
    expect(step.done).toBe(true);
    expect(step.next).toMatchObject({ phase: 'incremental', windowStartMs: 1000, boundaryIds: ['1'] });
  });
});

describe('pullCompanies', () => {
  it('runs a first sync page by page, saving a checkpoint after every page, then an incremental one', async () => {
    const { client } = testClient({ overrides: { limits: { searchPageSize: 2 } } });
    const checkpoints = new InMemoryCheckpointStore();
    const accounts = new InMemoryAccountSink();
    const signals = new InMemorySignalSink();
    const path = hubspotPaths.objectSearch('companies');
    const t1 = T0 - 3 * DAY;
    const t2 = T0 - 2 * DAY;
    const t3 = T0 - DAY;
    const firstRun = nock(API)
      .post(path, (body: Record<string, unknown>) => JSON.stringify(body.filterGroups) === '[]' && body.after === undefined && body.limit === 2)
      .reply(200, searchPage([company('1', t1), company('2', t2)], '2', 3))
      .post(path, (body: Record<string, unknown>) => body.after === '2')
      .reply(200, searchPage([company('3', t3, { licensed_seats_used: '80' })], undefined, 3));
    const deps = { client, checkpoints, accounts, signals };
    const first = await pullCompanies(deps, { connectionId: 'c1', mapping, asOf });
    expect(first).toMatchObject({ phase: 'initial', pages: 2, companies: 3, done: true, companyIds: ['1', '2', '3'] });
    expect(checkpoints.history.map((h) => CompaniesCheckpointSchema.parse(h.checkpoint).phase)).toEqual(['initial', 'incremental']);
    expect(accounts.accounts.size).toBe(3);
    expect(signals.latest('3', 'usage.seat_utilisation')?.value).toBe(0.8);
    firstRun.done();

    const t4 = T0 - 1000;
    const incremental = nock(API)
      .post(path, (body: Record<string, unknown>) =>
        JSON.stringify(body.filterGroups) === JSON.stringify([{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: String(t3) }] }]) &&
        JSON.stringify(body.sorts) === JSON.stringify([{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }]),
      )
      .reply(200, searchPage([company('3', t3), company('2', t4)]));
    const second = await pullCompanies(deps, { connectionId: 'c1', mapping, asOf });
    expect(second).toMatchObject({ phase: 'incremental', companies: 1, companyIds: ['2'] });
    expect(await checkpoints.get('c1', COMPANIES_CHECKPOINT_OBJECT)).toMatchObject({ windowStartMs: t4, boundaryIds: ['2'] });
    incremental.done();
  });

  it('resumes from the saved checkpoint after a crash mid-run', async () => {
    const { client } = testClient({ overrides: { limits: { searchPageSize: 2 } } });
    const checkpoints = new InMemoryCheckpointStore();
    const deps = { client, checkpoints, accounts: new InMemoryAccountSink(), signals: new InMemorySignalSink() };
    const path = hubspotPaths.objectSearch('companies');
    nock(API).post(path).reply(200, searchPage([company('1', 1000), company('2', 2000)], '2')).post(path).reply(400, { status: 'error', category: 'VALIDATION_ERROR', message: 'boom' });
    await expect(pullCompanies(deps, { connectionId: 'c1', mapping, asOf })).rejects.toMatchObject({ kind: 'invalid_input' });
    const resumed = nock(API).post(path, (body: Record<string, unknown>) => body.after === '2').reply(200, searchPage([company('3', 3000)]));
    const result = await pullCompanies(deps, { connectionId: 'c1', mapping, asOf });
    expect(result.companyIds).toEqual(['3']);
    resumed.done();
  });
});
