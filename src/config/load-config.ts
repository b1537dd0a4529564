import { resolve } from 'node:path';
import type { z } from 'zod';
import { EnvSchema, ENV_EXAMPLES } from './env-schema.ts';

export type AppConfig = {
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  encryptionKeys: string | undefined;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  role: z.infer<typeof EnvSchema>['ROLE'];
  adminToken: string | undefined;
  stateSecret: string | undefined;
  hubspot: {
    clientId: string | undefined;
    clientSecret: string | undefined;
    apiBaseUrl: string;
    authorizeUrl: string;
  };
  demoWorkspace: boolean;
  shutdownTimeoutMs: number;
};

/** Thrown when the environment is invalid; its message lists every problem with an example. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

function describeIssue(issue: z.core.$ZodIssue, env: NodeJS.ProcessEnv): string {
  const name = String(issue.path[0] ?? '(environment)');
  const raw = env[name];
  const got = raw === undefined ? 'it is not set' : `got ${JSON.stringify(raw)}`;
  const example = ENV_EXAMPLES[name];
  return `${name}: ${issue.message}; ${got}.${example ? ` Example: ${name}=${example}` : ''}`;
}

/** Reads and validates the environment. Unknown variables are ignored; empty strings count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const relevant = Object.fromEntries(
    Object.keys(EnvSchema.shape)
      .map((key) => [key, env[key]] as const)
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = EnvSchema.safeParse(relevant);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => describeIssue(i, env)));
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    dataDir: resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    encryptionKeys: e.ENCRYPTION_KEYS,
    logLevel: e.LOG_LEVEL,
    role: e.ROLE,
    adminToken: e.ADMIN_TOKEN,
    stateSecret: e.STATE_SECRET,
    hubspot: {
      clientId: e.HUBSPOT_CLIENT_ID,
      clientSecret: e.HUBSPOT_CLIENT_SECRET,
      apiBaseUrl: e.HUBSPOT_API_BASE_URL.replace(/\/+$/, ''),
      authorizeUrl: e.HUBSPOT_AUTHORIZE_URL,
    },
    demoWorkspace: e.DEMO_WORKSPACE,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  };
}
