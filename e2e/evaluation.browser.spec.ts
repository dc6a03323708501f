import type { Page } from '@playwright/test';
import { userInfo } from 'node:os';
import { trainIris } from './model-fixtures.js';
import { appApi, expect, SERVER_POLL, setTheme, shot, test, type ServedApp } from './serve-fixture.js';

/** A token-less server records the OS user running it as the reviewer. */
const ME = userInfo().username;

type Run = { run: { status: string; metrics: Record<string, number>; params: Record<string, string> } };

/** Trains on a shipped sample through the app API (as the New run form does) and waits for the run to finish. */
async function trainSample(app: ServedApp, sample: string, target: string, runName: string, hyperparameters: Record<string, unknown>): Promise<string> {
  await appApi(app, 'datasets.importSample', { name: sample });
  const { runId } = await appApi<{ runId: string }>(app, 'training.start', { dataset: sample, target, experimentName: `${sample}-eval`, runName, backend: 'cpu', hyperparameters });
  await expect.poll(async () => (await appApi<Run>(app, 'runs.get', { runId })).run.status, { timeout: 90_000, intervals: SERVER_POLL, message: `run ${runName} should finish` }).toBe('FINISHED');
  return runId;
}

async function shotBoth(page: Page, name: string): Promise<void> {
  await setTheme(page, 'light');
  await shot(page, name);
  await setTheme(page, 'dark');
  await shot(page, `${name}-dark`);
  await setTheme(page, 'light');
}

test('the run page Evaluation tab shows the validation figures of a multiclass and of a regression model', async ({ page, app }) => {
  test.setTimeout(150_000);
  const runId = await trainIris(app, 'iris-eval', 3);
  const { run } = await appApi<Run>(app, 'runs.get', { runId });
  await page.goto(`${app.url}/#/runs/${runId}`);
  await page.getByRole('tab', { name: 'Evaluation' }).click();
  const view = page.getByTestId('evaluation-view');
  await expect(view).toHaveAttribute('data-task', 'classification');
  await expect(page).toHaveURL(/\?tab=evaluation$/);

  // The numbers: the table's AUC is the run's logged val_auc; the matrix counts every validation row.
  const summary = page.getByTestId('evaluation-summary');
  await expect(summary.getByRole('row', { name: /ROC AUC/ })).toContainText(String(Number(run.metrics.val_auc!.toPrecision(5))));
  await expect(summary.getByRole('row', { name: /PR AUC/ })).toContainText(String(Number(run.metrics.val_pr_auc!.toPrecision(5))));
  const cells = await page.getByTestId('confusion-matrix').locator('td').allTextContents();
  expect(cells).toHaveLength(9);
  expect(cells.reduce((sum, c) => sum + Number(c), 0)).toBe(Number(run.params.validation_rows));
  await expect(page.getByTestId('per-class-table').locator('tbody tr[data-class]')).toHaveCount(3);
  await expect(page.getByTestId('per-class-table').locator('tbody tr[data-class="setosa"] td').last()).toHaveText('10');

  // One chart per figure, one line per class, each named in the legend with its area, axes labelled.
  const roc = page.getByTestId('roc-chart');
  await expect(roc).toHaveCount(1);
  await expect(roc.locator('.chart-legend-item')).toHaveCount(4);
  await expect(roc.locator('.chart-legend-item').last()).toHaveText('chance');
  await expect(roc.locator('.chart-legend-item').first()).toContainText(/AUC \d\.\d{3}/);
  await expect(roc).toContainText('False positive rate');
  await expect(roc).toContainText('True positive rate');
  await expect(page.getByTestId('pr-chart')).toContainText('Recall');
  await expect(page.getByTestId('calibration-chart')).toContainText('perfectly calibrated');
  await expect(roc.locator('.recharts-line-curve')).toHaveCount(3);
  await shotBoth(page, 'evaluation-run-tab');

  // A regressor: predicted vs actual, residuals and the error histogram.
  const regression = await trainSample(app, 'iris', 'petal_width', 'iris-petal-width', { epochs: 15, hiddenUnits: [8], learningRate: 0.05, seed: 1 });
  await page.goto(`${app.url}/#/runs/${regression}?tab=evaluation`);
  await expect(page.getByTestId('evaluation-view')).toHaveAttribute('data-task', 'regression');
  await expect(page.getByTestId('predicted-actual-chart').locator('.recharts-scatter-symbol')).toHaveCount(30);
  await expect(page.getByTestId('residuals-chart')).toContainText('Residual (actual − predicted)');
  await expect(page.getByTestId('error-histogram').locator('.recharts-bar-rectangle').first()).toBeVisible();
  await expect(page.getByTestId('evaluation-summary').getByRole('row', { name: /Validation rows/ })).toContainText('30');
  await shotBoth(page, 'evaluation-run-tab-regression');
});

test('a run without an evaluation says why', async ({ page, app }) => {
  const { experiment_id } = await app.api<{ experiment_id: string }>('experiments/create', { name: 'from-mlflow' });
  const { run } = await app.api<{ run: { info: { run_id: string } } }>('runs/create', { experiment_id, start_time: Date.now() });
  await page.goto(`${app.url}/#/runs/${run.info.run_id}?tab=evaluation`);
  await expect(page.getByText('No evaluation recorded')).toBeVisible();
  await expect(page.getByText(/Runs logged from an MLflow client/)).toBeVisible();
});

