import { appApi, expect, setTheme, shot, test } from './serve-fixture.js';
import { predictOk, registerIrisVersions, runningDeployment } from './model-fixtures.js';

const ROWS = [
  { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 },
  { sepal_length: 6.7, sepal_width: 3.0, petal_length: 5.2, petal_width: 2.3 },
  { sepal_length: 5.9, sepal_width: 3.0, petal_length: 4.2, petal_width: 1.5 },
];

interface Scored {
  predictions: Array<{ label: string }>;
  model_version: string;
  request_ids: string[];
}

async function predict(url: string, count: number): Promise<Scored[]> {
  const answers: Scored[] = [];
  for (let i = 0; i < count; i++) {
    answers.push(await predictOk<Scored>(url, [ROWS[i % ROWS.length]]));
  }
  return answers;
}

test('the prediction log lists every scored row live, pages, filters by version and ground truth, and charts volume per version', async ({ page, app }) => {
  await registerIrisVersions(app, 2);
  await appApi(app, 'models.review', { name: 'iris-classifier', version: '1', decision: 'approved', comment: 'baseline' });
  await appApi(app, 'models.setAlias', { name: 'iris-classifier', alias: 'champion', version: '1', reason: 'first release' });
  const url = await runningDeployment(app);
  const first = await predict(url, 55);
  // Ground truth for three rows: the first right, the second wrong.
  const truth = [
    { request_id: first[0]!.request_ids[0], actual: first[0]!.predictions[0]!.label },
    { request_id: first[1]!.request_ids[0], actual: first[1]!.predictions[0]!.label === 'setosa' ? 'virginica' : 'setosa' },
  ];
  const feedback = await fetch(`${url}/v1/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ feedback: truth }) });
  expect(await feedback.json()).toEqual({ accepted: 2, replaced: 0 });
  // v2 takes over without a restart of the server.
  await appApi(app, 'models.review', { name: 'iris-classifier', version: '2', decision: 'approved' });
  await appApi(app, 'models.setAlias', { name: 'iris-classifier', alias: 'champion', version: '2', reason: 'better' });
  const second = await predict(url, 10);
  expect(new Set(second.map((s) => s.model_version))).toEqual(new Set(['2']));

  await page.goto(`${app.url}/#/models/iris-classifier`);
  await page.getByRole('tab', { name: 'Prediction log' }).click();
  const log = page.getByTestId('prediction-log');
  await expect(log.locator('.prediction-figures')).toContainText('65');
  const versions = log.getByRole('table', { name: 'Predictions per version' });
  await expect(versions.locator('tbody tr')).toHaveCount(2);
  await expect(versions.locator('tbody tr').nth(0)).toContainText('55');
  await expect(versions.locator('tbody tr').nth(0)).toContainText('50.0% right');
  await expect(versions.locator('tbody tr').nth(1)).toContainText('10');
  await expect(log.getByTestId('prediction-volume').locator('.recharts-bar-rectangle').first()).toBeVisible();

  // Newest first, 50 a page; the newest ten came from v2.
  const rows = log.getByRole('table', { name: 'Predictions', exact: true }).locator('tbody tr');
  await expect(rows).toHaveCount(50);
  await expect(rows.first()).toHaveAttribute('data-request-id', second.at(-1)!.request_ids[0]!);
  await expect(rows.nth(9)).toContainText('v2');
  await expect(rows.nth(10)).toContainText('v1');
  await setTheme(page, 'light');
  await shot(page, 'prediction-log');
  await setTheme(page, 'dark');
  await shot(page, 'prediction-log-dark');
  await setTheme(page, 'light');

  await log.getByRole('button', { name: 'Older →' }).click();
  await expect(rows).toHaveCount(15);
  await expect(rows.last()).toHaveAttribute('data-request-id', first[0]!.request_ids[0]!);
  await expect(rows.last()).toContainText('✓');
  await log.getByRole('button', { name: '← Newer' }).click();
  await expect(rows).toHaveCount(50);

  await log.getByLabel('Filter by version').selectOption('2');
  await expect(rows).toHaveCount(10);
  await log.getByLabel('Filter by version').selectOption('');
  await log.getByLabel('Filter by ground truth').selectOption('with');
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: '✗' })).toHaveCount(1);
  await expect(rows.filter({ hasText: '✓' })).toHaveCount(1);
  await log.getByRole('button', { name: 'Clear filters' }).click();
  await expect(rows).toHaveCount(50);

  // Live: a prediction made now appears at the top without a reload.
  const [latest] = await predict(url, 1);
  await expect(rows.first()).toHaveAttribute('data-request-id', latest!.request_ids[0]!, { timeout: 10_000 });
  await log.getByLabel('Find request id').fill(latest!.request_ids[0]!);
  await log.getByLabel('Find request id').press('Enter');
  await expect(rows).toHaveCount(1);
});

test('a row scored outside the training range is marked in the log, and its detail names the feature, the value and the range', async ({ page, app }) => {
  await registerIrisVersions(app, 1);
  await appApi(app, 'models.review', { name: 'iris-classifier', version: '1', decision: 'approved' });
  await appApi(app, 'models.setAlias', { name: 'iris-classifier', alias: 'champion', version: '1', reason: 'first release' });
  const url = await runningDeployment(app);
  const far = { ...ROWS[0]!, petal_length: 50 };
  const answer = await predictOk<Scored & { predictions: Array<{ warnings?: Array<{ feature: string; value: number; min: number; max: number }> }> }>(url, [ROWS[1], far]);
  const warning = answer.predictions[1]!.warnings![0]!;
  expect(warning).toMatchObject({ feature: 'petal_length', value: 50 });

  await page.goto(`${app.url}/#/models/iris-classifier`);
  await page.getByRole('tab', { name: 'Prediction log' }).click();
  const rows = page.getByTestId('prediction-log').getByRole('table', { name: 'Predictions', exact: true }).locator('tbody tr');
  await expect(rows).toHaveCount(2);
  const marked = rows.filter({ has: page.getByTestId('range-warning-badge') });
  await expect(marked).toHaveCount(1);
  await expect(marked).toHaveAttribute('data-request-id', answer.request_ids[1]!);
  await expect(marked.getByTestId('range-warning-badge')).toHaveText('⚠ outside training range');
  await expect(marked.getByTestId('range-warning-badge')).toHaveAttribute('title', /petal_length=50 is outside the range seen in training/);
  await setTheme(page, 'light');
  await shot(page, 'prediction-log-range-warning');

  await marked.click();
  const detail = page.getByTestId('prediction-detail');
  const table = detail.getByRole('table', { name: 'Inputs outside the training range' });
  await expect(table.locator('tbody tr')).toHaveCount(1);
  await expect(table.locator('tbody tr')).toContainText(['petal_length', '50', `${warning.min} to ${warning.max}`].join(''));
  await shot(page, 'prediction-detail-range-warning');
  await setTheme(page, 'dark');
  await shot(page, 'prediction-detail-range-warning-dark');
  await page.keyboard.press('Escape');
  await shot(page, 'prediction-log-range-warning-dark');
  await setTheme(page, 'light');
  // The row inside the range has no badge, and its detail no warning section.
  await rows.filter({ hasNot: page.getByTestId('range-warning-badge') }).click();
  await expect(detail.getByRole('table', { name: 'Inputs', exact: true })).toBeVisible();
  await expect(detail.getByRole('table', { name: 'Inputs outside the training range' })).toHaveCount(0);
});
