import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * AES-256-GCM encryption of secrets at rest with a ring of keys. The first key encrypts;
 * every key decrypts, so old rows stay readable after a rotation. The key id travels
 * inside the ciphertext: `v1:<keyId>:<iv>:<tag>:<ciphertext>` (base64url parts).
 */
export type Keyring = {
  readonly currentKeyId: string;
  encrypt(plaintext: string): string;
  decrypt(sealed: string): string;
  /** The key id a sealed value was encrypted with, to find rows that need re-encryption. */
  keyIdOf(sealed: string): string;
  /** A stable secret for one purpose (e.g. signing OAuth state), derived from the current key. */
  deriveSecret(purpose: string): string;
};

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

export class KeyringError extends Error {
  override name = 'KeyringError';
}

export function parseKeySpec(spec: string): Array<{ id: string; key: Buffer }> {
  const entries = spec.split(',').map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) throw new KeyringError('ENCRYPTION_KEYS: no key given. Expected id:base64key[,id:base64key…]');
  const seen = new Set<string>();
  return entries.map((entry, index) => {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    const material = colon > 0 ? entry.slice(colon + 1) : '';
    if (!KEY_ID.test(id)) {
      throw new KeyringError(`ENCRYPTION_KEYS: entry ${index + 1} needs an id of letters, digits, _ or - before ":"`);
    }
    if (seen.has(id)) throw new KeyringError(`ENCRYPTION_KEYS: key id "${id}" appears twice`);
    seen.add(id);
    const key = Buffer.from(material, 'base64');
    if (key.length !== 32) {
      throw new KeyringError(`ENCRYPTION_KEYS: key "${id}" must be 32 bytes in base64 (44 characters); it decodes to ${key.length} bytes`);
    }
    return { id, key };
  });
}

export function createKeyring(keys: ReadonlyArray<{ id: string; key: Buffer }>): Keyring {
  const [current] = keys;
  if (!current) throw new KeyringError('a keyring needs at least one key');
  const byId = new Map(keys.map((k) => [k.id, k.key]));
  const split = (sealed: string) => {
    const parts = sealed.split(':');
    if (parts.length !== 5 || parts[0] !== 'v1') throw new KeyringError('not a sealed value (expected v1:keyId:iv:tag:data)');
    return { keyId: parts[1] ?? '', iv: parts[2] ?? '', tag: parts[3] ?? '', data: parts[4] ?? '' };
  };
  return {
    currentKeyId: current.id,
    encrypt(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return ['v1', current.id, iv.toString('base64url'), tag.toString('base64url'), data.toString('base64url')].join(':');
    },
    decrypt(sealed) {
      const { keyId, iv, tag, data } = split(sealed);
      const key = byId.get(keyId);
      if (!key) throw new KeyringError(`no key "${keyId}" in ENCRYPTION_KEYS; add it back to read this value`);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      try {
        return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new KeyringError(`value sealed with key "${keyId}" failed authentication (wrong key material or tampered data)`);
      }
    },
    keyIdOf(sealed) {
      return split(sealed).keyId;
    },
    deriveSecret(purpose) {
      return createHmac('sha256', current.key).update(`crm-health:${purpose}`).digest('base64url');
    },
  };
}

const LocalKeyFile = z.object({ id: z.string().regex(KEY_ID), key: z.string() });

/**
 * The keyring from ENCRYPTION_KEYS, or — for embedded, single-machine use — a key generated
 * once into the data folder. `generated` tells the caller to warn that production must set one.
 */
export function loadKeyring(options: { spec: string | undefined; dataDir: string }): { keyring: Keyring; generated: boolean } {
  if (options.spec) return { keyring: createKeyring(parseKeySpec(options.spec)), generated: false };
  const file = join(options.dataDir, 'encryption-key.json');
  if (!existsSync(file)) {
    mkdirSync(options.dataDir, { recursive: true });
    const id = `local${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`;
    writeFileSync(file, JSON.stringify({ id, key: randomBytes(32).toString('base64') }), { mode: 0o600, flag: 'wx' });
  }
  const stored = LocalKeyFile.parse(JSON.parse(readFileSync(file, 'utf8')));
  return { keyring: createKeyring(parseKeySpec(`${stored.id}:${stored.key}`)), generated: true };
}
