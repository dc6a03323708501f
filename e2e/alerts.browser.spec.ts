import Database from 'better-sqlite3';
import { evaluateAlerts } from '../electron/core/monitoring/alert-evaluation.js';
import { insertWindow, type FixtureMetric } from '../electron/core/monitoring/alert-test-fixtures.js';
import { appApi, expect, type ServedApp, setTheme, shot, snap, test } from './serve-fixture.js';

/**
 * An alert seen in the app: another process (as a model server's window engine would) stores a
 * window that breaches a rule; the open models list gets a notification and a badge on the model,
 * then a resolution when a good window follows.
 */

const DRIFTED: FixtureMetric[] = [
  { kind: 'dataset_drift', column: '*', method: 'share', statistic: 0.75, drifted: true },
  { kind: 'feature_drift', column: 'tenure', method: 'wasserstein', statistic: 0.42, drifted: true },
  { kind: 'feature_drift', column: 'monthly_charges', method: 'wasserstein', statistic: 0.31, drifted: true },
  { kind: 'quality', column: 'accuracy', statistic: 0.61 },
];
const HEALTHY: FixtureMetric[] = [
  { kind: 'dataset_drift', column: '*', method: 'share', statistic: 0, drifted: false },
  { kind: 'quality', column: 'accuracy', statistic: 0.93 },
];

async function register(app: ServedApp, name: string): Promise<void> {
  await app.api('registered-models/create', { name });
  await app.api('model-versions/create', { name, source: `file:///tmp/${name}` });
}

/** Stores a window of the model's version 1 and evaluates its rules, from outside the serve process. */
function storeWindow(app: ServedApp, model: string, from: number, metrics: FixtureMetric[]): void {
  const db = new Database(`${app.dataDir}/mldesk.db`);
  try {
    db.pragma('busy_timeout = 5000');
    const { version_pk: versionPk } = db
      .prepare('SELECT v.version_pk FROM model_versions v JOIN registered_models m ON m.model_id = v.model_id WHERE m.name = ? AND v.version = 1')
      .get(model) as { version_pk: number };
    insertWindow(db, versionPk, from, metrics);
    evaluateAlerts(db, versionPk);
  } finally {
    db.close();
  }
}

