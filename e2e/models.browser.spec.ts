import type { Locator, Page } from '@playwright/test';
import { createServer } from 'node:net';
import { registerIrisVersions as registeredVersions, trainIris } from './model-fixtures.js';
import { appApi, expect, SCREENSHOTS, type ServedApp, setTheme, shot, snap, test } from './serve-fixture.js';

const IRIS_ROW = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };

async function openModel(page: Page, app: ServedApp, version?: string): Promise<void> {
  await page.goto(`${app.url}/#/models/iris-classifier${version ? `?version=${version}` : ''}`);
  await expect(page.getByTestId('model-page')).toBeVisible();
}

const versionRow = (page: Page, version: string): Locator => page.locator(`[data-testid="version-row"][data-version="${version}"]`);

/** Opens an alias dialog with `open`, checks it names from → to, gives a reason and confirms. */
async function confirmAliasMove(page: Page, open: () => Promise<void>, from: string, to: string, reason: string): Promise<Locator> {
  await open();
  const dialog = page.getByTestId('alias-dialog');
  await expect(dialog.getByTestId('alias-from')).toHaveText(from);
  await expect(dialog.getByTestId('alias-to')).toHaveText(to);
  await dialog.getByLabel(/^Reason/).fill(reason);
  await dialog.getByRole('button', { name: /^(Promote|Roll back|Set alias)$/ }).click();
  return dialog;
}

test('an empty registry explains how to register; a run registered from its page is listed and opens', async ({ page, app }) => {
  await page.goto(`${app.url}/#/models`);
  await expect(page.getByTestId('models-empty')).toContainText('Register model');
  await expect(page.getByTestId('models-empty')).toContainText('mlflow.register_model');
  await setTheme(page, 'light');
  await shot(page, 'models-empty');

  const runId = await trainIris(app, 'iris-first', 1);
  await page.goto(`${app.url}/#/runs/${runId}`);
  await page.getByRole('button', { name: 'Register model' }).click();
  const dialog = page.getByTestId('register-dialog');
  await dialog.getByLabel('Model name').fill('iris-classifier');
  await expect(dialog.getByTestId('register-hint')).toHaveText('Creates the model iris-classifier with this run as version 1.');
  await snap(page, `${SCREENSHOTS}/models-register-dialog.png`);
  await dialog.getByRole('button', { name: 'Register' }).click();

  await expect(page.getByTestId('model-page')).toBeVisible();
  await expect(page.locator('.model-title')).toHaveText('iris-classifier');
  await expect(versionRow(page, '1')).toContainText('iris-first');
  await expect(versionRow(page, '1')).toContainText('iris@1');
  await expect(versionRow(page, '1').getByTestId('approval-badge')).toHaveAttribute('data-state', 'pending');
  await expect(page.getByTestId('version-lineage')).toContainText('iris@1');
  await expect(page.getByTestId('version-lineage')).toContainText('150 rows');

  // A second run adds version 2 to the same model, and the list shows it.
  const second = await trainIris(app, 'iris-second', 2);
  await page.goto(`${app.url}/#/runs/${second}`);
  await page.getByRole('button', { name: 'Register model' }).click();
  await page.getByTestId('register-dialog').getByLabel('Model name').fill('iris-classifier');
  await expect(page.getByTestId('register-hint')).toHaveText('Adds a new version to the existing model iris-classifier (latest: v1).');
  await page.getByTestId('register-dialog').getByRole('button', { name: 'Register' }).click();
  await expect(page.locator('[data-testid="version-details"][data-version="2"]')).toBeVisible();

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }).click();
  const row = page.locator('[data-testid="model-row"][data-name="iris-classifier"]');
  await expect(row).toContainText('v2');
  await expect(row.getByTestId('model-champion')).toHaveText('no champion');
  await setTheme(page, 'light');
  await shot(page, 'models-list');
  await setTheme(page, 'dark');
  await shot(page, 'models-list-dark');
  await row.click();
  await expect(page.getByTestId('model-page')).toBeVisible();
});

