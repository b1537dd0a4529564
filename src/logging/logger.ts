import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out before a line is written. Secrets reach the logger as fields of
 * objects (tokens, credentials, headers); the censor keeps the key so the line still reads.
 */
export const REDACTED_PATHS = [
  'accessToken', 'refreshToken', 'access_token', 'refresh_token', 'token', 'password', 'secret',
  'clientSecret', 'client_secret', 'credentials', 'authorization', 'apiKey', 'writeKey', 'code',
  '*.accessToken', '*.refreshToken', '*.access_token', '*.refresh_token', '*.token', '*.password',
  '*.secret', '*.clientSecret', '*.client_secret', '*.credentials', '*.authorization', '*.apiKey',
  '*.writeKey', '*.code',
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-hubspot-signature"]',
  'req.headers["x-hubspot-signature-v3"]', 'res.headers["set-cookie"]',
  'config.encryptionKeys', 'config.adminToken', 'config.stateSecret', 'config.hubspot.clientSecret',
];

const BEARER = /(Bearer\s+)[A-Za-z0-9._~+/=-]+/g;

export function createLogger(options: { level: string; destination?: DestinationStream; name?: string }): Logger {
  return pino(
    {
      name: options.name ?? 'crm-health',
      level: options.level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // Error messages from HTTP libraries sometimes echo an Authorization header.
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? a.replace(BEARER, '$1[redacted]') : a));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
      serializers: {
        err: (error: unknown) => {
          const serialized = stdSerializers.err(error as Error);
          if (typeof serialized.message === 'string') serialized.message = serialized.message.replace(BEARER, '$1[redacted]');
          if (typeof serialized.stack === 'string') serialized.stack = serialized.stack.replace(BEARER, '$1[redacted]');
          return serialized;
        },
      },
    },
    options.destination,
  );
}
