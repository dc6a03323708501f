import { readFileSync } from 'node:fs';
import { predictOk, registerIrisVersions, runningDeployment } from './model-fixtures.js';
import { appApi, expect, setTheme, shot, test } from './serve-fixture.js';

/**
 * Stage 2 end to end with nothing seeded: a served model takes in-distribution traffic, then
 * shifted traffic whose ground truth comes back wrong; the monitoring pass flags the shifted
 * features, the dataset-drift rule fires (REST and page), and the alerting metric's lineage leads
 * back to the dataset the model was trained on.
 */

const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] as const;
type Row = Record<(typeof FEATURES)[number], number>;

function irisRows(): Array<{ row: Row; species: string }> {
  const [header, ...lines] = readFileSync('resources/datasets/iris.csv', 'utf8').trim().split('\n');
  const names = header!.split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    const row = Object.fromEntries(FEATURES.map((f) => [f, Number(cells[names.indexOf(f)])])) as Row;
    return { row, species: cells[names.indexOf('species')]! };
  });
}

interface Scored {
  predictions: Array<{ label: string }>;
  request_ids: string[];
}

async function score(url: string, rows: Row[]): Promise<Scored> {
  return predictOk<Scored>(url, rows);
}

test('drifted traffic through the prediction server fires the dataset-drift alert in the API and on the page, with the lineage of the alerting metric', async ({ page, app }) => {
  test.setTimeout(240_000);
  await registerIrisVersions(app, 1);
  await appApi(app, 'models.review', { name: 'iris-classifier', version: '1', decision: 'approved' });
  await appApi(app, 'models.setAlias', { name: 'iris-classifier', alias: 'champion', version: '1', reason: 'first release' });
  await appApi(app, 'monitoring.updateSettings', { model: 'iris-classifier', settings: { window: { by: 'count', size: 75 }, minWindowRows: 30 } });
  await appApi(app, 'alerts.rules.create', { model: 'iris-classifier', rule: { kind: 'dataset_drift', windows: 1 } });
  await appApi(app, 'alerts.rules.create', { model: 'iris-classifier', rule: { kind: 'quality', metric: 'accuracy', threshold: 0.5, windows: 1 } });

  const url = await runningDeployment(app);
  // Window 1: every other training row (all three species, as in training).
  const iris = irisRows();
  const calm = iris.filter((_, i) => i % 2 === 0);
  const first = await score(url, calm.map((r) => r.row));
  // Window 2: petals twice as long and wide, sepals as they were; the truth comes back as the
  // species the model did not answer.
  const shifted = iris.filter((_, i) => i % 2 === 1).map(({ row }) => ({ ...row, petal_length: row.petal_length * 2 + 1, petal_width: row.petal_width * 2 + 0.5 }));
  const second = await score(url, shifted);
  const wrong = (label: string) => (label === 'setosa' ? 'virginica' : 'setosa');
  const feedback = [
    ...first.request_ids.map((id, i) => ({ request_id: id, actual: calm[i]!.species })),
    ...second.request_ids.map((id, i) => ({ request_id: id, actual: wrong(second.predictions[i]!.label) })),
  ];
  const posted = await fetch(`${url}/v1/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ feedback }) });
  expect(posted.status).toBe(200);

  // The monitoring pass sees both windows once the prediction log has taken every row in.
  await expect
    .poll(async () => {
      const { versions } = await appApi<{ versions: Array<{ version: string; rows: number }> }>(app, 'monitoring.computeWindows', { model: 'iris-classifier' });
      return versions.find((v) => v.version === '1')?.rows ?? 0;
    }, { timeout: 60_000, message: 'every scored row should reach the monitoring pass' })
    .toBeGreaterThanOrEqual(150);

  // The REST API: one firing dataset-drift alert whose evidence is the shifted window and features.
  const alerts = (await (await fetch(`${app.url}/api/2.0/mldesk/alerts?model=iris-classifier`)).json()) as {
    alerts: Array<{ state: string; message: string; evidence: { windows: string[]; features: string[] } }>;
  };
  const firing = alerts.alerts.filter((a) => a.state === 'firing');
  const drift = firing.find((a) => /drift/i.test(a.message));
  expect(drift, JSON.stringify(alerts)).toBeTruthy();
  expect(drift!.evidence.features).toEqual(expect.arrayContaining(['petal_length', 'petal_width']));
  expect(drift!.evidence.features).not.toContain('sepal_width');
  expect(firing.some((a) => /accuracy/i.test(a.message)), JSON.stringify(alerts)).toBe(true);
  const alertWindow = drift!.evidence.windows.at(-1)!;

  // The page: the alert, the heat map verdicts of the shifted window, and the alerting metric's lineage.
  await page.goto(`${app.url}/#/models/iris-classifier?tab=monitoring`);
  const shown = page.locator('[data-testid="monitoring-alert"][data-state="firing"]').filter({ hasText: /drift/i });
  await expect(shown).toBeVisible({ timeout: 30_000 });
  await shown.getByRole('button', { name: `window ${alertWindow}` }).click();
  await expect(page.getByTestId('window-summary')).toContainText(`Window ${alertWindow}`);
  const cell = (feature: string) => page.locator(`[data-testid="heatmap-cell"][data-feature="${feature}"][data-window="${alertWindow}"]`);
  await expect(cell('petal_length')).toHaveAttribute('data-drifted', 'true');
  await expect(cell('sepal_width')).toHaveAttribute('data-drifted', 'false');
  await cell('petal_length').click();
  await expect(page.getByTestId('drift-verdict')).toContainText('Drift');

  const node = (kind: string) => page.locator(`[data-testid="metrics-lineage-node"][data-kind="${kind}"]`);
  await expect(node('dataset')).toHaveAttribute('href', '#/datasets/iris@1');
  await expect(node('model_version')).toHaveAttribute('href', '#/models/iris-classifier?version=1');
  await expect(node('window').first()).toBeVisible();
  await expect(page.locator('[data-testid="metrics-lineage-node"][data-node-id^="metric:feature_drift:petal_length"]')).toBeVisible();
  // Per-class figures are summed up in one node, not drawn as a column of twenty-odd.
  await expect(page.locator('[data-testid="metrics-lineage-node"][data-node-id="metric:more-quality"]')).toContainText('more quality figures');
  expect(await node('metric').count()).toBeLessThanOrEqual(14);
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(page, theme);
    await shot(page, `monitoring-live-alert-${theme}`);
  }
});
