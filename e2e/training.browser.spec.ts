import type { Page } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appApi, expect, SCREENSHOTS, type ServedApp, setTheme, shot, snap, test } from './serve-fixture.js';

async function openFormOnIris(page: Page, app: ServedApp): Promise<void> {
  await appApi(app, 'datasets.importSample', { name: 'iris' });
  await page.goto(`${app.url}/#/datasets/iris`);
  await page.getByRole('link', { name: 'Train a model on this dataset' }).click();
  await expect(page.getByTestId('new-run-page')).toBeVisible();
  await expect(page.getByLabel('Target column')).toHaveValue('species');
}

test('a run started from the New run form trains to the end and opens with its validation metrics', async ({ page, app }) => {
  await openFormOnIris(page, app);
  await expect(page.getByLabel('Dataset')).toHaveValue('iris');
  await expect(page.getByLabel('Version')).toHaveValue('1');
  await expect(page.getByTestId('task-guess')).toContainText('classification');
  await expect(page.getByLabel('Experiment')).toHaveValue('iris-species');
  await expect(page.getByTestId('target-preview')).toContainText('setosa');
  await expect(page.getByLabel('Learning rate')).toHaveAttribute('placeholder', '0.001');

  await page.getByLabel('Run name (optional)').fill('iris-e2e');
  await page.getByRole('radio', { name: 'cpu' }).click();
  await page.getByLabel('Epochs').fill('15');
  await page.getByLabel('Hidden units').fill('16,8');
  await page.getByLabel('Seed').fill('7');
  await setTheme(page, 'light');
  await shot(page, 'new-run-form');

  await page.getByRole('button', { name: 'Start training' }).click();
  const panel = page.getByTestId('job-panel');
  await expect(panel).toHaveAttribute('data-phase', 'finished', { timeout: 60_000 });
  await expect(panel.getByTestId('job-progress')).toHaveAttribute('aria-valuenow', '100');
  await expect(panel.getByTestId('job-epochs')).toHaveText(/^(Epoch 15 \/ 15|Stopped early at epoch \d+ \/ 15)$/);
  await expect(panel.getByTestId('job-status')).toHaveText('FINISHED');
  await expect(panel.locator('[data-testid="job-metrics"] [data-key="val_accuracy"]')).toBeVisible();
  // The live loss curve holds every logged epoch.
  await expect(panel.locator('[data-testid="metric-chart"][data-key="loss"]')).toHaveAttribute('data-state', 'ready');
  await expect(panel.locator('[data-testid="metric-chart"][data-key="loss"]')).not.toHaveAttribute('data-points', '0');
  await expect(page.getByTestId('training-indicator')).toHaveText('Jobs (1)');
  await shot(page, 'new-run-finished');

  await panel.getByTestId('open-run').click();
  await expect(page.getByTestId('run-page')).toBeVisible();
  await expect(page.locator('.run-title')).toHaveText('iris-e2e');
  await expect(page.locator('.run-title-row .status')).toHaveText('FINISHED');
  await expect(page.getByText('val_accuracy', { exact: true }).first()).toBeVisible();
  const { jobs } = await appApi<{ jobs: Array<{ runId: string; progress: { metrics: Record<string, number> } }> }>(app, 'training.jobs', {});
  expect(jobs[0]!.progress.metrics.val_accuracy).toBeGreaterThan(0);
  const { run } = await appApi<{ run: { params: Record<string, string> } }>(app, 'runs.get', { runId: jobs[0]!.runId });
  expect(run.params).toMatchObject({ epochs: '15', hidden_units: '[16,8]', seed: '7', learning_rate: '0.001' });
});

