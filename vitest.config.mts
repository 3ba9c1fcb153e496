import { defineConfig } from 'vitest/config';

// Two projects: unit tests need nothing running; integration tests share one real stack
// (Postgres, Temporal dev server, S3 server) started once by test/support/global-setup.ts.
// The Temporal SDK's native bridge is happier in processes than in worker threads: pool 'forks'.
export default defineConfig({
  test: {
    pool: 'forks',
    reporters: ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          pool: 'forks',
          // Unit tests first (fast feedback), then the integration tests on the real stack.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/replay/**/*.test.ts'],
          pool: 'forks',
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          // Two cores: more parallel files only queue behind Postgres and the dev server.
          maxWorkers: 2,
          fileParallelism: true,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
