import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['shared/**/*.test.ts', 'electron/**/*.test.ts', 'renderer/src/**/*.test.ts'],
          exclude: ['**/*.integration.test.ts', 'node_modules/**', 'dist/**'],
          environment: 'node',
          // vitest's default is cores − 1, i.e. one file at a time on a 2-core CI machine.
          maxWorkers: 2,
          // Some unit tests start real servers and worker threads; vitest's 5 s default is too tight
          // for them with two files at a time on a loaded 2-core machine.
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Two files at a time (vitest's default is cores − 1, one file on a 2-core CI machine): most
          // of an integration test is waiting on child processes and servers, so the second fills the gaps.
          maxWorkers: 2,
        },
      },
    ],
  },
});
