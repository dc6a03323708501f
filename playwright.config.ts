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
  // Tests, not files, are handed to the workers: with whole files, the last long file ran alone
  // while the other worker sat idle (56 s of CI's e2e run). Tests do not depend on each other: each
  // has its own server, or shares its file's (serve-fixture.ts) with names of its own.
  fullyParallel: true,
  // Two tests at a time keep CI's two cores busy while a test waits on its browser or server
  // (three measured no faster on this 2-core machine).
  workers: process.env.CI ? 2 : 1,
  reporter: process.env.CI ? [['list'], ['json', { outputFile: 'test-results/e2e-results.json' }]] : 'list',
  use: {
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS },
    viewport: { width: 1280, height: 800 },
    // The app honours reduced motion (styles.css): no looping pulses or spinners. With software
    // rendering every looping animation kept Chromium repainting, most of e2e's CPU.
    reducedMotion: 'reduce',
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'browser', testMatch: /.*\.browser\.spec\.ts/ },
    { name: 'electron', testMatch: /.*\.electron\.spec\.ts/ },
  ],
});
