/**
 * Lineage reaches forward: from a run to the version it was registered as, the deployment serving
 * that version, and the predictions it logged, on the run page and in its lineage graph.
 */
import { predictOk, trainIris } from './model-fixtures.js';
import { appApi, expect, SERVER_POLL, setTheme, shot, test } from './serve-fixture.js';

const ROW = { sepal_length: 6.7, sepal_width: 3.0, petal_length: 5.2, petal_width: 2.3 };

interface Forward {
  versions: Array<{ name: string; version: string; aliases: string[]; deployments: Array<{ port: number | null; state: string }>; predictions: number }>;
}

test('the run page says where its model went (registered, deployed, predictions) and the lineage graph continues to the prediction log', async ({ page, app }) => {
  const runId = await trainIris(app, 'forward-run', 5);
  await appApi(app, 'models.register', { runId, name: 'iris-classifier' });
  await appApi(app, 'models.review', { name: 'iris-classifier', version: '1', decision: 'approved', comment: 'validation accuracy is fine' });
  await appApi(app, 'models.setAlias', { name: 'iris-classifier', alias: 'champion', version: '1', reason: 'first model' });
  await appApi(app, 'deployments.start', { model: 'iris-classifier' });
  let url = '';
  let port = 0;
  await expect
    .poll(async () => {
      const { deployments } = await appApi<{ deployments: Array<{ state: string; url: string | null; port: number | null }> }>(app, 'deployments.list', {});
      const running = deployments.find((d) => d.state === 'running');
      url = running?.url ?? '';
      port = running?.port ?? 0;
      return url;
    }, { timeout: 30_000, intervals: SERVER_POLL })
    .not.toBe('');
  for (let i = 0; i < 3; i++) {
    await predictOk(url, [ROW]);
  }
  // The prediction log's writer moves rows in shortly after they are answered.
  await expect
    .poll(async () => (await appApi<{ forward: Forward }>(app, 'runs.lineage', { runId })).forward.versions[0]?.predictions, { timeout: 20_000 })
    .toBe(3);
  const { forward } = await appApi<{ forward: Forward }>(app, 'runs.lineage', { runId });
  expect(forward.versions).toEqual([
    expect.objectContaining({ name: 'iris-classifier', version: '1', aliases: ['champion'], deployments: [expect.objectContaining({ port, state: 'running' })], predictions: 3 }),
  ]);

  await page.goto(`${app.url}/#/runs/${runId}`);
  const summary = page.getByTestId('run-forward');
  await expect(summary).toHaveText(`Registered as iris-classifier v1 (@champion), deployed on :${port}, 3 predictions`);
  await expect(summary.getByRole('link', { name: 'iris-classifier v1' })).toHaveAttribute('href', '#/models/iris-classifier?version=1');
  await expect(summary.getByRole('link', { name: '3 predictions' })).toHaveAttribute('href', '#/models/iris-classifier?version=1&tab=predictions');
  await setTheme(page, 'light');
  await shot(page, 'lineage-forward-run');

  await page.getByRole('tab', { name: 'Lineage' }).click();
  const graph = page.getByTestId('lineage-graph');
  await expect(graph.locator('[data-kind="model_version"]')).toHaveAttribute('data-node-id', 'model_version:iris-classifier/1');
  await expect(graph.locator('[data-kind="deployment"]')).toContainText(`:${port}`);
  await expect(graph.locator('[data-kind="predictions"]')).toContainText('3 predictions');
  for (const relation of ['registered as', 'served by', 'logged']) await expect(graph.locator(`[data-testid="lineage-edge"][data-relation="${relation}"]`)).toHaveCount(1);
  await expect(graph.locator('[data-testid="lineage-edge"][data-relation="registered as"]')).toHaveAttribute('data-from', /^model:runs:\//);
  await setTheme(page, 'light');
  await shot(page, 'lineage-forward-graph');
  await setTheme(page, 'dark');
  await shot(page, 'lineage-forward-graph-dark');
});
