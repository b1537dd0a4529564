/**
 * HubSpot write-back against a local rate-limited stand-in.
 *
 * The stand-in (node:http on 127.0.0.1) answers CRM batch update like HubSpot and enforces a
 * per-portal sliding window, answering 429 TEN_SECONDLY_ROLLING past it. HubSpot's real limit
 * is 110 requests / 10 s; to keep the run short the window is scaled to 110 / 1 s by default
 * (`--window-ms 10000` for the real figure). The client is configured with the same window, so
 * the ratio "wall time ÷ time the limit allows" is comparable either way.
 *
 *   node bench/hubspot-writeback.bench.ts [--companies 100000] [--window-ms 1000] [--latency-ms 20]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { HubSpotClient } from '../connectors/hubspot/client.ts';
import { hubspotManifest } from '../connectors/hubspot/manifest.ts';
import { writeScores } from '../connectors/hubspot/write/write-scores.ts';
import { toHealthProperties } from '../connectors/hubspot/write/health-properties.ts';
import type { HealthValues } from '../connectors/hubspot/write/health-properties.ts';

const { values: args } = parseArgs({
  options: {
    companies: { type: 'string', default: '100000' },
    'window-ms': { type: 'string', default: '1000' },
    limit: { type: 'string', default: '110' },
    'latency-ms': { type: 'string', default: '20' },
    'changed-pct': { type: 'string', default: '5' },
  },
});
const COMPANIES = Number(args.companies);
const WINDOW_MS = Number(args['window-ms']);
const LIMIT = Number(args.limit);
const LATENCY_MS = Number(args['latency-ms']);
const CHANGED_PCT = Number(args['changed-pct']);

/** The stand-in: sliding window per portal (bearer token), batch update echo, 429 past the limit. */
function startStandIn(): Promise<{ url: string; stats: { calls: number; rejected: number; records: number; maxInWindow: number }; close: () => Promise<void> }> {
  const grants = new Map<string, number[]>();
  const stats = { calls: 0, rejected: 0, records: 0, maxInWindow: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const portal = req.headers.authorization ?? 'anonymous';
      const now = performance.now();
      const window = (grants.get(portal) ?? []).filter((t) => t > now - WINDOW_MS);
      const headers = {
        'content-type': 'application/json',
        'x-hubspot-ratelimit-max': String(LIMIT),
        'x-hubspot-ratelimit-interval-milliseconds': String(WINDOW_MS),
      };
      if (window.length >= LIMIT) {
        stats.rejected += 1;
        grants.set(portal, window);
        res.writeHead(429, { ...headers, 'x-hubspot-ratelimit-remaining': '0' });
        res.end(JSON.stringify({ status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING', correlationId: 'bench' }));
        return;
      }
      window.push(now);
      grants.set(portal, window);
      stats.calls += 1;
      stats.maxInWindow = Math.max(stats.maxInWindow, window.length);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { inputs: { id: string; objectWriteTraceId?: string; properties: Record<string, string> }[] };
      stats.records += body.inputs.length;
      const at = new Date().toISOString();
      const results = body.inputs.map((i) => ({ id: i.id, objectWriteTraceId: i.objectWriteTraceId, properties: i.properties, createdAt: at, updatedAt: at, archived: false }));
      setTimeout(() => {
        res.writeHead(200, { ...headers, 'x-hubspot-ratelimit-remaining': String(LIMIT - window.length) });
        res.end(JSON.stringify({ status: 'COMPLETE', results, startedAt: at, completedAt: at }));
      }, LATENCY_MS);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, stats, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

function health(i: number, bump: number): HealthValues {
  const score = (i * 37 + bump) % 101;
  return {
    score,
    tier: score >= 80 ? 'healthy' : score >= 40 ? 'at_risk' : 'critical',
    trend: 'stable',
    change30d: (i % 21) - 10,
    categories: { productUsage: (score + 7) % 101, engagement: (score + 13) % 101, businessOutcomes: null, contractHealth: 70 },
    confidence: 0.9,
    churnRisk: 0.12,
    topDrivers: `Usage ${score > 50 ? '+' : '\u2212'}${i % 15}: weekly active users ${i % 100}% of seats`,
    lifecycleStage: 'maturity',
    modelVersion: 'v7',
    scoredAt: new Date(Date.UTC(2026, 11, 1 + bump)),
    tierChangedAt: null,
  };
}

async function run(): Promise<void> {
  const standIn = await startStandIn();
  const manifest = hubspotManifest({ baseUrl: standIn.url, limits: { windowMs: WINDOW_MS, requestsPerWindow: LIMIT } });
  const client = new HubSpotClient({ portalId: 'bench-portal', manifest, tokens: { getAccessToken: async () => 'bench-token' } });

  const first = new Map<string, Record<string, string>>();
  for (let i = 0; i < COMPANIES; i += 1) first.set(String(100_000_000 + i), toHealthProperties(health(i, 0)));

  const limitTime = (calls: number): number => (calls / LIMIT) * WINDOW_MS;
  const report = (label: string, calls: number, rejected: number, ms: number, sent: number, failed: number): void => {
    const allowed = limitTime(calls);
    console.log(
      `${label.padEnd(28)} companies sent ${String(sent).padStart(7)}  API calls ${String(calls).padStart(5)}  429s ${rejected}  failed ${failed}  wall ${(ms / 1000).toFixed(2)} s  limit allows ≥ ${(allowed / 1000).toFixed(2)} s  ratio ${(ms / allowed).toFixed(2)}`,
    );
  };

  console.log(`HubSpot write-back bench: ${COMPANIES.toLocaleString('en')} companies, stand-in limit ${LIMIT} req / ${WINDOW_MS} ms per portal` + (WINDOW_MS === 10_000 ? ' (HubSpot\u2019s real limit)' : ` (HubSpot\u2019s 110 / 10 s scaled ×${10_000 / WINDOW_MS} in time; ratios compare to the scaled limit)`) + `, stand-in latency ${LATENCY_MS} ms`);

  let before = { ...standIn.stats };
  let started = performance.now();
  const full = await writeScores(client, { desired: first, lastWritten: new Map() });
  let elapsed = performance.now() - started;
  report('full write-back', standIn.stats.calls - before.calls, standIn.stats.rejected - before.rejected, elapsed, full.sent, full.failed.length);

  const lastWritten = new Map(full.written.map((w) => [w.companyId, w.properties]));
  const second = new Map(first);
  const changedEvery = Math.round(100 / CHANGED_PCT);
  for (let i = 0; i < COMPANIES; i += 1) {
    const id = String(100_000_000 + i);
    second.set(id, toHealthProperties(i % changedEvery === 0 ? health(i, 1) : { ...health(i, 0), scoredAt: new Date(Date.UTC(2026, 11, 2)) }));
  }
  await new Promise((resolve) => setTimeout(resolve, WINDOW_MS)); // start the second run with a fresh window
  before = { ...standIn.stats };
  started = performance.now();
  const diffStarted = performance.now();
  const partial = await writeScores(client, { desired: second, lastWritten });
  elapsed = performance.now() - started;
  report(`${CHANGED_PCT} %-changed write-back`, standIn.stats.calls - before.calls, standIn.stats.rejected - before.rejected, elapsed, partial.sent, partial.failed.length);
  console.log(`  unchanged skipped: ${partial.unchanged.toLocaleString('en')} (diff + send in ${((performance.now() - diffStarted) / 1000).toFixed(2)} s)`);
  console.log(`  peak requests seen in one stand-in window: ${standIn.stats.maxInWindow} (limit ${LIMIT}); client retries ${client.stats.retries}`);
  console.log(`  at HubSpot's real 110 / 10 s: full write-back needs ≥ ${((full.batches / 110) * 10).toFixed(0)} s, the ${CHANGED_PCT} % run ≥ ${((partial.batches / LIMIT) * 10).toFixed(1)} s`);
  await standIn.close();
}

await run();
