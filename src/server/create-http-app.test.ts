import { Writable } from 'node:stream';
import { Router } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../logging/logger.ts';
import { createHttpApp } from './create-http-app.ts';
import { HttpError } from './http-error.ts';
import { startHttpServer, type RunningServer } from './start-http-server.ts';

const silent = createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });
let running: RunningServer | null = null;
type Json = { error: { code: string; message: string; requestId?: string } } & Record<string, unknown>;
const json = async (res: Response): Promise<Json> => (await res.json()) as Json;
afterEach(async () => {
  await running?.stop(100);
  running = null;
});

async function serve(options: Partial<Parameters<typeof createHttpApp>[0]> = {}) {
  running = await startHttpServer(createHttpApp({ logger: silent, readiness: [], ...options }), 0, '127.0.0.1');
  return running.url;
}

describe('HTTP app', () => {
  it('answers /healthz while the process is up', async () => {
    const url = await serve();
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });

  it('answers /readyz 503 naming the dependency that is down and why', async () => {
    const url = await serve({
      readiness: [
        { name: 'database', check: async () => undefined },
        { name: 'redis', check: async () => { throw new Error('connect ECONNREFUSED 127.0.0.1:6379'); } },
      ],
    });
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: 'not_ready',
      checks: [{ name: 'database', ok: true }, { name: 'redis', ok: false, reason: 'connect ECONNREFUSED 127.0.0.1:6379' }],
    });
  });

  it('gives every error the same JSON shape with a request id', async () => {
    const router = Router();
    router.post('/items', (req) => {
      z.object({ name: z.string() }).parse(req.body);
    });
    router.get('/teapot', () => {
      throw new HttpError(418, 'teapot', 'I am a teapot');
    });
    router.get('/boom', () => {
      throw new Error('secret internals');
    });
    const url = await serve({ routers: [{ path: '/api', router }] });

    const missing = await fetch(`${url}/api/nope`);
    expect(missing.status).toBe(404);
    expect((await json(missing)).error).toMatchObject({ code: 'not_found', requestId: expect.any(String) });

    const invalid = await fetch(`${url}/api/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":3}' });
    expect(invalid.status).toBe(400);
    expect((await json(invalid)).error).toMatchObject({ code: 'invalid_input', message: expect.stringContaining('name') });

    const badJson = await fetch(`${url}/api/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect((await json(badJson)).error.code).toBe('invalid_json');

    expect((await json(await fetch(`${url}/api/teapot`))).error).toMatchObject({ code: 'teapot', message: 'I am a teapot' });

    const boom = await fetch(`${url}/api/boom`);
    expect(boom.status).toBe(500);
    const body = await json(boom);
    expect(body.error.code).toBe('internal');
    expect(JSON.stringify(body)).not.toContain('secret internals');
  });

  it('lets an in-flight request finish during a graceful stop', async () => {
    const router = Router();
    router.get('/slow', async (_req, res) => {
      await new Promise((r) => setTimeout(r, 300));
      res.json({ done: true });
    });
    const url = await serve({ routers: [{ path: '/api', router }] });
    const inFlight = fetch(`${url}/api/slow`).then((r) => r.json());
    await new Promise((r) => setTimeout(r, 50));
    const server = running;
    running = null;
    await server?.stop(5_000);
    expect(await inFlight).toEqual({ done: true });
  });
});
