import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Request, Response } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import { loadConfig } from '../../config/load-config.ts';
import { createLogger } from '../../logging/logger.ts';
import { assembleAppContext, type AppContext } from '../../runtime/app-context.ts';
import { createKeyring, parseKeySpec } from '../../security/keyring.ts';
import { scoreWorkspace } from '../../use-cases/score-workspace.ts';
import { createHttpApp } from '../create-http-app.ts';
import { startHttpServer, type RunningServer } from '../start-http-server.ts';
import { createDashboardRouter } from './dashboard-router.ts';
import { operatorAuth } from './operator-auth.ts';

const silent = createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });

describe('operator dashboard API', () => {
  let database: TestDatabase;
  let ctx: AppContext;
  let server: RunningServer;
  let workspaceId: string;
  let otherWorkspaceId: string;

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    ctx = assembleAppContext({
      config: loadConfig({ LOG_LEVEL: 'silent' }), logger: silent, database, redis: null,
      keyring: createKeyring(parseKeySpec(`k1:${randomBytes(32).toString('base64')}`)),
    });
    const ws = await ctx.directory.create({ name: 'Acme CS', kind: 'local' });
    const other = await ctx.directory.create({ name: 'Globex CS', kind: 'local' });
    workspaceId = ws.id;
    otherWorkspaceId = other.id;
    const repo = ctx.workspace(ws.id);
    const [strong, weak, quiet] = await repo.accounts.upsertMany([
      { crmId: 'strong', name: 'Strong Co', seats: 10 },
      { crmId: 'weak', name: 'Weak Co', seats: 10 },
      { crmId: 'quiet', name: 'Quiet Co', seats: 10 },
    ]);
    const at = new Date();
    const observe = (accountId: string, values: Record<string, number>) =>
      repo.signals.insertMany(Object.entries(values).map(([metric, value]) => ({ accountId, metric, value, observedAt: at, source: 'test' })));
    await observe(strong?.id ?? '', { 'usage.active_user_ratio': 0.9, 'usage.login_days_30d': 25, 'usage.feature_adoption': 0.8, 'billing.days_past_due': 0, 'billing.failed_payments_90d': 0, 'support.csat': 0.95, 'engagement.days_since_last_touch': 2, 'outcomes.goal_completion': 0.9 });
    await observe(weak?.id ?? '', { 'usage.active_user_ratio': 0.05, 'usage.login_days_30d': 1, 'usage.feature_adoption': 0.05, 'billing.days_past_due': 45, 'billing.failed_payments_90d': 3, 'support.csat': 0.3, 'engagement.days_since_last_touch': 90, 'outcomes.goal_completion': 0.05 });
    await observe(quiet?.id ?? '', { 'support.csat': 0.2 });
    await scoreWorkspace(repo, { asOf: new Date(at.getTime() + 1000) });
    server = await startHttpServer(createHttpApp({ logger: silent, readiness: [], routers: [{ path: '/', router: createDashboardRouter(ctx) }] }), 0, '127.0.0.1');
  });
  afterAll(async () => {
    await server?.stop(100);
    await database?.destroy();
  });

  const get = async (path: string) => {
    const res = await fetch(`${server.url}${path}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('lists workspaces with their tier distribution', async () => {
    const { body } = await get('/api/workspaces');
    const acme = (body.workspaces as Array<{ id: string; tiers: Record<string, number>; accounts: number }>).find((w) => w.id === workspaceId);
    expect(acme).toMatchObject({ accounts: 3, tiers: { healthy: 1, critical: 1, insufficient_data: 1 } });
  });

  it('lists accounts weakest first, with the top driver in words', async () => {
    const { body } = await get(`/api/workspaces/${workspaceId}/accounts`);
    const accounts = body.accounts as Array<{ crmId: string; tier: string; drivers: Array<{ text: string; points: number }> }>;
    // Scored accounts weakest first; an account without enough fresh data is listed apart, after them.
    expect(accounts.map((a) => [a.crmId, a.tier])).toEqual([['weak', 'critical'], ['strong', 'healthy'], ['quiet', 'insufficient_data']]);
    expect(accounts[0]?.drivers[0]?.points).toBeLessThan(0);
    expect(accounts[0]?.drivers[0]?.text).toMatch(/−\d+/);
    const critical = await get(`/api/workspaces/${workspaceId}/accounts?tier=critical`);
    expect((critical.body.accounts as unknown[]).length).toBe(1);
    const insufficient = await get(`/api/workspaces/${workspaceId}/accounts?tier=insufficient_data`);
    expect((insufficient.body.accounts as Array<{ crmId: string; score: number | null }>).map((a) => [a.crmId, a.score])).toEqual([['quiet', null]]);
  });

  it('shows one account’s health with recommended plays for its tier', async () => {
    const { status, body } = await get(`/api/workspaces/${workspaceId}/companies/weak`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ tier: 'critical', modelVersion: 'default v1' });
    expect((body.recommendedPlays as unknown[]).length).toBeGreaterThan(0);
  });

  it('does not show one workspace’s accounts under another workspace’s id', async () => {
    expect((await get(`/api/workspaces/${otherWorkspaceId}/companies/weak`)).status).toBe(404);
    expect((await get(`/api/workspaces/${otherWorkspaceId}/accounts`)).body.accounts).toEqual([]);
    expect((await get('/api/workspaces/not-a-uuid/accounts')).status).toBe(404);
  });

  it('rejects a bad tier filter with a message naming it', async () => {
    const { status, body } = await get(`/api/workspaces/${workspaceId}/accounts?tier=purple`);
    expect(status).toBe(400);
    expect(JSON.stringify(body)).toContain('tier');
  });
});

describe('operatorAuth', () => {
  const run = (token: string | undefined, req: Partial<Request>, listenHost = '127.0.0.1') =>
    new Promise<unknown>((resolve) => {
      operatorAuth(token, listenHost)(
        { query: {}, socket: { remoteAddress: '127.0.0.1' }, ...req, headers: { host: 'localhost:3000', ...req.headers } } as Request,
        { cookie: () => undefined } as unknown as Response,
        resolve,
      );
    });

  it('without ADMIN_TOKEN answers only a browser on this machine', async () => {
    expect(await run(undefined, {})).toBeUndefined();
    expect(await run(undefined, { headers: { origin: 'http://127.0.0.1:3000' } })).toBeUndefined();
    expect(await run(undefined, { socket: { remoteAddress: '10.1.2.3' } } as Partial<Request>)).toMatchObject({ status: 403 });
  });

  it('without ADMIN_TOKEN refuses proxied, rebinding and cross-site requests, and servers listening on all interfaces', async () => {
    expect(await run(undefined, { headers: { 'x-forwarded-for': '203.0.113.9' } })).toMatchObject({ status: 403 });
    expect(await run(undefined, { headers: { host: 'evil.example.com:3000' } })).toMatchObject({ status: 403 });
    expect(await run(undefined, { headers: { origin: 'https://evil.example.com' } })).toMatchObject({ status: 403 });
    expect(await run(undefined, {}, '0.0.0.0')).toMatchObject({ status: 403 });
  });

  it('needs the token from anywhere once one is set', async () => {
    const token = 'a'.repeat(32);
    expect(await run(token, {})).toMatchObject({ status: 401 });
    expect(await run(token, { headers: { authorization: `Bearer ${token}` } })).toBeUndefined();
    expect(await run(token, { headers: { cookie: `crmh_admin=${token}` } })).toBeUndefined();
    expect(await run(token, { headers: { authorization: 'Bearer nope' } })).toMatchObject({ status: 401 });
  });
});

describe('former customers', () => {
  it('leave the portfolio view once their last outcome is a churn, and come back if they return', async () => {
    const database = await createTestDatabase('pglite');
    try {
      const ctx = assembleAppContext({
        config: loadConfig({ LOG_LEVEL: 'silent' }), logger: silent, database, redis: null,
        keyring: createKeyring(parseKeySpec(`k1:${randomBytes(32).toString('base64')}`)),
      });
      const repo = ctx.workspace((await ctx.directory.create({ name: 'Churny', kind: 'local' })).id);
      const [gone, staying] = await repo.accounts.upsertMany([{ crmId: 'gone' }, { crmId: 'staying' }]);
      const at = new Date('2026-06-01T00:00:00Z');
      for (const a of [gone, staying]) {
        await repo.signals.insertMany([{ accountId: a?.id ?? '', metric: 'usage.active_user_ratio', value: 0.5, observedAt: at, source: 't' }]);
      }
      await scoreWorkspace(repo, { asOf: at });
      await repo.outcomes.insertMany([{ accountId: gone?.id ?? '', outcome: 'churned', occurredAt: new Date('2026-06-10T00:00:00Z') }]);
      expect((await repo.scores.latestAll()).map((r) => r.crmId)).toEqual(['staying']);
      expect((await repo.scores.latestAll({ includeChurned: true })).map((r) => r.crmId).sort()).toEqual(['gone', 'staying']);
      expect((await repo.scores.tierDistribution()).reduce((n, t) => n + t.n, 0)).toBe(1);
      await repo.outcomes.insertMany([{ accountId: gone?.id ?? '', outcome: 'renewed', occurredAt: new Date('2026-09-01T00:00:00Z') }]);
      expect((await repo.scores.latestAll()).map((r) => r.crmId).sort()).toEqual(['gone', 'staying']);
    } finally {
      await database.destroy();
    }
  });
});