test('champion needs an approval: refused before, promoted after; a rollback with its reason lands in the audit trail', async ({ page, app }) => {
  test.setTimeout(120_000);
  await registeredVersions(app, 2);
  await openModel(page, app, '1');
  await expect(page.getByTestId('version-details')).toHaveAttribute('data-version', '1');
  await expect(page.getByTestId('version-metrics-chart')).toHaveAttribute('data-bars', '2');
  await expect(page.getByTestId('version-metrics-chart')).toHaveAttribute('data-key', 'val_accuracy');

  // An unreviewed version cannot be promoted, and the page says why before anyone tries.
  await expect(page.getByRole('button', { name: 'Approve first to promote' })).toBeDisabled();
  await expect(page.getByTestId('promote-blocked')).toContainText('needs an approval first');
  await snap(page, `${SCREENSHOTS}/models-champion-refused.png`);
  await expect(page.getByTestId('champion-tag')).toHaveText('no champion yet');

  // Approve with a comment: the review is listed with its comment.
  await page.getByRole('button', { name: 'Approve', exact: true }).click();
  const review = page.getByTestId('review-dialog');
  await review.getByLabel(/^Comment/).fill('Validation accuracy checked on iris@1.');
  await review.getByRole('button', { name: 'Approve' }).click();
  await expect(review).toHaveCount(0);
  await expect(page.getByTestId('review')).toHaveCount(1);
  await expect(page.getByTestId('review').first()).toContainText('Validation accuracy checked on iris@1.');
  await expect(versionRow(page, '1').getByTestId('approval-badge')).toHaveAttribute('data-state', 'approved');

  await confirmAliasMove(page, () => page.getByRole('button', { name: 'Promote to champion' }).click(), 'unset', 'v1', 'first release');
  await expect(page.getByTestId('alias-dialog')).toHaveCount(0);
  await expect(page.getByTestId('champion-tag')).toContainText('v1');
  await expect(versionRow(page, '1').locator('[data-alias="champion"]')).toBeVisible();

  // v2: approve, promote (v1 → v2), then roll back (v2 → v1).
  await versionRow(page, '2').click();
  await expect(page.getByTestId('version-details')).toHaveAttribute('data-version', '2');
  await page.getByRole('button', { name: 'Approve', exact: true }).click();
  await page.getByTestId('review-dialog').getByRole('button', { name: 'Approve' }).click();
  await expect(versionRow(page, '2').getByTestId('approval-badge')).toHaveAttribute('data-state', 'approved');
  await confirmAliasMove(page, () => page.getByRole('button', { name: 'Promote to champion' }).click(), 'v1', 'v2', 'better accuracy');
  await expect(page.getByTestId('champion-tag')).toContainText('v2');

  // A deployment of @champion follows the alias: the rollback switches what it serves.
  const deployment = page.getByTestId('deployment');
  await page.getByTestId('deployment-panel').getByRole('button', { name: 'Start' }).click();
  await expect(deployment).toHaveAttribute('data-state', 'running', { timeout: 30_000 });
  await expect(deployment.getByTestId('deployment-version')).toHaveText('Serving v2');

  await confirmAliasMove(page, () => page.getByRole('button', { name: 'Roll back' }).click(), 'v2', 'v1', 'v2 misclassifies setosa');
  await expect(page.getByTestId('alias-dialog')).toHaveCount(0);
  await expect(page.getByTestId('champion-tag')).toContainText('v1');
  await expect(deployment.getByTestId('deployment-version')).toHaveText('Serving v1');
  const url = (await deployment.getByTestId('deployment-url').textContent())!;
  const scored = await fetch(`${url}/v1/models/iris-classifier:predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: [IRIS_ROW] }) });
  expect(((await scored.json()) as { model_version: string }).model_version).toBe('1');

  const rows = page.getByTestId('alias-history-row');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toHaveAttribute('data-from', '2');
  await expect(rows.nth(0)).toHaveAttribute('data-to', '1');
  await expect(rows.nth(0)).toContainText('rollback');
  await expect(rows.nth(0)).toContainText('v2 misclassifies setosa');
  await expect(rows.nth(1)).toContainText('better accuracy');
  await expect(rows.nth(2)).toContainText('first release');
  const { entries } = await appApi<{ entries: Array<{ actorIdentity: string }> }>(app, 'models.aliasHistory', { name: 'iris-classifier' });
  await expect(rows.nth(0)).toContainText(entries[0]!.actorIdentity);

  await versionRow(page, '1').click();
  await setTheme(page, 'light');
  await shot(page, 'models-model-page');
  await setTheme(page, 'dark');
  await shot(page, 'models-model-page-dark');
});

test('the champion deploys as a prediction server that answers, and stops', async ({ page, app }) => {
  test.setTimeout(120_000);
  await registeredVersions(app, 1);
  await appApi(app, 'models.review', { name: 'iris-classifier', version: '1', decision: 'approved', reviewer: 'e2e' });
  await appApi(app, 'models.setAlias', { name: 'iris-classifier', alias: 'champion', version: '1', reason: 'ship it' });
  await openModel(page, app);

  const panel = page.getByTestId('deployment-panel');
  await expect(panel).toContainText('No prediction server is running');
  const deployment = panel.getByTestId('deployment');

  // A port already taken: the deployment fails and says why; Dismiss clears it.
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const taken = (blocker.address() as { port: number }).port;
  try {
    await panel.getByLabel('Port').fill(String(taken));
    await panel.getByRole('button', { name: 'Start' }).click();
    await expect(deployment).toHaveAttribute('data-state', 'failed', { timeout: 30_000 });
    await expect(deployment).toContainText(`Port ${taken} is already in use on 127.0.0.1`);
    await snap(panel, `${SCREENSHOTS}/models-deploy-failed.png`);
    await deployment.getByRole('button', { name: 'Dismiss' }).click();
    await expect(deployment).toHaveCount(0);
  } finally {
    blocker.close();
  }

  await panel.getByLabel('Port').fill('0');
  await panel.getByRole('button', { name: 'Start' }).click();
  await expect(deployment).toHaveAttribute('data-state', 'running', { timeout: 30_000 });
  await expect(deployment.getByTestId('deployment-version')).toHaveText('Serving v1');
  const url = (await deployment.getByTestId('deployment-url').textContent())!;
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

  const response = await fetch(`${url}/v1/models/iris-classifier:predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instances: [IRIS_ROW] }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { predictions: Array<{ label: string; probabilities: Record<string, number> }>; model_version: string };
  expect(body.model_version).toBe('1');
  expect(Object.keys(body.predictions[0]!.probabilities).sort()).toEqual(['setosa', 'versicolor', 'virginica']);

  await page.getByRole('tab', { name: 'Prediction log' }).click();
  // The tab holds the prediction log panel (its contents are the prediction log feature's own spec).
  await expect(page.getByTestId('prediction-log')).toBeVisible();
  await expect(page.getByRole('tab', { name: 'Prediction log' })).toHaveAttribute('aria-selected', 'true');
  await page.getByRole('tab', { name: 'Versions' }).click();

  await setTheme(page, 'light');
  await shot(page, 'models-deployed');
  await deployment.getByRole('button', { name: 'Stop' }).click();
  await expect(panel.getByTestId('deployment')).toHaveCount(0);
  await expect(fetch(`${url}/ping`)).rejects.toThrow();

  // Started from elsewhere (another window, a script), it shows up here live.
  await appApi(app, 'deployments.start', { model: 'iris-classifier' });
  await expect(deployment).toHaveAttribute('data-state', 'running', { timeout: 30_000 });
});

