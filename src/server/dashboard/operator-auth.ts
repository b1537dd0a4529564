import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpError } from '../http-error.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The host name of a Host header or Origin URL, without the port. */
function hostName(value: string | undefined): string | null {
  if (!value) return null;
  try {
    return new URL(value.includes('://') ? value : `http://${value}`).hostname;
  } catch {
    return null;
  }
}

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || LOOPBACK.has(host) || host === '::1';
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The dashboard spans every workspace, so it is an operator tool: with ADMIN_TOKEN set it needs
 * `Authorization: Bearer <token>` (or the `crmh_admin` cookie set by `/?token=`); without one it
 * answers only a browser on this machine: the server must listen on loopback (a reverse proxy in
 * front would make every visitor look local), the request must come from loopback, name a
 * loopback Host (no DNS rebinding), carry no X-Forwarded-For, and any Origin must be loopback
 * too (no cross-site POSTs from a page the operator happens to visit).
 */
export function operatorAuth(adminToken: string | undefined, listenHost: string): RequestHandler {
  return (req, res, next) => {
    if (!adminToken) {
      const origin = req.headers.origin;
      const local =
        isLoopbackHost(listenHost) &&
        LOOPBACK.has(req.socket.remoteAddress ?? '') &&
        req.headers['x-forwarded-for'] === undefined &&
        isLoopbackHost(hostName(req.headers.host) ?? '') &&
        (origin === undefined || isLoopbackHost(hostName(origin) ?? ''));
      if (local) return next();
      return next(
        new HttpError(403, 'operator_only', 'The dashboard answers only a browser on this machine (HOST=127.0.0.1) unless ADMIN_TOKEN is set.'),
      );
    }
    const header = req.headers.authorization;
    const bearer = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    const cookie = /(?:^|;\s*)crmh_admin=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const query = typeof req.query.token === 'string' ? req.query.token : undefined;
    const given = bearer ?? (cookie ? decodeURIComponent(cookie) : undefined) ?? query;
    if (given && sameToken(given, adminToken)) {
      if (query) res.cookie('crmh_admin', query, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/' });
      return next();
    }
    return next(new HttpError(401, 'unauthorized', 'Send Authorization: Bearer <ADMIN_TOKEN>, or open /?token=<ADMIN_TOKEN> once.'));
  };
}