test('the model page compares the versions’ evaluations side by side, and reviews and promotion say what they need up front', async ({ page, app }) => {
  test.setTimeout(180_000);
  const small = { epochs: 3, hiddenUnits: [4], learningRate: 0.01, seed: 1 };
  const runs = [
    await trainSample(app, 'synthetic-churn', 'churned', 'churn-small', small),
    await trainSample(app, 'synthetic-churn', 'churned', 'churn-wider', { ...small, hiddenUnits: [32], learningRate: 0.02, seed: 2 }),
  ];
  for (const runId of runs) await appApi(app, 'models.register', { runId, name: 'churn' });
  await page.goto(`${app.url}/#/models/churn?version=1`);
  const card = page.getByTestId('version-evaluation');
  await expect(card.getByTestId('evaluation-view')).toHaveAttribute('data-task', 'classification');

  // A binary model's curves of both versions share one chart, one line each, named by version.
  const roc = card.getByTestId('roc-chart');
  await expect(roc).toHaveCount(1);
  await expect(roc.locator('.chart-legend-item')).toHaveCount(3);
  await expect(roc.locator('.chart-legend-item').nth(0)).toContainText(/^v1 · AUC \d\.\d{3}$/);
  await expect(roc.locator('.chart-legend-item').nth(1)).toContainText(/^v2 · AUC \d\.\d{3}$/);
  const table = card.getByTestId('per-class-table');
  await expect(table.locator('th.group-title')).toHaveText(['v1', 'v2']);
  await expect(table.locator('tbody tr[data-class]')).toHaveCount(2);
  await expect(card.getByTestId('confusion-matrix')).toHaveCount(2);
  // The summary marks the better version per figure.
  await expect(card.getByTestId('evaluation-summary').locator('td.best').first()).toBeVisible();
  await shotBoth(page, 'evaluation-versions');

  // Unchecking a version takes it out of the comparison.
  await card.getByRole('checkbox', { name: 'v2' }).uncheck();
  await expect(roc.locator('.chart-legend-item')).toHaveCount(2);
  await expect(card.getByTestId('confusion-matrix')).toHaveCount(1);

  // Promote on an unreviewed version says what it needs before anything is typed.
  const details = page.getByTestId('version-details');
  await expect(details).toHaveAttribute('data-version', '1');
  await expect(details.getByRole('button', { name: 'Promote to champion' })).toHaveCount(0);
  await expect(details.getByRole('button', { name: 'Approve first to promote' })).toBeDisabled();
  await expect(details.getByTestId('promote-blocked')).toHaveText('Not promotable to champion yet: it needs an approval first and has no review.');
  // So does "Set alias…" once the alias typed is champion.
  await details.getByRole('button', { name: 'Set alias…' }).click();
  const aliasDialog = page.getByTestId('alias-dialog');
  await aliasDialog.getByLabel('Alias').fill('champion');
  await expect(aliasDialog.getByTestId('champion-refused')).toContainText('v1 cannot be champion yet: it needs an approval first');
  await aliasDialog.getByLabel(/^Reason/).fill('ship it');
  await expect(aliasDialog.getByRole('button', { name: 'Promote' })).toBeDisabled();
  await aliasDialog.getByRole('button', { name: 'Cancel' }).click();

  // The review dialog names the identity the review is recorded under.
  await details.getByRole('button', { name: 'Approve', exact: true }).click();
  const review = page.getByTestId('review-dialog');
  await expect(review.getByTestId('review-identity')).toHaveText(`Recorded as ${ME}, with the time.`);
  await review.getByLabel(/^Comment/).fill('ROC and calibration look fine.');
  await review.getByRole('button', { name: 'Approve' }).click();
  await expect(review).toHaveCount(0);

  // Decided: Approve is disabled for this reviewer, Reject would supersede, Promote is open.
  await expect(details.getByRole('button', { name: 'Approve', exact: true })).toBeDisabled();
  await expect(details.getByRole('button', { name: 'Approve', exact: true })).toHaveAttribute('title', /^You approved v1 .*; a review by you would repeat it$/);
  await expect(details.getByRole('button', { name: 'Reject' })).toBeEnabled();
  await expect(details.getByTestId('my-decision')).toContainText('You approved this version');
  await expect(details.getByRole('button', { name: 'Promote to champion' })).toBeEnabled();
  await expect(details.getByTestId('promote-blocked')).toHaveCount(0);

  // A new review supersedes the first; both stay in the history.
  await details.getByRole('button', { name: 'Reject' }).click();
  await expect(review.getByTestId('review-supersedes')).toContainText('Supersedes your review of');
  await expect(review.getByTestId('review-supersedes')).toContainText('(approved)');
  await review.getByLabel(/^Comment/).fill('Calibration is off above 0.8 after all.');
  await review.getByRole('button', { name: 'Reject' }).click();
  await expect(review).toHaveCount(0);
  await expect(details.getByRole('button', { name: 'Reject' })).toBeDisabled();
  await expect(details.getByRole('button', { name: 'Approve', exact: true })).toBeEnabled();
  await expect(details.getByTestId('review')).toHaveCount(2);
  await expect(details.getByTestId('review').nth(0)).toHaveAttribute('data-decision', 'rejected');
  await expect(details.getByTestId('review').nth(1)).toHaveAttribute('data-decision', 'approved');
  await expect(details.getByTestId('review').nth(0)).toContainText(ME);
  await expect(details.getByTestId('promote-blocked')).toContainText('its latest review (by');
  await expect(details.getByRole('button', { name: 'Approve first to promote' })).toBeDisabled();
  await shotBoth(page, 'evaluation-model-page');
});
