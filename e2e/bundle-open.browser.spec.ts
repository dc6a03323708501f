import { test as base, expect, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildBundleFixture, type BuiltBundle } from '../tests/fixtures/bundles.js';
import { SCREENSHOTS, snap } from './serve-fixture.js';

/** A real `mldesk bundle open` child process over a bundle built by the test fixture. */
interface OpenedBundle {
  url: string;
  bundle: BuiltBundle;
}

async function startBundleOpen(file: string, home: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['bin/mldesk.js', 'bundle', 'open', file, '--port', '0', '--data-dir', home], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`mldesk bundle open exited with ${code} before listening`)));
    lines.on('line', (line) => {
      const listening = /^MLDesk listening on (http:\/\/\S+)/.exec(line);
      if (listening) resolve(listening[1]!);
    });
  });
  return { child, url };
}

const test = base.extend<{ opened: OpenedBundle }>({
  opened: async ({ browserName: _browserName }, use) => {
    const dir = mkdtempSync(join(tmpdir(), 'mldesk-e2e-bundle-'));
    const bundle = await buildBundleFixture(dir, { runs: 4, metrics: 2, steps: 400, experimentName: 'churn-model' });
    const { child, url } = await startBundleOpen(bundle.file, join(dir, 'home'));
    await use({ url, bundle });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  },
});

async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await page.getByLabel('Theme').selectOption(theme);
  await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
}

test('a bundle opens read-only: banner with signer and integrity, runs and charts, no way to write', async ({ opened, page }) => {
  const { url, bundle } = opened;
  await page.goto(`${url}/#/experiments/${bundle.experimentId}`);
  const banner = page.getByTestId('bundle-banner');
  await expect(banner).toContainText(`Bundle ${bundle.file.split('/').pop()}`);
  await expect(banner).toContainText('signed by ada@lab');
  await expect(banner).toContainText(bundle.signer.fingerprint.slice(0, 17));
  await expect(banner).toContainText('not trusted');
  await expect(banner).toContainText('integrity verified');
  await expect(page.getByTestId('bundle-banner-slot')).toBeAttached();

  const table = page.getByTestId('runs-table');
  await expect(table).toHaveAttribute('data-state', 'ready');
  await expect(table.locator('[role=row][data-run-id]')).toHaveCount(4);
  // The review panel is docked beside the runs table and its toolbar, not over them.
  const dock = (await page.getByTestId('review-panel').boundingBox())!;
  for (const beside of [table, page.getByRole('button', { name: /Export/ }).first()]) {
    const box = (await beside.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(dock.x + 0.5);
  }
  // Nothing that writes is offered: no new run, no new experiment, no rename or delete.
  await expect(page.locator('.topbar-new-run')).toBeHidden();
  await expect(page.getByRole('button', { name: 'New' })).toBeHidden();
  await expect(page.getByRole('button', { name: /^Rename / })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Delete / }).first()).toBeHidden();
  await setTheme(page, 'light');
  await snap(page, `${SCREENSHOTS}/bundle-runs-light.png`);
  await setTheme(page, 'dark');
  await snap(page, `${SCREENSHOTS}/bundle-runs-dark.png`);

  const run = bundle.runs[0]!;
  await page.goto(`${url}/#/runs/${run.runId}`);
  await expect(page.getByRole('heading', { name: run.name })).toBeVisible();
  await expect(banner).toBeVisible();
  await expect(page.getByRole('button', { name: /Edit|Add description/ })).toBeHidden();
  await page.getByRole('tab', { name: /Metrics/ }).click();
  const loss = page.locator('[data-testid="metric-chart"][data-key="loss"]');
  await expect(loss).toHaveAttribute('data-state', 'ready');
  // The whole 400-step history, or one point per pixel where the chart is narrower (the review panel takes a column).
  const width = Number(await loss.getAttribute('data-width'));
  await expect(loss).toHaveAttribute('data-points', String(Math.min(400, width)));
  await snap(page, `${SCREENSHOTS}/bundle-run-dark.png`);
  await setTheme(page, 'light');
  await snap(page, `${SCREENSHOTS}/bundle-run-light.png`);

  // The other pages read without a refusal showing, and offer nothing that writes.
  for (const [hash, heading] of [['#/models', 'Models'], ['#/datasets', 'Datasets']] as const) {
    await page.goto(`${url}/${hash}`);
    await expect(page.getByRole('heading', { name: heading, exact: true }).first()).toBeVisible();
    await expect(banner).toBeVisible();
    await expect(page.locator('.error-banner')).toHaveCount(0);
    await expect(page.locator('main [data-writes]:visible')).toHaveCount(0);
  }
  await snap(page, `${SCREENSHOTS}/bundle-datasets-light.png`);

  // A write the page itself attempts (as a script in it would) is refused by the server.
  const refused = await page.evaluate(async (runId) => {
    const response = await fetch('app-api/runs.setDescription', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ runId, description: 'lgtm' }) });
    return { status: response.status, body: (await response.json()) as { error: { code: string; message: string } } };
  }, run.runId);
  expect(refused.status).toBe(403);
  expect(refused.body.error.code).toBe('PERMISSION_DENIED');
  expect(refused.body.error.message).toMatch(/the bundle is read-only/);
  // The new-run page, reached by its URL, cannot start training either.
  const start = await page.evaluate(async () => (await fetch('app-api/training.start', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status);
  expect(start).toBe(403);
});

test('an artifact changed after signing turns the banner to failed, naming the entry', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'mldesk-e2e-bundle-bad-'));
  // Stored uncompressed, so one byte of the artifact can be changed in place.
  const bundle = await buildBundleFixture(dir, { runs: 2, metrics: 1, steps: 50, compress: false });
  const run = bundle.runs[0]!;
  const bytes = readFileSync(bundle.file);
  const at = bytes.indexOf(run.artifacts['model/weights.bin']!.subarray(0, 64));
  bytes[at + 5] = bytes[at + 5]! ^ 0xff;
  writeFileSync(bundle.file, bytes);
  const { child, url } = await startBundleOpen(bundle.file, join(dir, 'home'));
  try {
    await page.goto(`${url}/#/experiments/${bundle.experimentId}`);
    const banner = page.getByTestId('bundle-banner');
    await expect(banner).toContainText('integrity check FAILED', { timeout: 20_000 });
    await expect(banner).toContainText(`artifacts/${bundle.experimentId}/${run.runId}/artifacts/model/weights.bin`);
    await expect(page.getByTestId('runs-table').locator('[role=row][data-run-id]')).toHaveCount(2);
    await setTheme(page, 'light');
    await snap(page, `${SCREENSHOTS}/bundle-failed-light.png`);
    await setTheme(page, 'dark');
    await snap(page, `${SCREENSHOTS}/bundle-failed-dark.png`);
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
