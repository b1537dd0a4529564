import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKeyring, loadKeyring, parseKeySpec } from './keyring.ts';

const key = () => randomBytes(32).toString('base64');

describe('keyring', () => {
  it('round-trips a secret and never stores it in clear', () => {
    const ring = createKeyring(parseKeySpec(`k1:${key()}`));
    const sealed = ring.encrypt('refresh-token-value');
    expect(sealed).not.toContain('refresh-token-value');
    expect(sealed.startsWith('v1:k1:')).toBe(true);
    expect(ring.decrypt(sealed)).toBe('refresh-token-value');
  });

  it('still decrypts values sealed with the previous key after a rotation', () => {
    const oldKey = key();
    const before = createKeyring(parseKeySpec(`old:${oldKey}`));
    const sealedBefore = before.encrypt('secret-1');
    const after = createKeyring(parseKeySpec(`new:${key()},old:${oldKey}`));
    expect(after.decrypt(sealedBefore)).toBe('secret-1');
    expect(after.keyIdOf(after.encrypt('secret-2'))).toBe('new');
  });

  it('rejects tampered ciphertext and unknown key ids with a clear message', () => {
    const ring = createKeyring(parseKeySpec(`k1:${key()}`));
    const sealed = ring.encrypt('x');
    const parts = sealed.split(':');
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => ring.decrypt(parts.join(':'))).toThrow(/failed authentication/);
    expect(() => ring.decrypt(sealed.replace('v1:k1:', 'v1:k9:'))).toThrow(/no key "k9"/);
  });

  it('explains malformed key specs', () => {
    expect(() => parseKeySpec('k1:c2hvcnQ=')).toThrow(/32 bytes/);
    expect(() => parseKeySpec(`nocolon`)).toThrow(/needs an id/);
    const k = key();
    expect(() => parseKeySpec(`a:${k},a:${k}`)).toThrow(/appears twice/);
  });

  it('generates a local key once into the data folder and reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crmh-key-'));
    const first = loadKeyring({ spec: undefined, dataDir: dir });
    const stored = readFileSync(join(dir, 'encryption-key.json'), 'utf8');
    const second = loadKeyring({ spec: undefined, dataDir: dir });
    expect(first.generated).toBe(true);
    expect(readFileSync(join(dir, 'encryption-key.json'), 'utf8')).toBe(stored);
    expect(second.keyring.decrypt(first.keyring.encrypt('same'))).toBe('same');
  });
});
