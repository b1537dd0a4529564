/**
 * HubSpot request signatures (webhooks, app-card `hubspot.fetch` calls, workflow actions).
 * Docs: https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/request-validation
 *
 * - v3: base64 HMAC-SHA256(clientSecret, method + decodedUri + body + timestamp), headers
 *   `X-HubSpot-Signature-v3` and `X-HubSpot-Request-Timestamp` (ms since epoch), 5-minute window.
 * - v2: hex SHA-256(clientSecret + method + uri + body), header `X-HubSpot-Signature` with
 *   `X-HubSpot-Signature-Version: v2` — what custom workflow actions send.
 * - v1: hex SHA-256(clientSecret + body), legacy webhooks only; binds neither URI nor time.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureVersion = 'v1' | 'v2' | 'v3';

export type SignatureFailure = 'missing' | 'stale' | 'mismatch';

export type SignatureCheck = { ok: true; version: SignatureVersion } | { ok: false; reason: SignatureFailure };

/** HubSpot rejects nothing older than this itself; we refuse replays beyond it. */
export const MAX_SIGNATURE_AGE_MS = 5 * 60 * 1000;

export const SIGNATURE_HEADERS = {
  v3: 'x-hubspot-signature-v3',
  timestamp: 'x-hubspot-request-timestamp',
  legacy: 'x-hubspot-signature',
  legacyVersion: 'x-hubspot-signature-version',
} as const;

/** Exactly the escapes HubSpot decodes before signing v3; every other escape stays as sent. */
const V3_DECODED_ESCAPES: Readonly<Record<string, string>> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

export function decodeUriForV3(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (escape) => V3_DECODED_ESCAPES[escape.toUpperCase()] ?? escape);
}

type Body = string | Uint8Array;

function bodyBytes(body: Body | undefined): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

export interface V3Input {
  clientSecret: string;
  method: string;
  /** The full public URL HubSpot called, query string included. */
  uri: string;
  body?: Body;
  timestamp: string;
}

export function signV3({ clientSecret, method, uri, body, timestamp }: V3Input): string {
  return createHmac('sha256', clientSecret)
    .update(method.toUpperCase() + decodeUriForV3(uri), 'utf8')
    .update(bodyBytes(body))
    .update(timestamp, 'utf8')
    .digest('base64');
}

export interface V2Input {
  clientSecret: string;
  method: string;
  uri: string;
  body?: Body;
}

export function signV2({ clientSecret, method, uri, body }: V2Input): string {
  return createHash('sha256')
    .update(clientSecret + method.toUpperCase() + uri, 'utf8')
    .update(bodyBytes(body))
    .digest('hex');
}

export function signV1({ clientSecret, body }: { clientSecret: string; body?: Body }): string {
  return createHash('sha256').update(clientSecret, 'utf8').update(bodyBytes(body)).digest('hex');
}

/** Constant-time for equal lengths; a length difference is itself no secret (digest sizes are fixed). */
function sameText(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(received, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function verifyV3(input: V3Input & { signature: string | undefined; now?: number; maxAgeMs?: number }): SignatureCheck {
  const { signature, timestamp } = input;
  if (!signature || !timestamp) return { ok: false, reason: 'missing' };
  const sentAt = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || !Number.isSafeInteger(sentAt)) return { ok: false, reason: 'stale' };
  // Both directions: a timestamp from the future is as replayable as an old one.
  if (Math.abs((input.now ?? Date.now()) - sentAt) > (input.maxAgeMs ?? MAX_SIGNATURE_AGE_MS)) {
    return { ok: false, reason: 'stale' };
  }
  return sameText(signV3(input), signature) ? { ok: true, version: 'v3' } : { ok: false, reason: 'mismatch' };
}

export function verifyV2(input: V2Input & { signature: string | undefined }): SignatureCheck {
  if (!input.signature) return { ok: false, reason: 'missing' };
  return sameText(signV2(input), input.signature.toLowerCase()) ? { ok: true, version: 'v2' } : { ok: false, reason: 'mismatch' };
}

export function verifyV1(input: { clientSecret: string; body?: Body; signature: string | undefined }): SignatureCheck {
  if (!input.signature) return { ok: false, reason: 'missing' };
  return sameText(signV1(input), input.signature.toLowerCase()) ? { ok: true, version: 'v1' } : { ok: false, reason: 'mismatch' };
}

export type HeaderValue = string | readonly string[] | undefined;

export interface IncomingSignedRequest {
  method: string;
  /** Public URL HubSpot sent the request to (scheme, host, path, query). */
  uri: string;
  /** The exact bytes received; never a re-serialised JSON body. */
  rawBody: Body | undefined;
  headers: Readonly<Record<string, HeaderValue>>;
}

export interface VerifyOptions {
  clientSecret: string;
  /** Versions this endpoint accepts, strongest first. Cards and webhooks: ['v3']; workflow actions: ['v3', 'v2']. */
  accept: readonly SignatureVersion[];
  now?: number;
  maxAgeMs?: number;
}

function header(headers: Readonly<Record<string, HeaderValue>>, name: string): string | undefined {
  const direct = headers[name];
  const value = direct ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value[0];
}

/**
 * Checks the strongest accepted signature the request carries. A request that carries a v3
 * signature is judged by it alone, so stripping v3 headers is the only way to fall back — and
 * that only works where the endpoint explicitly accepts the weaker version.
 */
export function verifyHubSpotSignature(request: IncomingSignedRequest, options: VerifyOptions): SignatureCheck {
  const { clientSecret } = options;
  const { method, uri, rawBody, headers } = request;
  const v3Signature = header(headers, SIGNATURE_HEADERS.v3);
  if (options.accept.includes('v3') && v3Signature !== undefined) {
    return verifyV3({
      clientSecret,
      method,
      uri,
      body: rawBody,
      signature: v3Signature,
      timestamp: header(headers, SIGNATURE_HEADERS.timestamp) ?? '',
      now: options.now,
      maxAgeMs: options.maxAgeMs,
    });
  }
  const legacySignature = header(headers, SIGNATURE_HEADERS.legacy);
  const legacyVersion = header(headers, SIGNATURE_HEADERS.legacyVersion)?.toLowerCase();
  if (legacySignature !== undefined && legacyVersion === 'v2' && options.accept.includes('v2')) {
    return verifyV2({ clientSecret, method, uri, body: rawBody, signature: legacySignature });
  }
  if (legacySignature !== undefined && legacyVersion === 'v1' && options.accept.includes('v1')) {
    return verifyV1({ clientSecret, body: rawBody, signature: legacySignature });
  }
  return { ok: false, reason: 'missing' };
}
