/**
 * Backtest throughput and memory: 100,000 accounts × 12 monthly snapshots through the
 * point-in-time replay (the production scoring engine at every snapshot). Histories are
 * generated account by account from a seed and streamed, so the figure measures the
 * backtest, not the input. To show memory does not grow with the number of snapshots,
 * the same portfolio is replayed with 3 and with 12 snapshots, each in its own process so
 * each peak RSS is its own.
 *
 *   node bench/backtest.bench.ts            (both runs; ACCOUNTS=20000 for a quicker look)
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseModel, type Signal } from '../src/scoring/index.ts';
import { replayBacktest, seededRandom, type AccountHistory, type AccountOutcome } from '../src/backtest/index.ts';

const ACCOUNTS = Number(process.env['ACCOUNTS'] ?? 100_000);
const DAY = 86_400_000;
const START = Date.parse('2024-01-01T00:00:00Z');

const model = parseModel({
  id: 'bench',
  name: 'Backtest bench',
  categories: { usage: 40, engagement: 30, contract: 30 },
  factors: [
    { id: 'active_users', metric: 'usage.active_user_ratio', weight: 3, maxAgeDays: 30, normalization: { type: 'linear', bad: 0.1, good: 0.7 } },
    { id: 'logins', metric: 'usage.login_days_30d', weight: 2, maxAgeDays: 30, normalization: { type: 'linear', bad: 2, good: 20 } },
    { id: 'csat', metric: 'support.csat', weight: 1, maxAgeDays: 90, normalization: { type: 'linear', bad: 0.6, good: 0.95 } },
    { id: 'failed_payments', metric: 'billing.failed_payments_90d', weight: 2, maxAgeDays: 45, normalization: { type: 'bands', thresholds: [1, 2, 3], scores: [100, 50, 20, 0] } },
  ],
});

/** One account at a time: two years of signals every two weeks; a quarter churn after a slide. */
function* portfolio(accounts: number, seed: number): Generator<AccountHistory> {
  const random = seededRandom(seed);
  for (let a = 0; a < accounts; a += 1) {
    const churnDay = random() < 0.25 ? 200 + Math.floor(random() * 500) : null;
    const expandDay = churnDay === null && random() < 0.15 ? 200 + Math.floor(random() * 500) : null;
    const signals: Signal[] = [];
    const health = 0.5 + random() * 0.5;
    for (let d = 0; d < 730; d += 14) {
      if (churnDay !== null && d > churnDay) break;
      const slide = churnDay !== null && d > churnDay - 150 ? (d - churnDay + 150) / 150 : 0;
      const level = Math.max(0, health - 0.6 * slide + (random() - 0.5) * 0.3);
      const observedAt = new Date(START + d * DAY);
      signals.push({ metric: 'usage.active_user_ratio', value: 0.8 * level, observedAt });
      signals.push({ metric: 'usage.login_days_30d', value: Math.round(22 * level), observedAt });
      if (d % 42 === 0) signals.push({ metric: 'support.csat', value: 0.5 + 0.5 * level, observedAt });
      signals.push({ metric: 'billing.failed_payments_90d', value: slide > 0.6 && random() < 0.5 ? 2 : 0, observedAt });
    }
    const outcomes: AccountOutcome[] = [];
    if (churnDay !== null) outcomes.push({ outcome: 'churned', occurredAt: new Date(START + churnDay * DAY) });
    if (expandDay !== null) outcomes.push({ outcome: 'expanded', occurredAt: new Date(START + expandDay * DAY) });
    yield {
      accountId: `acct-${a}`,
      account: { segment: a % 3 === 0 ? 'Enterprise' : 'SMB', customerSince: new Date(START - 400 * DAY) },
      signals,
      outcomes,
    };
  }
}

async function child(snapshots: number): Promise<void> {
  const from = new Date(START + 180 * DAY);
  const to = new Date(from.getTime() + (snapshots - 1) * 30 * DAY);
  const started = performance.now();
  const result = await replayBacktest(portfolio(ACCOUNTS, 42), {
    models: [model],
    from,
    to,
    everyDays: 30,
    horizonDays: 90,
    outcomesKnownUntil: null,
  });
  const seconds = (performance.now() - started) / 1000;
  const scored = result.snapshots.scored + result.snapshots.insufficientData;
  process.stdout.write(
    JSON.stringify({
      snapshots,
      accounts: result.accounts,
      scored,
      seconds,
      perSecond: scored / seconds,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      rocAuc: result.overall.churn.rocAuc,
      medianLeadDays: result.overall.leadTime?.medianDays ?? null,
    }),
  );
}

function run(snapshots: number): { snapshots: number; accounts: number; scored: number; seconds: number; perSecond: number; peakRssMb: number; rocAuc: number; medianLeadDays: number | null } {
  const result = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', String(snapshots)], {
    encoding: 'utf8',
    env: process.env,
    maxBuffer: 1 << 20,
  });
  if (result.status !== 0) throw new Error(`child run failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

const childIndex = process.argv.indexOf('--child');
if (childIndex >= 0) {
  await child(Number(process.argv[childIndex + 1]));
} else {
  console.log(`backtest replay: ${ACCOUNTS.toLocaleString('en-US')} accounts, 30-day snapshots, 90-day horizon`);
  const runs = [run(3), run(12)];
  for (const r of runs) {
    console.log(
      `  ${String(r.snapshots).padStart(2)} snapshots: ${r.scored.toLocaleString('en-US')} scored in ${r.seconds.toFixed(1)} s ` +
        `(${Math.round(r.perSecond).toLocaleString('en-US')} snapshots/s), peak RSS ${r.peakRssMb.toFixed(0)} MB, ` +
        `ROC-AUC ${r.rocAuc.toFixed(3)}, median lead ${r.medianLeadDays?.toFixed(0) ?? 'n/a'} d`,
    );
  }
  const [three, twelve] = runs as [ReturnType<typeof run>, ReturnType<typeof run>];
  console.log(`  peak RSS 12 vs 3 snapshots: ${(twelve.peakRssMb / three.peakRssMb).toFixed(2)}× for ${(twelve.scored / three.scored).toFixed(1)}× the snapshots`);
}
