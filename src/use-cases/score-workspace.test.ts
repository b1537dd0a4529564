import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.ts';
import { workspaceDirectory } from '../storage/workspace-directory.ts';
import { workspaceRepository, type WorkspaceRepository } from '../storage/workspace-repository.ts';
import { scoreWorkspace } from './score-workspace.ts';
import { saveModelSet } from './workspace-models.ts';
import { DEFAULT_MODEL_INPUT } from '../scoring/index.ts';

const day = (d: string) => new Date(`${d}T00:00:00Z`);

/** Values that put every catalogue factor at its good or bad anchor side. */
const GOOD: Record<string, number> = {
  'usage.active_user_ratio': 0.9, 'usage.login_days_30d': 26, 'usage.feature_adoption': 0.85, 'usage.session_minutes_per_user': 200,
  'usage.user_growth_90d': 0.2, 'usage.api_calls_change_30d': 0.2, 'engagement.email_reply_rate': 0.8, 'engagement.meetings_90d': 6,
  'engagement.days_since_last_touch': 3, 'engagement.nps': 9.5, 'engagement.survey_response_rate': 0.8, 'support.csat': 0.97,
  'support.open_tickets': 0, 'support.escalations_90d': 0, 'support.first_reply_hours': 1, 'outcomes.goal_completion': 0.95,
  'outcomes.milestones_completed': 0.95, 'outcomes.time_to_value_days': 10, 'outcomes.roi_realized': 1.5,
  'billing.failed_payments_90d': 0, 'billing.days_past_due': 0, 'billing.seat_utilization': 0.95, 'billing.mrr_change_90d': 0.1,
};
const BAD: Record<string, number> = {
  'usage.active_user_ratio': 0.05, 'usage.login_days_30d': 1, 'usage.feature_adoption': 0.05, 'usage.session_minutes_per_user': 2,
  'usage.user_growth_90d': -0.6, 'usage.api_calls_change_30d': -0.8, 'engagement.email_reply_rate': 0.02, 'engagement.meetings_90d': 0,
  'engagement.days_since_last_touch': 120, 'engagement.nps': 1, 'engagement.survey_response_rate': 0, 'support.csat': 0.3,
  'support.open_tickets': 30, 'support.escalations_90d': 10, 'support.first_reply_hours': 96, 'outcomes.goal_completion': 0.05,
  'outcomes.milestones_completed': 0.05, 'outcomes.time_to_value_days': 300, 'outcomes.roi_realized': 0.1,
  'billing.failed_payments_90d': 4, 'billing.days_past_due': 60, 'billing.seat_utilization': 0.1, 'billing.mrr_change_90d': -0.5,
};

describe('scoreWorkspace', () => {
  let database: TestDatabase;
  let repo: WorkspaceRepository;
  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    const ws = await workspaceDirectory(database.db).create({ name: 'Scoring' });
    repo = workspaceRepository(database.db, ws.id);
  });
  afterAll(async () => database?.destroy());

  const observe = async (accountId: string, values: Record<string, number>, at: Date) =>
    repo.signals.insertMany(Object.entries(values).map(([metric, value]) => ({ accountId, metric, value, observedAt: at, source: 'test' })));

  it('scores with the default model as version 1, stores history, and reports a tier change with drivers', async () => {
    const [acme, quiet] = await repo.accounts.upsertMany([
      { crmId: 'acme', name: 'Acme', seats: 50, customerSince: day('2024-01-01'), renewalDate: day('2027-06-01') },
      { crmId: 'quiet', name: 'Quiet Ltd', customerSince: day('2024-01-01') },
    ]);
    if (!acme || !quiet) throw new Error('accounts missing');
    await observe(acme.id, GOOD, day('2026-01-01'));

    const first = await scoreWorkspace(repo, { asOf: day('2026-01-05') });
    expect(first).toMatchObject({ modelVersion: 1, accounts: 2, scored: 2, insufficient: 1, tierChanges: [] });
    const [acmeFirst] = await repo.scores.latest([acme.id]);
    expect(acmeFirst).toMatchObject({ modelKey: 'default', modelVersion: 1, tier: 'healthy', insufficientData: false });
    expect(acmeFirst?.score).toBeGreaterThanOrEqual(90);
    const [quietFirst] = await repo.scores.latest([quiet.id]);
    expect(quietFirst).toMatchObject({ score: null, insufficientData: true, confidence: 0 });

    // A re-run for the same date stores nothing new.
    await scoreWorkspace(repo, { asOf: day('2026-01-05') });
    expect(await repo.scores.history(acme.id)).toHaveLength(1);

    await observe(acme.id, BAD, day('2026-02-01'));
    const second = await scoreWorkspace(repo, { asOf: day('2026-02-03'), dropAlertPoints: 15 });
    expect(second.tierChanges).toHaveLength(1);
    const change = second.tierChanges[0];
    expect(change).toMatchObject({ crmId: 'acme', from: 'healthy', to: 'critical' });
    expect(change?.previousScore).toBeGreaterThan(change?.score ?? 100);
    expect(change?.drivers.some((d) => d.points < 0 && d.text.length > 0)).toBe(true);
    const [latest] = await repo.scores.latest([acme.id]);
    expect((latest?.result as { trend: { direction: string } }).trend.direction).toBe('declining');
  });

  it('scores a later date with the newly published model version and says the model changed', async () => {
    const [mixed] = await repo.accounts.upsertMany([{ crmId: 'mixed', seats: 20, customerSince: day('2024-01-01') }]);
    if (!mixed) throw new Error('missing');
    const values = Object.fromEntries(
      Object.keys(GOOD).map((metric) => [metric, metric.startsWith('billing.') ? BAD[metric] ?? 0 : GOOD[metric] ?? 0]),
    );
    await observe(mixed.id, values, day('2026-02-05'));
    await scoreWorkspace(repo, { asOf: day('2026-02-06'), accountIds: [mixed.id] });

    const reweighted = { ...DEFAULT_MODEL_INPUT, categories: { usage: 10, engagement: 10, outcomes: 10, contract: 70 } };
    const v2 = await saveModelSet(repo, { models: [reweighted] }, { publish: true });
    expect(v2.version).toBe(2);
    const run = await scoreWorkspace(repo, { asOf: day('2026-02-10'), accountIds: [mixed.id] });
    expect(run.modelVersion).toBe(2);

    const [before, after] = await repo.scores.history(mixed.id);
    expect([before?.modelVersion, after?.modelVersion]).toEqual([1, 2]);
    expect(after?.score).toBeLessThan((before?.score ?? 0) - 20);
    const trend = (after?.result as { trend: { modelChange: number; customerChange: number; cause: string } }).trend;
    // No new signals between the two runs: the whole fall is the model's, none of it the customer's.
    expect(trend.customerChange).toBe(0);
    expect(trend.modelChange).toBe((after?.score ?? 0) - (before?.score ?? 0));
    expect(trend.cause).toBe('model_change');
  });
});
