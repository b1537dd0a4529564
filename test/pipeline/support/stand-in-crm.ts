import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Company = { id: string; name: string; wau: number; csat: number };
export type RecordedWrite = { portal: string; id: string; properties: Record<string, string>; at: number };

/** Deterministic companies: ids c0001…, values derived from the index and the portal so runs are repeatable. */
export function companiesFor(portal: string, count: number): Company[] {
  let seed = [...portal].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) >>> 0;
    return seed / 2 ** 32;
  };
  return Array.from({ length: count }, (_, i) => ({
    id: `c${String(i + 1).padStart(5, '0')}`, name: `Company ${i + 1}`, wau: Math.round(next() * 100), csat: Math.round(next() * 5 * 10) / 10,
  }));
}

type Hold = { match: (req: { kind: 'page' | 'batch'; portal: string; index: number }) => boolean; release: Promise<void> };

/**
 * A local stand-in for a CRM: pages of companies and a batch update endpoint (100 per call) with an
 * optional rate limit (429 + Retry-After). It records every page request and every written value,
 * and can hold a request open so a test can kill the worker that made it.
 */
export async function startStandInCrm(options: { companies?: number; batchRateLimit?: { limit: number; windowMs: number } } = {}) {
  const perPortal = new Map<string, Company[]>();
  const pageRequests: Array<{ portal: string; after: string | null }> = [];
  const writes: RecordedWrite[] = [];
  const batchCounts = new Map<string, number>();
  const windows = new Map<string, number[]>();
  const holds: Hold[] = [];
  const sockets = new Set<Socket>();
  let throttledUntil = 0;
  let throttledResponses = 0;

  const companies = (portal: string) => {
    let list = perPortal.get(portal);
    if (!list) perPortal.set(portal, (list = companiesFor(portal, options.companies ?? 250)));
    return list;
  };
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const readBody = async (req: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  };
  const held = async (kind: 'page' | 'batch', portal: string, index: number) => {
    const hold = holds.find((h) => h.match({ kind, portal, index }));
    if (hold) await hold.release;
  };
  const tooMany = (res: ServerResponse, retryAfterMs: number) => {
    throttledResponses += 1;
    json(res, 429, { status: 'error', category: 'RATE_LIMITS' }, { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) });
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const match = /^\/portals\/([\w-]+)\/companies(\/batch-update)?$/.exec(url.pathname);
      if (!match?.[1]) return json(res, 404, { message: 'not found' });
      const portal = match[1];
      if (Date.now() < throttledUntil) return tooMany(res, throttledUntil - Date.now());
      if (!match[2] && req.method === 'GET') {
        const after = url.searchParams.get('after');
        const limit = Number(url.searchParams.get('limit') ?? 100);
        const ids = url.searchParams.get('ids');
        pageRequests.push({ portal, after });
        await held('page', portal, pageRequests.filter((p) => p.portal === portal).length);
        const all = companies(portal);
        if (ids) return json(res, 200, { results: all.filter((c) => ids.split(',').includes(c.id)), next: null });
        const start = after ? all.findIndex((c) => c.id === after) + 1 : 0;
        const results = all.slice(start, start + limit);
        const last = results.at(-1);
        return json(res, 200, { results, next: start + limit < all.length && last ? last.id : null });
      }
      if (match[2] && req.method === 'POST') {
        if (options.batchRateLimit) {
          const now = Date.now();
          const list = (windows.get(portal) ?? []).filter((t) => t > now - (options.batchRateLimit?.windowMs ?? 0));
          if (list.length >= options.batchRateLimit.limit) {
            windows.set(portal, list);
            return tooMany(res, (list[0] ?? now) + options.batchRateLimit.windowMs - now);
          }
          list.push(now);
          windows.set(portal, list);
        }
        const body = (await readBody(req)) as { inputs: Array<{ id: string; properties: Record<string, string> }> };
        if (!Array.isArray(body.inputs) || body.inputs.length > 100) return json(res, 400, { message: 'inputs: 1 to 100 records' });
        const n = (batchCounts.get(portal) ?? 0) + 1;
        batchCounts.set(portal, n);
        await held('batch', portal, n);
        const at = Date.now();
        for (const input of body.inputs) writes.push({ portal, id: input.id, properties: input.properties, at });
        return json(res, 200, { status: 'COMPLETE', results: body.inputs.map((i) => ({ id: i.id })) });
      }
      json(res, 405, { message: 'method not allowed' });
    })().catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { message: String(error) });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    pageRequests,
    writes,
    companies,
    get throttledResponses() {
      return throttledResponses;
    },
    /** Every request answers 429 (with Retry-After) until `ms` from now. */
    throttleFor(ms: number) {
      throttledUntil = Date.now() + ms;
    },
    /** Holds matching requests open until `release()`; returns a promise that resolves when one arrives. */
    hold(match: Hold['match']) {
      let release!: () => void;
      let arrived!: () => void;
      const reached = new Promise<void>((r) => (arrived = r));
      const hold: Hold = { match: (r) => (match(r) ? (arrived(), true) : false), release: new Promise<void>((r) => (release = r)) };
      holds.push(hold);
      return { reached, release: () => release() };
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type StandInCrm = Awaited<ReturnType<typeof startStandInCrm>>;
