import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpError } from '../http-error.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The dashboard spans every workspace, so it is an operator tool: with ADMIN_TOKEN set it needs
 * `Authorization: Bearer <token>` (or the `crmh_admin` cookie set by `/?token=`); without one it
 * answers only on loopback, which is what a local `npm start` needs and nothing more.
 */
export function operatorAuth(adminToken: string | undefined): RequestHandler {
  return (req, res, next) => {
    if (!adminToken) {
      if (LOOPBACK.has(req.socket.remoteAddress ?? '')) return next();
      return next(new HttpError(403, 'operator_only', 'The dashboard answers only on this machine unless ADMIN_TOKEN is set.'));
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
