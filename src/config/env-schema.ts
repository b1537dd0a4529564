import { z } from 'zod';

/**
 * Every environment variable the app reads, in one schema. Each entry carries an example
 * so that a start-up error can show a valid value next to the problem.
 */
export const ENV_EXAMPLES: Record<string, string> = {
  PORT: '3000',
  HOST: '0.0.0.0 (all interfaces; set ADMIN_TOKEN then)',
  PUBLIC_URL: 'https://health.example.com',
  DATA_DIR: './data',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/crm_health',
  REDIS_URL: 'redis://127.0.0.1:6379',
  ENCRYPTION_KEYS: 'k2026:<44-char base64 of 32 random bytes>,k2025:<older key>',
  LOG_LEVEL: 'info',
  ROLE: 'all',
  ADMIN_TOKEN: '<at least 24 random characters>',
  STATE_SECRET: '<at least 32 random characters>',
  HUBSPOT_CLIENT_ID: '1a2b3c4d-…',
  HUBSPOT_CLIENT_SECRET: '<from the HubSpot app settings>',
  HUBSPOT_API_BASE_URL: 'https://api.hubapi.com',
  HUBSPOT_AUTHORIZE_URL: 'https://app.hubspot.com/oauth/authorize',
  DEMO_WORKSPACE: 'true',
  SHUTDOWN_TIMEOUT_MS: '10000',
};

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const url = (protocols: readonly string[]) =>
  z
    .string()
    .trim()
    .refine((value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    }, `expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);

export const EnvSchema = z.object({
  PORT: z
    .string()
    .regex(/^\d+$/, 'expected a whole number between 1 and 65535')
    .transform(Number)
    .refine((n) => n >= 0 && n <= 65535, 'expected a whole number between 1 and 65535 (0 picks a free port)')
    .default(3000),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  ENCRYPTION_KEYS: optionalString,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ROLE: z.enum(['all', 'serve', 'worker', 'scheduler']).default('all'),
  ADMIN_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  STATE_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  HUBSPOT_CLIENT_ID: optionalString,
  HUBSPOT_CLIENT_SECRET: optionalString,
  HUBSPOT_API_BASE_URL: url(['http:', 'https:']).default('https://api.hubapi.com'),
  HUBSPOT_AUTHORIZE_URL: url(['http:', 'https:']).default('https://app.hubspot.com/oauth/authorize'),
  DEMO_WORKSPACE: booleanFlag.default(true),
  SHUTDOWN_TIMEOUT_MS: z
    .string()
    .regex(/^\d+$/, 'expected milliseconds as a whole number')
    .transform(Number)
    .default(10_000),
});

export type Env = z.infer<typeof EnvSchema>;
