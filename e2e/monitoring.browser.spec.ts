import Database from 'better-sqlite3';
import type { Page } from '@playwright/test';
import { registerIrisVersions } from './model-fixtures.js';
import { seedMonitoring } from './monitoring-seed.js';
import { appApi, expect, SCREENSHOTS, snap, test } from './serve-fixture.js';

// The second test reads only models of its own (empty-model, no-such-model): one server for the file.
test.use({ shareServer: true });

async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await page.getByLabel('Theme').selectOption(theme);
  await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
}

async function shotBoth(page: Page, name: string): Promise<void> {
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(page, theme);
    await page.evaluate('window.scrollTo(0, 0)');
    await snap(page, `${SCREENSHOTS}/${name}-${theme}.png`, { fullPage: true });
  }
  await setTheme(page, 'light');
}

const cell = (page: Page, feature: string, window: string) => page.locator(`[data-testid="heatmap-cell"][data-feature="${feature}"][data-window="${window}"]`);

test('the monitoring page shows seeded drift, its distributions and verdict, quality, alerts and the metrics lineage', async ({ page, app }) => {
  test.setTimeout(180_000);
  await registerIrisVersions(app, 1);

  // Before any window: the page says what to do.
  await page.goto(`${app.url}/#/models/iris-classifier?tab=monitoring`);
  await expect(page.getByTestId('monitoring-empty')).toContainText('mldesk monitor');
  await shotBoth(page, 'monitoring-empty');

  const db = new Database(`${app.dataDir}/mldesk.db`);
  db.pragma('busy_timeout = 5000');
  const seeded = seedMonitoring(db, {
    model: 'iris-classifier',
    version: '1',
    referenceDataset: 'iris',
    referenceRows: 150,
    features: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'].map((name) => ({ name, kind: 'numeric' as const })),
    classes: ['setosa', 'versicolor', 'virginica'],
    windows: 40,
    rowsPerWindow: 200,
    driftedFeatures: ['petal_length', 'petal_width'],
    driftFrom: 28,
    startTime: Date.now() - 6 * 3_600_000,
    alert: true,
  });
  db.close();
  const last = seeded.windowIds.at(-1)!;

  // Opening the page is one round trip: the overview brings the heat map, cell and lineage along.
  const asked: string[] = [];
  page.on('request', (request) => {
    const op = /\/app-api\/(monitoring\.[a-z]+)/.exec(request.url());
    if (op) asked.push(op[1]!);
  });
  await page.reload();
  const panel = page.getByTestId('monitoring-panel');
  await expect(panel).toHaveAttribute('data-version', '1', { timeout: 30_000 });
  await expect(page.getByTestId('window-summary')).toContainText(`Window ${last}`);
  await expect(page.locator('[data-testid="metrics-lineage-node"]').first()).toBeVisible();
  await expect(page.getByTestId('drift-detail')).toHaveAttribute('data-window', last);
  expect(asked).toEqual(['monitoring.overview']);
  await expect(page.getByTestId('monitoring-reference')).toContainText('iris@1');

  // The heat map marks the shifted features in the newest window, and only those.
  await expect(page.getByTestId('drift-heatmap')).toBeVisible();
  await expect(cell(page, 'petal_length', last)).toHaveAttribute('data-drifted', 'true');
  await expect(cell(page, 'sepal_width', last)).toHaveAttribute('data-drifted', 'false');

  // Clicking the drifted cell shows both distributions and the verdict with its rule in words.
  await cell(page, 'petal_length', last).click();
  const detail = page.getByTestId('drift-detail');
  await expect(detail).toHaveAttribute('data-column', 'petal_length');
  await expect(detail).toHaveAttribute('data-window', last);
  await expect(page.getByTestId('drift-verdict')).toContainText(/^Drift: p = .* < 0\.05$/);
  await expect(page.getByTestId('drift-rule')).toHaveText('reference 150 rows ≤ 1,000: two-sample Kolmogorov–Smirnov test, drift at p < 0.05');
  await expect(page.getByTestId('distribution-chart').locator('.recharts-bar-rectangle').first()).toBeVisible();
  await expect(detail).toContainText('PSI');
  await expect(detail).toContainText(/Effect size.*large/s);
  await expect(page).toHaveURL(/window=\d+&feature=petal_length/);
  // The canvas draws every cell; the selected feature's row (and window's column) are elements too.
  await expect(cell(page, 'petal_length', seeded.windowIds[5]!)).toHaveAttribute('data-drifted', 'false');

  await cell(page, 'sepal_width', last).click();
  await expect(page.getByTestId('drift-verdict')).toContainText('No drift');

  // Drift share, predictions and quality over time are drawn; quality has its threshold.
  await expect(page.getByTestId('drift-share-chart').locator('.timeline-area')).toBeVisible();
  await expect(page.getByTestId('prediction-chart').locator('.timeline-area').first()).toBeVisible();
  const quality = page.getByTestId('quality-chart');
  await expect(quality).toHaveAttribute('data-metric', 'accuracy');
  await expect(quality.locator('.timeline-line').first()).toBeVisible();
  await expect(quality).toContainText('threshold 80%');

  // The drift-share chart reads out the window under the pointer, and a click picks it.
  const share = page.getByTestId('drift-share-chart').locator('svg');
  const box = (await share.boundingBox())!;
  // The plot spans 46 px from the left edge to 16 px from the right; the second window is one step in.
  const second = 46 + (box.width - 62) / (seeded.windowIds.length - 1);
  await share.hover({ position: { x: second, y: box.height / 2 } });
  await expect(page.getByTestId('drift-share-chart').locator('.timeline-tooltip')).toContainText('features drifted');
  await snap(page.getByTestId('drift-share-chart'), `${SCREENSHOTS}/monitoring-drift-share-hover.png`);
  await share.click({ position: { x: second, y: box.height / 2 } });
  await expect(page.getByTestId('window-summary')).toContainText(`Window ${seeded.windowIds[1]}`);
  await expect(page.getByTestId('drift-detail')).toHaveAttribute('data-window', seeded.windowIds[1]!);
  await share.click({ position: { x: box.width - 20, y: box.height / 2 } });
  await expect(page.getByTestId('window-summary')).toContainText(`Window ${last}`);

  // Each lineage node links where it comes from; the metrics of the drifted window are there.
  const node = (kind: string) => page.locator(`[data-testid="metrics-lineage-node"][data-kind="${kind}"]`);
  for (const kind of ['dataset', 'run', 'model_version', 'window', 'metric']) await expect(node(kind).first()).toBeVisible();
  await expect(node('dataset')).toHaveAttribute('href', '#/datasets/iris@1');
  await expect(node('run')).toHaveAttribute('href', /^#\/runs\/[0-9a-f]+\?tab=lineage$/);
  await expect(node('model_version')).toHaveAttribute('href', '#/models/iris-classifier?version=1');
  await expect(page.locator('[data-testid="metrics-lineage-node"][data-node-id^="metric:feature_drift:petal_length"]')).toHaveAttribute('href', new RegExp(`tab=monitoring&window=${last}&feature=petal_length$`));
  expect(await page.locator('[data-testid="metrics-lineage-node"]:not([href])').count()).toBe(0);

  // The firing alert names its windows and features; a window link shows that window.
  const alert = page.locator('[data-testid="monitoring-alert"][data-state="firing"]');
  await expect(alert).toContainText('Dataset drift');
  const evidence = seeded.windowIds.at(-3)!;
  await alert.getByRole('button', { name: `window ${evidence}` }).click();
  await expect(page.getByTestId('window-summary')).toContainText(`Window ${evidence}`);
  await expect(page.getByTestId('drift-detail')).toHaveAttribute('data-window', evidence);

  // The window selector steps through windows.
  await page.getByRole('button', { name: 'Previous window' }).click();
  await expect(page.getByTestId('window-summary')).toContainText(`Window ${seeded.windowIds.at(-4)}`);

  await cell(page, 'petal_length', last).click();
  await expect(page.getByTestId('drift-verdict')).toContainText('Drift');
  await shotBoth(page, 'monitoring-page');
  // The cell's view as the user sees it, below the sticky top bar.
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(page, theme);
    await page.evaluate("document.querySelector('[data-testid=drift-detail]').scrollIntoView({ block: 'center' })");
    await snap(page, `${SCREENSHOTS}/monitoring-drift-detail-${theme}.png`);
  }

  // A lineage node opens its page: the dataset version.
  await node('dataset').click();
  await expect(page).toHaveURL(/#\/datasets\/iris@1$/);
});

test('monitoring reads refuse bad input by field, and a model without versions says what to do', async ({ page, app }) => {
  await app.api('registered-models/create', { name: 'empty-model' });
  await expect(appApi(app, 'monitoring.heatmap', { model: 'empty-model', version: '1', count: 5000 })).rejects.toThrow("Field 'count': may span at most 400 windows");
  await expect(appApi(app, 'monitoring.overview', { model: 'no-such-model' })).rejects.toThrow("Registered model 'no-such-model' does not exist.");
  await expect(appApi(app, 'monitoring.cell', { model: 'empty-model', version: '1', window: 'x', column: 'a' })).rejects.toThrow("Field 'window': must be a window id (digits)");
  await page.goto(`${app.url}/#/models/empty-model?tab=monitoring`);
  await expect(page.getByTestId('monitoring-empty')).toHaveAttribute('data-reason', 'no-version');
  await expect(page.getByRole('tab', { name: 'Monitoring' })).toHaveAttribute('aria-selected', 'true');
});
