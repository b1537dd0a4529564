/**
 * OAuth `state`: HMAC-signed (so it cannot be forged), expiring (so an old link is useless)
 * and single-use (a StateStore remembers consumed nonces, so a replay is refused).
 * Format: base64url(JSON payload) + "." + base64url(HMAC-SHA256(secret, payload part)).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { StateStore } from '../core/ports.ts';

const StatePayloadSchema = z.object({
  n: z.string().min(16), // nonce
  e: z.number().int().positive(), // expires at, epoch ms
  r: z.string().max(500).optional(), // where to send the installer afterwards (caller-validated)
});

export type StateFailure = 'malformed' | 'forged' | 'expired' | 'replayed';
export type StateCheck = { ok: true; nonce: string; returnTo: string | undefined } | { ok: false; reason: StateFailure };

function sign(secret: string, payloadPart: string): string {
  return createHmac('sha256', secret).update(payloadPart).digest('base64url');
}

export function createSignedState(input: { secret: string; now: number; ttlMs: number; returnTo?: string; nonce?: string }): {
  state: string;
  nonce: string;
  expiresAt: Date;
} {
  if (input.secret.length < 32) throw new Error('the OAuth state secret must be at least 32 characters');
  const nonce = input.nonce ?? randomBytes(18).toString('base64url');
  const expiresAt = input.now + input.ttlMs;
  const payloadPart = Buffer.from(JSON.stringify({ n: nonce, e: expiresAt, r: input.returnTo })).toString('base64url');
  return { state: `${payloadPart}.${sign(input.secret, payloadPart)}`, nonce, expiresAt: new Date(expiresAt) };
}

/** Checks signature, then expiry, then consumes the nonce — in that order, so forgeries never burn nonces. */
export async function verifySignedState(input: { secret: string; state: string | undefined; now: number; store: StateStore }): Promise<StateCheck> {
  const parts = (input.state ?? '').split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return { ok: false, reason: 'malformed' };
  const [payloadPart, signature] = parts;
  const expected = Buffer.from(sign(input.secret, payloadPart));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'forged' };

  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const payload = StatePayloadSchema.safeParse(decoded);
  if (!payload.success) return { ok: false, reason: 'malformed' };
  if (payload.data.e <= input.now) return { ok: false, reason: 'expired' };
  const fresh = await input.store.consume(payload.data.n, payload.data.e - input.now);
  if (!fresh) return { ok: false, reason: 'replayed' };
  return { ok: true, nonce: payload.data.n, returnTo: payload.data.r };
}
