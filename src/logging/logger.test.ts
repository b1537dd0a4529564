import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, destination };
}

describe('logger', () => {
  it('never writes tokens, secrets or authorization headers', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: 'info', destination });
    logger.info({ connection: { accessToken: 'at-SECRET-1', refreshToken: 'rt-SECRET-2' } }, 'refreshed');
    logger.info({ req: { headers: { authorization: 'Bearer at-SECRET-3' } } }, 'request');
    logger.info({ clientSecret: 'cs-SECRET-4', code: 'oauth-code-SECRET-5' }, 'exchange');
    logger.error({ err: new Error('request failed: Authorization: Bearer at-SECRET-6') }, 'failed');
    logger.warn('upstream said Bearer at-SECRET-7 is invalid');
    const output = lines.join('');
    expect(lines).toHaveLength(5);
    expect(output).not.toMatch(/SECRET/);
    expect(output).toContain('[redacted]');
    expect(output).toContain('refreshed');
  });
});

describe('pretty destination', () => {
  it('prints one readable line per entry, still without secrets', async () => {
    const { prettyDestination } = await import('./pretty-destination.ts');
    const { lines, destination: sink } = capture();
    const logger = createLogger({ level: 'info', destination: prettyDestination(sink) });
    logger.info({ url: 'http://localhost:3000', accessToken: 'at-SECRET' }, 'crm-health listening');
    await new Promise((r) => setImmediate(r));
    expect(lines.join('')).toMatch(/^\d\d:\d\d:\d\d INFO {2}crm-health listening {2}url=http:\/\/localhost:3000 accessToken=\[redacted\]\n$/);
  });
});
