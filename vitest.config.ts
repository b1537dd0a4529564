import { configDefaults, defineConfig } from 'vitest/config';

/** Tests that stop or restart the machine's shared services: they run alone, after everything else. */
const DESTRUCTIVE = ['test/pipeline/redis-restart.test.ts'];

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: ['src/**/*.test.ts', 'connectors/**/*.test.ts', 'test/**/*.test.ts', 'app-manifest/**/*.test.{ts,tsx}'],
          exclude: [...configDefaults.exclude, ...DESTRUCTIVE],
          sequence: { groupOrder: 0 },
        },
      },
      { extends: true, test: { name: 'shared-services', include: DESTRUCTIVE, sequence: { groupOrder: 1 } } },
    ],
  },
});