test('at 1280 px the versions table shows each Approval badge whole and in view, even when the table scrolls sideways', async ({ page, app }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  // Run names as people write them (the table cuts them at 200 px).
  for (const seed of [1, 2]) {
    const runId = await trainIris(app, `iris-dense-64x32-dropout-0.2-lr-0.01-seed-${seed}`, seed);
    await appApi(app, 'models.register', { runId, name: 'iris-classifier' });
  }
  await appApi(app, 'models.review', { name: 'iris-classifier', version: '1', decision: 'approved' });
  // Aliases as a team uses them: the table gets as wide as it does in daily use.
  await appApi(app, 'models.setAlias', { name: 'iris-classifier', alias: 'champion', version: '1', reason: 'first release' });
  await appApi(app, 'models.setAlias', { name: 'iris-classifier', alias: 'production-eu', version: '1', reason: 'rollout' });
  await appApi(app, 'models.setAlias', { name: 'iris-classifier', alias: 'challenger', version: '2', reason: 'shadow' });
  await openModel(page, app, '2');
  const badges = page.getByTestId('versions-table').getByTestId('approval-badge');
  await expect(badges).toHaveCount(2);
  const pending = page.getByTestId('versions-table').locator('[data-testid="approval-badge"][data-state="pending"]');
  await expect(pending).toHaveText('Pending');
  await expect(pending).toHaveAttribute('title', /^Pending review: Not reviewed yet/);
  const scroller = page.locator('.versions-scroll');
  for (const badge of [pending, badges.filter({ hasText: 'Approved' })]) {
    // Whole: no text cut inside the badge, and the badge inside what the scroll box shows.
    const fits = await badge.evaluate((el, box) => {
      const b = el.getBoundingClientRect();
      const s = box!.getBoundingClientRect();
      return el.scrollWidth <= el.clientWidth + 1 && b.left >= s.left && b.right <= s.right + 0.5;
    }, await scroller.elementHandle());
    expect(fits).toBe(true);
  }
  await setTheme(page, 'light');
  await shot(page, 'models-versions-1280');
  await setTheme(page, 'dark');
  await shot(page, 'models-versions-1280-dark');
});
