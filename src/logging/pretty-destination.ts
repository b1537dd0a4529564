import { Writable } from 'node:stream';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg']);

/**
 * Readable log lines for a person at a terminal ("12:00:01 INFO  crm-health listening … url=…").
 * It formats pino's already-redacted JSON, so redaction applies here too. Machines get JSON.
 */
export function prettyDestination(out: NodeJS.WritableStream = process.stdout): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of String(chunk).split('\n')) {
        if (!line) continue;
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          const time = new Date(Number(entry.time)).toISOString().slice(11, 19);
          const extras = Object.entries(entry)
            .filter(([key]) => !SKIP.has(key))
            .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
            .join(' ');
          out.write(`${time} ${LEVELS[Number(entry.level)] ?? entry.level} ${String(entry.msg ?? '')}${extras ? `  ${extras}` : ''}\n`);
        } catch {
          out.write(`${line}\n`);
        }
      }
      done();
    },
  });
}
