import type { AddressInfo } from 'node:net';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../connectors/core/error-kinds.ts';
import { adminQueuesRouter } from './admin-router.ts';
import { tickSlot } from './bullmq-scheduler.ts';
import { memoryFairnessGate } from './fairness.ts';
import { classifyJobError, StageError } from './job-errors.ts';
import { recordProviderCall, metricsRegistry } from './metrics.ts';
import { retryDelayMs } from './pipeline-settings.ts';
import { summarizeRun } from './run-planner.ts';
import type { Pipeline } from './pipeline.ts';
import type { AppContext } from '../runtime/app-context.ts';
import type { PipelineTaskRow } from '../storage/workspace-repository.ts';

describe('classifyJobError', () => {
  it('takes the kind and Retry-After from a connector error', () => {
    const error = new ConnectorError({ kind: 'rate_limited', provider: 'hubspot', message: 'slow down', retryAfterMs: 10_000 });
    expect(classifyJobError(error)).toEqual({ kind: 'rate_limited', message: 'slow down', retryAfterMs: 10_000 });
  });
  it('accepts any error carrying a known kind, and treats the rest as unknown', () => {
    expect(classifyJobError(Object.assign(new Error('x'), { kind: 'needs_reauth' })).kind).toBe('needs_reauth');
    expect(classifyJobError(Object.assign(new Error('x'), { kind: 'weird' })).kind).toBe('unknown');
    expect(classifyJobError('boom')).toEqual({ kind: 'unknown', message: 'boom', retryAfterMs: null });
  });
  it('masks tokens in messages', () => {
    expect(classifyJobError(new StageError('permanent', 'Authorization: Bearer abc.def')).message).not.toContain('abc.def');
  });
});

describe('retryDelayMs', () => {
  it('doubles per attempt within ±20% and stops at the cap', () => {
    const settings = { backoffBaseMs: 1_000, backoffMaxMs: 5_000 };
    expect(retryDelayMs(1, settings, () => 0.5)).toBe(1_000);
    expect(retryDelayMs(3, settings, () => 0.5)).toBe(4_000);
    expect(retryDelayMs(10, settings, () => 0.5)).toBe(5_000);
    expect(retryDelayMs(2, settings, () => 0)).toBe(1_600);
    expect(retryDelayMs(2, settings, () => 1)).toBe(2_400);
  });
});

describe('memoryFairnessGate', () => {
  it('lets a workspace hold at most `limit` slots per stage while others still get theirs', async () => {
    const gate = memoryFairnessGate(2);
    expect(await gate.tryAcquire('pull', 'big', 't1')).toBe(true);
    expect(await gate.tryAcquire('pull', 'big', 't2')).toBe(true);
    expect(await gate.tryAcquire('pull', 'big', 't3')).toBe(false);
    expect(await gate.tryAcquire('pull', 'small', 't4')).toBe(true);
    expect(await gate.tryAcquire('score', 'big', 't5')).toBe(true);
    await gate.release('pull', 'big', 't1');
    expect(await gate.tryAcquire('pull', 'big', 't3')).toBe(true);
  });
});

describe('tickSlot', () => {
  it('reads the planned time from a scheduler job id', () => {
    expect(tickSlot({ id: 'repeat:incremental-sync:1767225600000', timestamp: 1, delay: 0 })).toBe(1_767_225_600_000);
    expect(tickSlot({ id: 'other', timestamp: 1_000, delay: 500 })).toBe(1_500);
  });
});

const task = (over: Partial<PipelineTaskRow>): PipelineTaskRow => ({
  id: 't', workspaceId: 'w', runId: 'r', connectionId: 'c', stage: 'pull', object: 'companies', taskKey: 'k', status: 'queued', attempts: 0,
  errorKind: null, error: null, progress: {}, notBefore: null, heartbeatAt: null, createdAt: new Date(), startedAt: null, finishedAt: null, ...over,
});

describe('summarizeRun', () => {
  it('sums counters across tasks and reports the stage in progress', () => {
    const s = summarizeRun([
      task({ id: 'a', status: 'succeeded', attempts: 1, progress: { counts: { pulled: 10 } } }),
      task({ id: 'b', object: 'deals', status: 'running', attempts: 1, progress: { counts: { pulled: 5 }, done: 5, total: 20 } }),
    ]);
    expect(s.status).toBe('running');
    expect(s.stage).toBe('pull');
    expect(s.progress).toMatchObject({ counts: { pulled: 15 }, done: 1, total: 2 });
  });
  it('calls a run delayed when its only open tasks wait for a rate limit', () => {
    expect(summarizeRun([task({ status: 'succeeded' }), task({ id: 'b', stage: 'writeBack', status: 'delayed' })]).status).toBe('delayed');
  });
});

describe('metrics', () => {
  it('counts provider calls by status class and 429s separately', async () => {
    recordProviderCall('hubspot', 200);
    recordProviderCall('hubspot', 429);
    const text = await metricsRegistry.metrics();
    expect(text).toMatch(/crmh_provider_calls_total\{provider="hubspot",status="2xx"\} 1/);
    expect(text).toMatch(/crmh_provider_rate_limited_total\{provider="hubspot"\} 1/);
  });
});

describe('/admin/queues', () => {
  it('answers only with the admin bearer token', async () => {
    const token = 'a'.repeat(32);
    const ctx = { config: { adminToken: token } } as unknown as AppContext;
    const pipeline = { overview: async () => ({ mode: 'embedded', stages: {} }) } as unknown as Pipeline;
    const app = express().use('/admin/queues', adminQueuesRouter(ctx, pipeline));
    app.use(((err, _req, res, _next) => void res.status(err.status ?? 500).json({ code: err.code })) as express.ErrorRequestHandler);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/queues`;
    try {
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ mode: 'embedded', stages: {} });
    } finally {
      server.close();
    }
  });
});
