import { expect, test } from './serve-fixture.js';

const SCREENSHOTS = 'e2e/screenshots';

test('lists experiments and their runs logged through the tracking API', async ({ app, page }) => {
  const { experiment_id } = await app.api<{ experiment_id: string }>('experiments/create', { name: 'churn-model' });
  for (const [index, accuracy] of [0.81, 0.87, 0.92].entries()) {
    const { run } = await app.api<{ run: { info: { run_id: string } } }>('runs/create', {
      experiment_id,
      run_name: `mlp-${index}`,
      start_time: Date.now() - 60_000 * (3 - index),
    });
    await app.api('runs/log-batch', {
      run_id: run.info.run_id,
      metrics: [
        { key: 'accuracy', value: accuracy, timestamp: Date.now(), step: 10 },
        { key: 'loss', value: 1 - accuracy, timestamp: Date.now(), step: 10 },
      ],
      params: [{ key: 'hidden_units', value: String(32 * (index + 1)) }],
    });
    await app.api('runs/update', { run_id: run.info.run_id, status: index === 2 ? 'RUNNING' : 'FINISHED', end_time: Date.now() });
  }

  await page.goto(app.url);
  await expect(page.getByRole('button', { name: 'churn-model' })).toBeVisible();
  await page.getByRole('button', { name: 'churn-model' }).click();
  const rows = page.locator('table.runs tbody tr');
  await expect(rows).toHaveCount(3);
  await expect(page.locator('table.runs')).toContainText('mlp-2');
  await expect(page.locator('table.runs thead')).toContainText('accuracy');
  await expect(page.locator('table.runs')).toContainText('0.92');
  await page.screenshot({ path: `${SCREENSHOTS}/experiments-runs.png`, fullPage: true });

  await page.getByLabel('Filter runs').fill('metrics.accuracy > 0.85');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(rows).toHaveCount(2);
  await expect(page.locator('table.runs')).not.toContainText('mlp-0');
});

test('a bad filter shows an inline error naming the problem, not a blank page', async ({ app, page }) => {
  await app.api('experiments/create', { name: 'filters' });
  await page.goto(app.url);
  await page.getByRole('button', { name: 'filters' }).click();
  await page.getByLabel('Filter runs').fill('metrics.accuracy >> 0.5');
  await page.getByRole('button', { name: 'Search' }).click();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText("parameter 'filter'");
  await expect(alert).toContainText('position');
  await expect(page.getByRole('button', { name: 'filters' })).toBeVisible();
  await page.screenshot({ path: `${SCREENSHOTS}/filter-error.png`, fullPage: true });
});

test('an empty experiment says how to log the first run', async ({ app, page }) => {
  await app.api('experiments/create', { name: 'fresh' });
  await page.goto(app.url);
  await page.getByRole('button', { name: 'fresh' }).click();
  await expect(page.getByText('No runs here yet.')).toBeVisible();
  await expect(page.getByText('MLFLOW_TRACKING_URI')).toBeVisible();
});
