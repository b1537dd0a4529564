/**
 * Pipeline load: W workspaces × A accounts through pull → score (real engine) → write back (a
 * stand-in CRM over HTTP, batches of 100, 110 requests / 10 s per portal) with 1, 2 and 4 worker
 * processes on Redis + PostgreSQL. Reports accounts scored and written per second and the scaling.
 *
 *   node bench/pipeline-load.bench.ts [--workspaces 200] [--accounts 1000] [--workers 1,2,4]
 * Needs Redis (REDIS_URL, default 127.0.0.1:6379) and PostgreSQL (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createLogger } from '../src/logging/logger.ts';
import { DEFAULT_PIPELINE_SETTINGS, type PipelineSettings } from '../src/pipeline/pipeline-settings.ts';
import { createPipeline } from '../src/pipeline/pipeline.ts';
import { createHandlerRegistry } from '../src/pipeline/stage-handlers.ts';
import { createKeyring, parseKeySpec } from '../src/security/keyring.ts';
import { openDatabase } from '../src/storage/database.ts';
import { workspaceDirectory } from '../src/storage/workspace-directory.ts';
import { workspaceRepository } from '../src/storage/workspace-repository.ts';
import { startStandInCrm } from '../test/pipeline/support/stand-in-crm.ts';
import { STANDIN_PROVIDER } from '../test/pipeline/support/stand-in-handlers.ts';
import type { AppContext } from '../src/runtime/app-context.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { benchHandlers } from './pipeline-load-handlers.ts';

const { values } = parseArgs({ options: { workspaces: { type: 'string', default: '200' }, accounts: { type: 'string', default: '1000' }, workers: { type: 'string', default: '1,2,4' } } });
const WORKSPACES = Number(values.workspaces);
const ACCOUNTS = Number(values.accounts);
const WORKER_COUNTS = String(values.workers).split(',').map(Number);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const KEYS = `b1:${Buffer.alloc(32, 9).toString('base64')}`;
const ROOT = resolve(import.meta.dirname, '..');

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function round(workers: number) {
  const dbName = `crmh_bench_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`create database ${dbName}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const database = await openDatabase({ engine: 'postgres', url: url.toString(), poolSize: 4 });
  await database.migrate();
  const crm = await startStandInCrm({ batchRateLimit: { limit: 110, windowMs: 10_000 } });
  const settings: PipelineSettings = { ...DEFAULT_PIPELINE_SETTINGS, queuePrefix: `crmh-bench-${randomBytes(3).toString('hex')}`, progressFlushMs: 2_000, sweepIntervalMs: 10_000 };
  const keyring = createKeyring(parseKeySpec(KEYS));
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const ctx: AppContext = {
    config: loadConfig({ REDIS_URL, ENCRYPTION_KEYS: KEYS }), logger: createLogger({ level: 'warn' }), database, keyring, redis,
    directory: workspaceDirectory(database.db), workspace: (id) => workspaceRepository(database.db, id, { keyring }), close: async () => undefined,
  };
  const ids: string[] = [];
  for (let i = 0; i < WORKSPACES; i += 1) {
    const ws = await ctx.directory.create({ name: `Bench ${i}` });
    await ctx.workspace(ws.id).connections.upsert({ provider: STANDIN_PROVIDER, externalAccountId: `bench-${dbName}-${i}`, authMode: 'static_token', scopes: [], credentials: {} });
    ids.push(ws.id);
  }
  const children: ChildProcess[] = [];
  for (let i = 0; i < workers; i += 1) {
    const child = spawn(process.execPath, [resolve(ROOT, 'bench/pipeline-load-worker.ts')], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ROLE: 'worker', PORT: '0', LOG_LEVEL: 'info', DATABASE_URL: url.toString(), REDIS_URL, ENCRYPTION_KEYS: KEYS,
        STANDIN_URL: crm.url, BENCH_ACCOUNTS: String(ACCOUNTS), PIPELINE_TEST_SETTINGS: JSON.stringify(settings) },
    });
    await new Promise<void>((ok) => child.stdout?.on('data', (d: Buffer) => String(d).includes('pipeline started') && ok()));
    children.push(child);
  }
  const producer = createPipeline(ctx, { handlers: createHandlerRegistry(benchHandlers(crm.url, ACCOUNTS)), settings });
  const began = performance.now();
  const runs = await Promise.all(ids.map((id) => producer.startRun(id)));
  const counter = new pg.Client({ connectionString: url.toString() });
  await counter.connect();
  let finished = 0;
  let failed = 0;
  while (finished < runs.length) {
    await new Promise((r) => setTimeout(r, 500));
    const { rows } = await counter.query<{ status: string; n: number }>('select status, count(*)::int as n from job_runs where trigger is not null group by status');
    const byStatus = new Map(rows.map((r) => [r.status, r.n]));
    finished = (byStatus.get('succeeded') ?? 0) + (byStatus.get('failed') ?? 0);
    failed = byStatus.get('failed') ?? 0;
  }
  const seconds = (performance.now() - began) / 1000;
  const { rows: [scoredRow] } = await counter.query<{ n: number }>('select count(*)::int as n from scores');
  await counter.end();
  const scored = scoredRow?.n ?? 0;
  const written = crm.writes.length;
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
  await producer.stop();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${settings.queuePrefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
  await crm.close();
  await database.close();
  await admin((c) => c.query(`drop database if exists ${dbName} with (force)`));
  return { workers, seconds, scored, written, failed, scoredPerSecond: scored / seconds, writtenPerSecond: written / seconds };
}

console.log(`pipeline load: ${WORKSPACES} workspaces × ${ACCOUNTS} accounts, workers ${WORKER_COUNTS.join('/')}`);
const results = [];
for (const workers of WORKER_COUNTS) {
  const r = await round(workers);
  results.push(r);
  console.log(`${workers} worker(s): ${r.seconds.toFixed(1)} s, scored ${r.scored} (${r.scoredPerSecond.toFixed(0)}/s), written ${r.written} (${r.writtenPerSecond.toFixed(0)}/s), failed runs ${r.failed}`);
}
const base = results[0];
if (base) {
  for (const r of results.slice(1)) {
    console.log(`scaling ${base.workers}→${r.workers} workers: ×${(r.scoredPerSecond / base.scoredPerSecond).toFixed(2)} scored/s, ×${(r.writtenPerSecond / base.writtenPerSecond).toFixed(2)} written/s`);
  }
}