test('an alert that fires shows a notification and a badge on the model, and its resolution clears the badge', async ({ page, app }) => {
  await register(app, 'churn');
  await register(app, 'iris');
  await appApi(app, 'alerts.rules.create', { model: 'churn', rule: { kind: 'dataset_drift' } });
  await appApi(app, 'alerts.rules.create', { model: 'churn', rule: { kind: 'quality', metric: 'accuracy', threshold: 0.8 } });
  await page.setViewportSize({ width: 1280, height: 640 });
  await page.goto(`${app.url}/#/models`);
  await expect(page.getByTestId('model-row')).toHaveCount(2);
  await expect(page.getByTestId('alert-badge')).toHaveCount(0);

  storeWindow(app, 'churn', Date.now() - 60_000, DRIFTED);
  const toasts = page.getByTestId('alert-toast');
  await expect(toasts).toHaveCount(2, { timeout: 15_000 });
  await expect(toasts.filter({ hasText: 'dataset drift' })).toContainText('churn v1: dataset drift (0.75): monthly_charges, tenure');
  await expect(toasts.filter({ hasText: 'accuracy' })).toContainText('Alert firing · churn');
  const badge = page.locator('[data-testid="model-row"][data-name="churn"]').getByTestId('alert-badge');
  await expect(badge).toHaveText('2 alerts');
  await expect(badge).toHaveAttribute('href', '#/models/churn?tab=monitoring');
  await expect(page.locator('[data-testid="model-row"][data-name="iris"]').getByTestId('alert-badge')).toHaveCount(0);
  await setTheme(page, 'light');
  await shot(page, 'alerts-fired-light');
  await setTheme(page, 'dark');
  await shot(page, 'alerts-fired-dark');

  // The notification links to the model's monitoring.
  await toasts.first().getByRole('link', { name: 'Open monitoring' }).click();
  await expect(page).toHaveURL(/#\/models\/churn\?version=1&tab=monitoring$/);
  await page.goto(`${app.url}/#/models`);

  storeWindow(app, 'churn', Date.now() - 30_000, HEALTHY);
  await expect(page.locator('[data-testid="alert-toast"][data-state="resolved"]')).toHaveCount(2, { timeout: 15_000 });
  await expect(page.getByTestId('alert-badge')).toHaveCount(0);
  await setTheme(page, 'light');
  await shot(page, 'alerts-resolved-light');
  const listed = await appApi<{ alerts: Array<{ state: string }> }>(app, 'alerts.list', { model: 'churn' });
  expect(listed.alerts.map((a) => a.state)).toEqual(['resolved', 'resolved']);
});

test("a model's alert rules: added from its page (checked, named field), fired at once over stored windows, disabled and deleted", async ({ page, app }) => {
  await register(app, 'churn');
  storeWindow(app, 'churn', Date.now() - 60_000, DRIFTED);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${app.url}/#/models/churn`);
  const card = page.getByTestId('alert-rules');
  await expect(card).toContainText('No rules');

  await card.getByLabel('Rule kind').selectOption('quality');
  await card.getByRole('button', { name: 'Add rule' }).click();
  await expect(card.getByTestId('alert-rule-error')).toHaveText('threshold: is required');
  await snap(card, 'e2e/screenshots/alert-rules-form-error-light.png');
  await card.getByLabel('Threshold').fill('0.8');
  await card.getByLabel('Consecutive windows').fill('2');
  await card.getByLabel('Webhook URL').fill('ftp://hooks.example/x');
  await card.getByRole('button', { name: 'Add rule' }).click();
  await expect(card.getByTestId('alert-rule-error')).toHaveText('webhook: must be an http:// or https:// URL');
  await card.getByLabel('Webhook URL').fill('');
  await card.getByRole('button', { name: 'Add rule' }).click();
  await expect(card.getByTestId('alert-rule')).toHaveText(['accuracy below 0.8 for 2 consecutive windows' + 'Delete']);

  // Dataset drift over the window already stored: it fires at once, and the notification says so.
  await card.getByLabel('Rule kind').selectOption('dataset_drift');
  await card.getByLabel('Webhook URL').fill('https://hooks.example/mldesk');
  await card.getByRole('button', { name: 'Add rule' }).click();
  await expect(card.getByTestId('alert-rule')).toHaveCount(2);
  await expect(card.getByTestId('alert-rule').nth(1)).toContainText('webhook');
  await expect(page.getByTestId('alert-toast')).toContainText('churn v1: dataset drift (0.75): monthly_charges, tenure', { timeout: 15_000 });
  await card.scrollIntoViewIfNeeded();
  await setTheme(page, 'light');
  await snap(card, 'e2e/screenshots/alert-rules-light.png');
  await setTheme(page, 'dark');
  await snap(card, 'e2e/screenshots/alert-rules-dark.png');

  // The box follows the stored rule: it changes once the server has it.
  await card.getByTestId('alert-rule').nth(1).getByRole('checkbox').click();
  await expect(card.getByTestId('alert-rule').nth(1)).toHaveClass('disabled');
  await expect(page.locator('[data-testid="alert-toast"][data-state="resolved"]')).toHaveCount(1, { timeout: 15_000 });
  await card.getByRole('button', { name: 'Delete rule: accuracy below 0.8 for 2 consecutive windows' }).click();
  await expect(card.getByTestId('alert-rule')).toHaveCount(1);
  const { rules } = await appApi<{ rules: Array<{ description: string; enabled: boolean }> }>(app, 'alerts.rules.list', { model: 'churn' });
  expect(rules).toEqual([expect.objectContaining({ description: 'dataset drift', enabled: false })]);
});
