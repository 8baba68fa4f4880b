import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/oracle/**'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'oracle',
          include: ['test/oracle/**/*.test.ts'],
          globalSetup: ['test/oracle/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
