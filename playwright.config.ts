import { defineConfig } from '@playwright/test';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export default defineConfig({
  testDir: 'e2e',
  // Generous: on a loaded 2-core CI machine a long flow (training, then cancelling) can take twice
  // its quiet time; a passing test costs nothing extra, a stuck one is still stopped.
  timeout: 120_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  // Each test has its own server, data dir and port: two files at a time keep CI's two cores busy
  // while a test waits on its browser or server.
  workers: process.env.CI ? 2 : 1,
  reporter: process.env.CI ? [['list'], ['json', { outputFile: 'test-results/e2e-results.json' }]] : 'list',
  use: {
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS },
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'browser', testMatch: /.*\.browser\.spec\.ts/ },
    { name: 'electron', testMatch: /.*\.electron\.spec\.ts/ },
  ],
});
