import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, ENGINES, type TestDatabase } from '../../test/support/test-database.ts';
import { createKeyring, parseKeySpec } from '../security/keyring.ts';
import { connections } from './schema.ts';
import { workspaceDirectory } from './workspace-directory.ts';
import { workspaceRepository } from './workspace-repository.ts';

const key = () => randomBytes(32).toString('base64');

describe.each(ENGINES)('storage on %s', (engine) => {
  let database: TestDatabase;
  const keySpec = `k1:${key()}`;
  const keyring = createKeyring(parseKeySpec(keySpec));

  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await database?.destroy();
  });

  async function twoWorkspaces() {
    const dir = workspaceDirectory(database.db);
    const a = await dir.create({ name: 'Acme portal' });
    const b = await dir.create({ name: 'Globex portal' });
    return { a: workspaceRepository(database.db, a.id, { keyring }), b: workspaceRepository(database.db, b.id, { keyring }) };
  }

  it('keeps one workspace from reading or changing another workspace’s rows', async () => {
    const { a, b } = await twoWorkspaces();
    const [bAccount] = await b.accounts.upsertMany([{ crmId: '900', name: 'Globex Corp', domain: 'globex.com' }]);
    if (!bAccount) throw new Error('no account');
    await b.signals.insertMany([{ accountId: bAccount.id, metric: 'support.csat', value: 0.9, observedAt: new Date('2026-01-01'), source: 'zendesk' }]);

    expect(await a.accounts.get(bAccount.id)).toBeNull();
    expect(await a.accounts.getByCrmId('900')).toBeNull();
    expect(await a.accounts.list()).toEqual([]);
    expect(await a.accounts.update(bAccount.id, { name: 'hijacked' })).toBe(false);
    expect(await a.accounts.remove(bAccount.id)).toBe(false);
    expect(await a.signals.forAccounts([bAccount.id], new Date('2027-01-01'))).toEqual([]);
    expect(await a.signals.latestAsOf([bAccount.id], new Date('2027-01-01'))).toEqual([]);
    expect(await a.scores.latest([bAccount.id])).toEqual([]);
    expect((await b.accounts.get(bAccount.id))?.name).toBe('Globex Corp');
  });

  it('refuses to attach signals, scores or outcomes to another workspace’s account', async () => {
    const { a, b } = await twoWorkspaces();
    const [bAccount] = await b.accounts.upsertMany([{ crmId: '901' }]);
    if (!bAccount) throw new Error('no account');
    await expect(
      a.signals.insertMany([{ accountId: bAccount.id, metric: 'usage.login_days_30d', value: 3, observedAt: new Date(), source: 'x' }]),
    ).rejects.toThrow();
    await expect(a.outcomes.insertMany([{ accountId: bAccount.id, outcome: 'churned', occurredAt: new Date() }])).rejects.toThrow();
    expect(await b.signals.count()).toBe(0);
  });

  it('never lets an install in one workspace take over another workspace’s portal', async () => {
    const { a, b } = await twoWorkspaces();
    const portal = `portal-${randomBytes(4).toString('hex')}`;
    await a.connections.upsert({ provider: 'hubspot', externalAccountId: portal, authMode: 'oauth', scopes: ['oauth'], credentials: { accessToken: 'x' } });
    await expect(
      b.connections.upsert({ provider: 'hubspot', externalAccountId: portal, authMode: 'oauth', scopes: [], credentials: { accessToken: 'y' } }),
    ).rejects.toThrow(/another workspace/);
    expect(await b.connections.list()).toEqual([]);
  });

  it('stores credentials sealed and reads them back, also after a key rotation', async () => {
    const { a } = await twoWorkspaces();
    const conn = await a.connections.upsert({
      provider: 'hubspot', externalAccountId: `p-${randomBytes(4).toString('hex')}`, authMode: 'oauth', scopes: ['oauth'],
      credentials: { accessToken: 'at-PLAIN', refreshToken: 'rt-PLAIN' },
    });
    const [raw] = await database.db.select({ sealed: connections.sealedCredentials }).from(connections).where(eq(connections.id, conn.id));
    expect(raw?.sealed).toMatch(/^v1:k1:/);
    expect(raw?.sealed).not.toContain('PLAIN');

    const rotated = workspaceRepository(database.db, a.workspaceId, { keyring: createKeyring(parseKeySpec(`k2:${key()},${keySpec}`)) });
    const creds = await rotated.connections.readCredentials(conn.id, (v) => v as { refreshToken: string });
    expect(creds?.refreshToken).toBe('rt-PLAIN');
    await rotated.connections.writeCredentials(conn.id, { accessToken: 'at-2', refreshToken: 'rt-2' }, null);
    const [after] = await database.db.select({ sealed: connections.sealedCredentials }).from(connections).where(eq(connections.id, conn.id));
    expect(after?.sealed).toMatch(/^v1:k2:/);
  });

  it('returns only observations made on or before the as-of date, latest per metric', async () => {
    const { a } = await twoWorkspaces();
    const [acct] = await a.accounts.upsertMany([{ crmId: '1' }]);
    if (!acct) throw new Error('no account');
    const at = (d: string) => new Date(`${d}T00:00:00Z`);
    await a.signals.insertMany([
      { accountId: acct.id, metric: 'usage.login_days_30d', value: 20, observedAt: at('2026-01-01'), source: 'segment' },
      { accountId: acct.id, metric: 'usage.login_days_30d', value: 12, observedAt: at('2026-02-01'), source: 'segment' },
      { accountId: acct.id, metric: 'usage.login_days_30d', value: 2, observedAt: at('2026-03-01'), source: 'segment' },
      { accountId: acct.id, metric: 'support.csat', value: 0.8, observedAt: at('2026-01-15'), source: 'zendesk' },
    ]);
    const asOf = await a.signals.latestAsOf([acct.id], at('2026-02-15'));
    expect(asOf.map((s) => [s.metric, s.value]).sort()).toEqual([['support.csat', 0.8], ['usage.login_days_30d', 12]]);
    // A replayed import does not duplicate observations.
    expect(await a.signals.insertMany([{ accountId: acct.id, metric: 'support.csat', value: 0.8, observedAt: at('2026-01-15'), source: 'zendesk' }])).toBe(0);
  });

  it('rejects malformed signals instead of storing them', async () => {
    const { a } = await twoWorkspaces();
    const [acct] = await a.accounts.upsertMany([{ crmId: 'x1' }]);
    const at = new Date('2026-01-01T00:00:00Z');
    await expect(a.signals.insertMany([{ accountId: acct?.id ?? '', metric: 'support.csat', value: Number.NaN, observedAt: at, source: 's' }])).rejects.toThrow(/not a finite number/);
    await expect(a.signals.insertMany([{ accountId: '{x}', metric: 'support.csat', value: 1, observedAt: at, source: 's' }])).rejects.toThrow(/not an account id/);
    // Any text survives the array literal: quotes, backslashes, commas, braces, NULL.
    const odd = ['a"b', 'c\\d', 'e,f', '{g}', 'NULL', ' sp ace '];
    await a.signals.insertMany(odd.map((metric, i) => ({ accountId: acct?.id ?? '', metric, value: i, observedAt: at, source: metric })));
    const stored = await a.signals.latestAsOf([acct?.id ?? ''], at);
    expect(stored.map((s) => s.metric).sort()).toEqual([...odd].sort());
    expect(stored.every((s) => s.source === s.metric)).toBe(true);
  });

  it('versions models: each save is a new version and publishing retires the previous one', async () => {
    const { a } = await twoWorkspaces();
    const v1 = await a.models.create({ modelKey: 'default', status: 'published', definition: { name: 'Default' } });
    const v2 = await a.models.create({ modelKey: 'default', status: 'draft', definition: { name: 'Default, fitted' } });
    expect([v1.version, v2.version]).toEqual([1, 2]);
    expect(v2.definition.version).toBe(2);
    await a.models.publish(v2.id);
    const published = await a.models.published();
    expect(published.map((m) => m.version)).toEqual([2]);
    expect((await a.models.get(v1.id))?.status).toBe('retired');
    await expect(a.models.publish(v2.id)).rejects.toThrow(/only drafts/);
  });

  it('merges account attributes on upsert without losing what was known', async () => {
    const { a } = await twoWorkspaces();
    await a.accounts.upsertMany([{ crmId: '7', name: 'Initech', domain: 'INITECH.com', seats: 50, attributes: { plan: 'pro' } }]);
    const [row] = await a.accounts.upsertMany([{ crmId: '7', attributes: { region: 'EMEA' } }]);
    expect(row).toMatchObject({ name: 'Initech', domain: 'initech.com', seats: 50, attributes: { plan: 'pro', region: 'EMEA' } });
  });

  it('runs the same migrations on this engine', async () => {
    const rows = await database.db.execute(sql`select count(*)::int as n from information_schema.tables where table_name = 'signals'`);
    const list = Array.isArray(rows) ? rows : (rows as { rows: Array<{ n: number }> }).rows;
    expect(list[0]).toMatchObject({ n: 1 });
  });
});
