/** Stable JSON errors for HubSpot-facing endpoints: `{ error: { code, message } }`. */
import type { Response } from 'express';

export type HubSpotApiErrorCode =
  | 'signature_missing'
  | 'signature_stale'
  | 'signature_mismatch'
  | 'invalid_request'
  | 'portal_not_connected'
  | 'company_not_found'
  | 'payload_too_large'
  | 'raw_body_unavailable'
  | 'internal';

export interface HubSpotApiError {
  error: { code: HubSpotApiErrorCode; message: string };
}

export function sendError(res: Response, status: number, code: HubSpotApiErrorCode, message: string): void {
  const body: HubSpotApiError = { error: { code, message } };
  res.status(status).json(body);
}
