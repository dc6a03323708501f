/**
 * What a data scientist reads off a run in the first hour: the New run form offers only what can
 * run and what they chose, and the run page shows values, paired curves that end where training
 * ended, datasets as links, and the columns training left out.
 */
import { appApi, expect, SERVER_POLL, setTheme, shot, test, type ServedApp } from './serve-fixture.js';

/** 80 customers, `;`-separated as a spreadsheet in a comma-decimal locale saves them, with an id column and noisy labels. */
function customersCsv(): string {
  const rows = Array.from({ length: 80 }, (_, i) => [50_000 + i * 17, i % 6, (i * 37) % 13, i % 6 > 2 !== ((i * 7) % 5 === 0) ? 'yes' : 'no'].join(';'));
  return `customer_id;support_calls;tenure;churned\n${rows.join('\n')}\n`;
}

async function waitFinished(app: ServedApp, runId: string): Promise<void> {
  await expect
    .poll(async () => (await appApi<{ run: { status: string } }>(app, 'runs.get', { runId })).run.status, { timeout: 90_000, intervals: SERVER_POLL, message: 'the run should finish' })
    .toBe('FINISHED');
}

test('the New run form disables backends that are not installed, saying why, and preselects only the dataset last trained on', async ({ page, app }) => {
  await appApi(app, 'datasets.importSample', { name: 'iris' });
  await appApi(app, 'datasets.upload', { name: 'customers', fileName: 'customers.csv', content: customersCsv() });
  const { backends } = await appApi<{ backends: Array<{ name: string; available: boolean; reason: string | null }> }>(app, 'training.backends', {});
  expect(backends.find((b) => b.name === 'cpu')).toEqual({ name: 'cpu', available: true, reason: null });
  const missing = backends.filter((b) => !b.available);

  await page.goto(`${app.url}/#/new-run`);
  await expect(page.getByTestId('new-run-page')).toBeVisible();
  // Nobody picked a dataset yet: the form does not pick the latest import for them.
  await expect(page.getByLabel('Dataset')).toHaveValue('');
  for (const backend of missing) {
    await expect(page.getByRole('radio', { name: backend.name, exact: true })).toBeDisabled();
    await expect(page.getByTestId('backend-unavailable')).toContainText(`${backend.name} unavailable: ${backend.reason!}`);
  }
  await expect(page.getByRole('radio', { name: 'cpu', exact: true })).toBeEnabled();
  await expect(page.getByLabel('Use id-like columns as features')).not.toBeChecked();
  await setTheme(page, 'light');
  await shot(page, 'run-insights-new-run-form');
  await setTheme(page, 'dark');
  await shot(page, 'run-insights-new-run-form-dark');
  await setTheme(page, 'light');

  await page.getByLabel('Dataset').selectOption('iris');
  await expect(page.getByLabel('Target column')).toHaveValue('species');
  await page.getByRole('radio', { name: 'cpu', exact: true }).click();
  await page.getByLabel('Epochs').fill('2');
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('job-panel')).toHaveAttribute('data-phase', 'finished', { timeout: 60_000 });

  // A fresh page load (the draft is gone): the dataset last trained on comes back, not the newer import.
  await page.goto(`${app.url}/#/datasets`);
  await page.reload();
  await page.goto(`${app.url}/#/new-run`);
  // The select itself: while the datasets page is still up, 'Dataset' labels other elements there.
  await expect(page.getByRole('combobox', { name: 'Dataset' })).toHaveValue('iris');
});