test('a long run shows live progress everywhere and can be cancelled, ending KILLED', async ({ page, app }) => {
  await openFormOnIris(page, app);
  await page.getByRole('radio', { name: 'cpu' }).click();
  await page.getByLabel('Epochs').fill('5000');
  // Patience 0 never stops early, so the run is still going when it is cancelled.
  await page.getByLabel('Early-stopping patience').fill('0');
  await page.getByRole('button', { name: 'Start training' }).click();

  const panel = page.getByTestId('job-panel');
  await expect(panel).toHaveAttribute('data-phase', /^(epoch|batch)$/, { timeout: 30_000 });
  await expect(panel.getByTestId('job-status')).toHaveText('RUNNING');
  await expect(panel.getByTestId('job-epochs')).toHaveText(/^Epoch \d+ \/ 5000$/);
  await expect(panel.locator('[data-testid="metric-chart"][data-key="loss"]')).toHaveAttribute('data-state', 'ready');
  const indicator = page.getByTestId('training-indicator');
  await expect(indicator).toHaveAttribute('data-active', '1');
  await expect(indicator).toContainText('1 training');
  await setTheme(page, 'dark');
  await shot(page, 'new-run-live-dark');

  // The top-bar indicator follows the job from any page.
  await page.getByRole('link', { name: 'Datasets' }).click();
  await indicator.click();
  const popover = page.getByRole('dialog', { name: 'Training jobs' });
  await expect(popover.getByTestId('training-job')).toHaveCount(1);
  await expect(popover.getByTestId('training-job')).toHaveAttribute('data-phase', /^(epoch|batch)$/);
  await setTheme(page, 'light');
  await snap(page, `${SCREENSHOTS}/training-indicator.png`);
  await page.keyboard.press('Escape');
  await expect(popover).toHaveCount(0);

  await page.getByRole('link', { name: 'New run' }).click();
  await panel.getByRole('button', { name: 'Cancel training' }).click();
  await expect(panel).toHaveAttribute('data-phase', 'killed', { timeout: 30_000 });
  await expect(panel.getByTestId('job-status')).toHaveText('KILLED');
  await expect(indicator).toHaveText('Jobs (1)');
  await shot(page, 'new-run-killed');

  await panel.getByTestId('open-run').click();
  await expect(page.locator('.run-title-row .status')).toHaveText('KILLED');
});

test('invalid hyperparameters get inline messages naming the field, and nothing starts', async ({ page, app }) => {
  await openFormOnIris(page, app);
  await page.getByLabel('Learning rate').fill('-1');
  await page.getByLabel('Batch size').fill('0');
  await page.getByLabel('Hidden units').fill('64,abc');
  await page.getByRole('button', { name: 'Start training' }).click();

  await expect(page.getByTestId('error-learningRate')).toHaveText('Learning rate must be a number greater than 0 and at most 10; got “-1”.');
  await expect(page.getByTestId('error-batchSize')).toContainText('Batch size must be a whole number from 1 to 65,536');
  await expect(page.getByTestId('error-hiddenUnits')).toContainText('Hidden units must be whole numbers');
  await expect(page.getByLabel('Learning rate')).toHaveAttribute('aria-invalid', 'true');
  // The first field at fault, in form order, takes focus.
  await expect(page.getByLabel('Hidden units')).toBeFocused();
  await setTheme(page, 'light');
  await shot(page, 'new-run-invalid');
  expect((await appApi<{ jobs: unknown[] }>(app, 'training.jobs', {})).jobs).toHaveLength(0);
  await expect(page.getByTestId('job-panel')).toHaveCount(0);

  // Fixing a field clears its message.
  await page.getByLabel('Learning rate').fill('0.01');
  await expect(page.getByTestId('error-learningRate')).toHaveCount(0);
});

test('a server refusal is shown on the form, and a job that fails shows its error', async ({ page, app }) => {
  const { experiment_id } = await app.api<{ experiment_id: string }>('experiments/create', { name: 'archived' });
  await app.api('experiments/delete', { experiment_id });
  await openFormOnIris(page, app);
  await page.getByLabel('Experiment').fill('archived');
  await page.getByLabel('Epochs').fill('5');
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByRole('alert').filter({ hasText: "Could not start training: The experiment 'archived' is deleted" })).toBeVisible();

  // A target that is not a column is refused up front, naming the field: no FAILED run is left behind.
  await expect(appApi(app, 'training.start', { dataset: 'iris', target: 'no_such_column', experimentName: 'Default', hyperparameters: { epochs: 1 } })).rejects.toThrow(
    /Field 'target': 'no_such_column' is not a column of iris@1/,
  );
  expect((await appApi<{ jobs: unknown[] }>(app, 'training.jobs', {})).jobs).toHaveLength(0);

  // Stored bytes damaged after import: the job starts, then fails with the reason.
  const { selected } = await appApi<{ selected: { sha256: string } }>(app, 'datasets.get', { ref: 'iris' });
  writeFileSync(join(app.dataDir, 'blobs', 'sha256', selected.sha256.slice(0, 2), selected.sha256.slice(2)), 'tampered\n');
  await appApi(app, 'training.start', { dataset: 'iris', target: 'species', experimentName: 'Default', hyperparameters: { epochs: 1 } });
  await page.getByTestId('training-indicator').click();
  const failed = page.getByRole('dialog', { name: 'Training jobs' }).getByTestId('training-job');
  await expect(failed).toHaveAttribute('data-phase', 'failed');
  await expect(failed).toContainText('FAILED');
});
