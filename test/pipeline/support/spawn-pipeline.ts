import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { PipelineSettings } from '../../../src/pipeline/pipeline-settings.ts';
import { REPO_ROOT } from '../../support/spawn-app.ts';
import { TEST_KEYS } from './test-context.ts';

export type PipelineProcess = { child: ChildProcess; logs: string[]; kill(signal?: NodeJS.Signals): Promise<void> };

/** Starts `pipeline-process.ts` with a role and waits until the pipeline says it started. */
export async function spawnPipelineProcess(options: {
  role: 'worker' | 'scheduler' | 'all'; databaseUrl: string; redisUrl: string; standInUrl: string; settings: PipelineSettings; env?: Record<string, string>;
}): Promise<PipelineProcess> {
  const child = spawn(process.execPath, [resolve(REPO_ROOT, 'test/pipeline/support/pipeline-process.ts')], {
    cwd: REPO_ROOT,
    env: {
      ...process.env, ROLE: options.role, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', DATABASE_URL: options.databaseUrl,
      REDIS_URL: options.redisUrl, ENCRYPTION_KEYS: TEST_KEYS, DEMO_WORKSPACE: 'false', STANDIN_URL: options.standInUrl,
      PIPELINE_TEST_SETTINGS: JSON.stringify(options.settings), ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  await new Promise<void>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`pipeline process did not start:\n${logs.join('')}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      logs.push(String(chunk));
      if (String(chunk).includes('pipeline started')) {
        clearTimeout(timer);
        resolvePromise();
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => logs.push(String(chunk)));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pipeline process exited with ${code}:\n${logs.join('')}`));
    });
  });
  return {
    child,
    logs,
    kill: (signal = 'SIGKILL') =>
      new Promise<void>((resolveKill) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolveKill();
        child.once('exit', () => resolveKill());
        child.kill(signal);
      }),
  };
}
