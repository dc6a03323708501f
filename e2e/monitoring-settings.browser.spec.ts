import type { Locator, Page } from '@playwright/test';
import { trainIris } from './model-fixtures.js';
import { appApi, expect, SCREENSHOTS, type ServedApp, snap, test } from './serve-fixture.js';

/** Light and dark screenshots of the page, or of `part` alone when the page would be too tall to read. */
async function shotBoth(page: Page, name: string, part?: Locator): Promise<void> {
  for (const theme of ['light', 'dark'] as const) {
    await page.getByLabel('Theme').selectOption(theme);
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    await page.evaluate('window.scrollTo(0, 0)');
    const path = `${SCREENSHOTS}/${name}-${theme}.png`;
    await (part ? snap(part, path) : snap(page, path, { fullPage: true }));
  }
  await page.getByLabel('Theme').selectOption('light');
}

/** Registers the trained run's model as a version of `name` from its files alone: no run, so no dataset in lineage, so no reference. */
async function registerWithoutLineage(app: ServedApp, name: string, runId: string): Promise<void> {
  const response = await fetch(`${app.url}/api/2.0/mlflow/runs/get?run_id=${runId}`, { headers: app.authHeaders });
  const { run } = (await response.json()) as { run: { info: { artifact_uri: string } } };
  await app.api('registered-models/create', { name });
  await app.api('model-versions/create', { name, source: `${run.info.artifact_uri}/model` });
}

interface Settings {
  window: { by: string; size?: number };
  overrides: Record<string, { method?: string; threshold?: number }>;
}
const settingsOf = async (app: ServedApp, model: string) => (await appApi<{ settings: Settings }>(app, 'monitoring.settings', { model })).settings;

test('a reference set by hand, monitoring settings edited and refused, and Compute now, from the monitoring page', async ({ page, app }) => {
  test.setTimeout(180_000);
  const runId = await trainIris(app, 'iris-run-1', 1);
  await registerWithoutLineage(app, 'iris-byhand', runId);

  // No reference: the empty state offers a dataset version to take as reference.
  await page.goto(`${app.url}/#/models/iris-byhand?tab=monitoring`);
  const empty = page.getByTestId('monitoring-empty');
  await expect(empty).toHaveAttribute('data-reason', 'no-reference', { timeout: 30_000 });
  await expect(page.getByLabel('Reference dataset', { exact: true })).toHaveValue('iris');
  await expect(page.getByLabel('Reference dataset version')).toHaveValue('1');
  await shotBoth(page, 'monitoring-set-reference');
  await page.getByRole('button', { name: 'Set reference' }).click();
  // The page moves on: the reference is profiled, predictions are what is missing now.
  await expect(empty).toHaveAttribute('data-reason', 'no-predictions', { timeout: 30_000 });
  await expect(page.getByTestId('monitoring-reference')).toContainText('iris@1');
  await expect(page.getByTestId('monitoring-reference')).toContainText('set by hand');

  // Settings: windows of 50 predictions and a PSI override for one feature.
  const card = page.getByTestId('monitoring-settings');
  await card.locator('summary').click();
  await card.getByLabel('Window by').selectOption('count');
  await card.getByLabel('Rows per window').fill('50');
  await card.getByRole('button', { name: 'Add override' }).click();
  await card.getByLabel('Override 1 feature').fill('petal_length');
  await card.getByLabel('Override 1 method').selectOption('psi');
  await card.getByLabel('Override 1 threshold').fill('0.2');
  await card.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByTestId('settings-notice')).toContainText('start a new series');
  expect(await settingsOf(app, 'iris-byhand')).toMatchObject({ window: { by: 'count', size: 50 }, overrides: { petal_length: { method: 'psi', threshold: 0.2 } } });

  // Persisted: after a reload the form shows them again.
  await page.reload();
  await page.getByTestId('monitoring-settings').locator('summary').click();
  await expect(card.getByLabel('Rows per window')).toHaveValue('50');
  await expect(card.getByLabel('Override 1 feature')).toHaveValue('petal_length');
  await expect(card.getByLabel('Override 1 method')).toHaveValue('psi');
  await expect(card.getByLabel('Override 1 threshold')).toHaveValue('0.2');

  // Invalid values are refused naming the field; the stored settings stay as they were.
  await card.getByLabel('Override 1 threshold').fill('-1');
  await card.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByTestId('settings-error')).toContainText('threshold');
  await shotBoth(page, 'monitoring-settings-error');
  await card.getByLabel('Override 1 threshold').fill('0.2');
  await card.getByLabel('Rows per window').fill('0');
  await card.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByTestId('settings-error')).toContainText('size');
  expect(await settingsOf(app, 'iris-byhand')).toMatchObject({ window: { by: 'count', size: 50 }, overrides: { petal_length: { method: 'psi', threshold: 0.2 } } });
  await card.getByLabel('Rows per window').fill('50');

  // 120 predictions from elsewhere, then Compute now: two closed windows of 50 (the last 20 rows wait), and the page draws them.
  const rows = Array.from({ length: 120 }, (_, i) => ({
    id: `p-${i}`,
    time: Date.now() - 3_600_000 + i * 1000,
    sepal_length: 5 + (i % 10) / 5,
    sepal_width: 3 + (i % 7) / 10,
    petal_length: 1.4 + (i % 13) / 3,
    petal_width: 0.2 + (i % 11) / 5,
    prediction: ['setosa', 'versicolor', 'virginica'][i % 3],
  }));
  const logged = await fetch(`${app.url}/api/2.0/mldesk/predictions/log-batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...app.authHeaders },
    body: JSON.stringify({ model: 'iris-byhand', version: '1', rows }),
  });
  expect(logged.status).toBe(200);
  await card.getByRole('button', { name: 'Compute now' }).click();
  await expect(page.getByTestId('settings-notice')).toContainText('v1: 2 new windows over 100 rows');
  await expect(page.getByTestId('drift-heatmap')).toBeVisible({ timeout: 30_000 });
  await shotBoth(page, 'monitoring-settings-form', card);
});