test('the run page: id column left out with a note, dataset as a link, lineage tags hidden, values for one-off metrics, loss with val_loss, curves ending at the last epoch', async ({ page, app }) => {
  await appApi(app, 'datasets.upload', { name: 'customers', fileName: 'customers.csv', content: customersCsv() });
  const { runId } = await appApi<{ runId: string }>(app, 'training.start', {
    dataset: 'customers',
    target: 'churned',
    experimentName: 'customers-churned',
    runName: 'early-stopped',
    backend: 'cpu',
    // A high learning rate and patience 1 stop early, restoring an earlier epoch's weights.
    hyperparameters: { epochs: 80, hiddenUnits: [8], learningRate: 0.3, earlyStoppingPatience: 1, seed: 3 },
  });
  await waitFinished(app, runId);
  await expect
    .poll(async () => (await appApi<{ jobs: Array<{ runId: string; progress: { phase: string } }> }>(app, 'training.jobs', {})).jobs.find((j) => j.runId === runId)?.progress.phase, { intervals: SERVER_POLL })
    .toBe('finished');
  const { run } = await appApi<{ run: { tags: Record<string, string>; metrics: Record<string, number> } }>(app, 'runs.get', { runId });
  const epochsRun = Number(run.tags['mldesk.epochs_run']);
  expect(run.metrics.restored_epoch).toBeLessThan(epochsRun);

  await page.goto(`${app.url}/#/runs/${runId}`);
  await expect(page.getByTestId('run-page')).toBeVisible();
  await expect(page.getByTestId('ignored-columns')).toContainText('customer_id: every value is a distinct integer');
  await expect(page.getByTestId('ignored-columns')).toContainText('--keep-id-columns');
  const link = page.getByTestId('run-datasets').getByRole('link', { name: 'customers@1' });
  await expect(link).toHaveAttribute('href', '#/datasets/customers@1');
  await expect(page.getByTestId('run-datasets')).not.toContainText('{"uri"');
  const tags = page.getByTestId('run-tags');
  await expect(tags).toContainText('mldesk.task');
  await expect(tags).not.toContainText('mldesk.lineage.');
  await expect(tags).not.toContainText('mldesk.ignored_columns');
  await setTheme(page, 'light');
  await shot(page, 'run-insights-overview');
  await setTheme(page, 'dark');
  await shot(page, 'run-insights-overview-dark');

  await page.getByRole('tab', { name: 'Lineage' }).click();
  const lineageTags = page.getByTestId('lineage-tags');
  await lineageTags.locator('summary').click();
  await expect(lineageTags).toContainText('mldesk.lineage.');

  await page.getByRole('tab', { name: /Metrics/ }).click();
  const values = page.getByTestId('single-value-metrics');
  await expect(values.locator('[data-key="restored_epoch"]')).toContainText(String(run.metrics.restored_epoch));
  await expect(values.locator('[data-key="stopped_epoch"]')).toBeVisible();
  await expect(page.locator('[data-testid="metric-chart"][data-key="restored_epoch"]')).toHaveCount(0);
  const pair = page.locator('[data-testid="metric-chart"][data-keys="loss val_loss"]');
  await expect(pair).toHaveAttribute('data-state', 'ready');
  await expect(page.locator('[data-testid="metric-chart"][data-key="val_loss"]')).toHaveCount(0);
  // One point per epoch for each of the two lines: the restored model's figures, logged one step
  // past the last epoch, are not drawn as an extra step.
  await expect(pair).toHaveAttribute('data-points', String(2 * epochsRun));
  await expect(page.getByTestId('restored-note')).toContainText(`epoch ${run.metrics.restored_epoch}`);
  await setTheme(page, 'light');
  await shot(page, 'run-insights-metrics');
  await setTheme(page, 'dark');
  await shot(page, 'run-insights-metrics-dark');
});

test("the New run form's live curves also end at the last epoch after early stopping, with the restored epoch marked", async ({ page, app }) => {
  await appApi(app, 'datasets.upload', { name: 'customers', fileName: 'customers.csv', content: customersCsv() });
  await page.goto(`${app.url}/#/new-run`);
  await page.getByLabel('Dataset').selectOption('customers');
  await page.getByLabel('Target column').selectOption('churned');
  // The preview says beforehand what training will leave out, and follows the checkbox.
  const preview = page.getByTestId('target-preview');
  await expect(preview.getByTestId('id-columns-preview')).toContainText('customer_id');
  await expect(preview.locator('.feature-chip')).toHaveText(['support_calls', 'tenure']);
  await expect(page.getByText(/· 2 feature columns ·/)).toBeVisible();
  await page.getByLabel('Use id-like columns as features').check();
  await expect(page.getByText(/· 3 feature columns ·/)).toBeVisible();
  await expect(preview.getByTestId('id-columns-preview')).toHaveCount(0);
  await expect(preview.locator('.feature-chip')).toHaveText(['customer_id', 'support_calls', 'tenure']);
  await page.getByLabel('Use id-like columns as features').uncheck();
  await page.getByRole('radio', { name: 'cpu', exact: true }).click();
  // The same settings as the run-page test above: they stop early and restore an earlier epoch.
  await page.getByLabel('Epochs').fill('80');
  await page.getByLabel('Hidden units').fill('8');
  await page.getByLabel('Learning rate').fill('0.3');
  await page.getByLabel('Early-stopping patience').fill('1');
  await page.getByLabel('Seed').fill('3');
  await page.getByRole('button', { name: 'Start training' }).click();
  const panel = page.getByTestId('job-panel');
  await expect(panel).toHaveAttribute('data-phase', 'finished', { timeout: 90_000 });
  const { jobs } = await appApi<{ jobs: Array<{ runId: string; progress: { metrics: Record<string, number> } }> }>(app, 'training.jobs', {});
  const { stopped_epoch: stopped, restored_epoch: restored } = jobs[0]!.progress.metrics;
  expect(restored).toBeLessThan(stopped!);
  const loss = panel.locator('[data-testid="metric-chart"][data-key="loss"]');
  await expect(loss).toHaveAttribute('data-state', 'ready');
  // One point per epoch trained: the restored model's figures, one step past the last epoch, are not drawn.
  await expect(loss).toHaveAttribute('data-points', String(stopped));
  await expect(loss).toContainText(`restored epoch ${restored}`);
  await setTheme(page, 'dark');
  await shot(page, 'run-insights-job-panel-dark');
});
