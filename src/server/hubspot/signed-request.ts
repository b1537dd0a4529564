/**
 * Express middleware that lets a request through only when HubSpot signed it.
 * It hashes the exact received bytes (the routers parse bodies with `express.raw`) and the
 * public URL HubSpot called, which behind a proxy is not what the Host header says.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { verifyHubSpotSignature } from '../../../connectors/hubspot/signature.ts';
import type { SignatureVersion } from '../../../connectors/hubspot/signature.ts';
import { sendError } from './api-error.ts';

export interface SignatureSettings {
  clientSecret: string;
  /** Public origin HubSpot calls, e.g. `https://api.crm-health.io` (plus any path prefix a proxy strips). */
  publicUrl: string;
  now?: () => number;
}

const FAILURE_MESSAGES = {
  missing: 'The request carries no HubSpot signature this endpoint accepts.',
  stale: 'The request timestamp is outside the five-minute window.',
  mismatch: 'The HubSpot signature does not match this request.',
} as const;

function declaresBody(req: Request): boolean {
  return Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
}

export function rawBodyOf(req: Request): Buffer | undefined {
  return Buffer.isBuffer(req.body) ? req.body : undefined;
}

export function publicUriOf(req: Request, publicUrl: string): string {
  return publicUrl.replace(/\/+$/, '') + req.originalUrl;
}

export function requireHubSpotSignature(settings: SignatureSettings, accept: readonly SignatureVersion[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const rawBody = rawBodyOf(req);
    if (rawBody === undefined && declaresBody(req)) {
      // A body parser mounted before this router consumed the bytes; the signature cannot be checked.
      sendError(res, 500, 'raw_body_unavailable', 'Mount the HubSpot router before any JSON body parser.');
      return;
    }
    const check = verifyHubSpotSignature(
      { method: req.method, uri: publicUriOf(req, settings.publicUrl), rawBody, headers: req.headers },
      { clientSecret: settings.clientSecret, accept, now: settings.now?.() },
    );
    if (!check.ok) {
      sendError(res, 401, `signature_${check.reason}`, FAILURE_MESSAGES[check.reason]);
      return;
    }
    next();
  };
}
