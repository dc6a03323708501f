import { expect, setTheme, shot, test } from './serve-fixture.js';
import { registerIrisVersions } from './model-fixtures.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const features = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };

test('predictions imported through log-batch appear in the prediction log, with their ground truth, with or without probabilities', async ({ page, app }) => {
  // Training the model takes most of it, on a busy machine.
  test.setTimeout(180_000);
  await registerIrisVersions(app, 1);
  const rows = [
    { id: 'ext-1', time: T0, ...features, prediction: 'setosa', 'probability.setosa': 0.9, 'probability.versicolor': 0.07, 'probability.virginica': 0.03, label: 'setosa' },
    { id: 'ext-2', time: T0 + 60_000, ...features, petal_length: 5.2, prediction: 'virginica', label: 'versicolor' },
    { id: 'ext-3', time: T0 + 120_000, ...features, prediction: 'setosa' },
  ];
  const response = await fetch(`${app.url}/api/2.0/mldesk/predictions/log-batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...app.authHeaders },
    body: JSON.stringify({ model: 'iris-classifier', version: '1', rows }),
  });
  expect(await response.json()).toEqual({ model: 'iris-classifier', version: '1', imported: 3, skipped_duplicates: 0, labelled: 2 });

  await page.goto(`${app.url}/#/models/iris-classifier`);
  await page.getByRole('tab', { name: 'Prediction log' }).click();
  const log = page.getByTestId('prediction-log');
  const table = log.getByRole('table', { name: 'Predictions', exact: true }).locator('tbody tr');
  await expect(table).toHaveCount(3);
  await expect(table.first()).toHaveAttribute('data-request-id', 'ext-3');
  await expect(log.getByRole('table', { name: 'Predictions per version' }).locator('tbody tr').first()).toContainText('50.0% right');
  await expect(table.filter({ hasText: '✓' })).toHaveCount(1);
  await expect(table.filter({ hasText: '✗' })).toHaveCount(1);
  // The row with probabilities shows its class's; the others show the class alone.
  await expect(log.locator('tr[data-request-id="ext-1"]')).toContainText('90.0%');
  await expect(log.locator('tr[data-request-id="ext-2"]')).not.toContainText('%');
  await setTheme(page, 'light');
  await shot(page, 'prediction-import-log');
  await setTheme(page, 'dark');
  await shot(page, 'prediction-import-log-dark');

  await log.locator('tr[data-request-id="ext-2"]').click();
  const detail = page.getByTestId('prediction-detail');
  await expect(detail).toContainText('import');
  await expect(detail).toContainText('virginica');
  await expect(detail).toContainText('imported without probabilities');
  await shot(page, 'prediction-import-detail-dark');
  await setTheme(page, 'light');
  await shot(page, 'prediction-import-detail');
});
