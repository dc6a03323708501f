import type { Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { trainIris } from './model-fixtures.js';
import { appApi, expect, SCREENSHOTS, setTheme, shot, snap, test } from './serve-fixture.js';

/** Iris with every measurement nudged: the same task, and no row equal to a training row. */
function holdoutCsv(): string {
  const [header, ...rows] = readFileSync('resources/datasets/iris.csv', 'utf8').trim().split('\n');
  const nudged = rows.map((row) => {
    const cells = row.split(',');
    return [...cells.slice(0, 4).map((v) => (Number(v) + 0.05).toFixed(2)), cells[4]].join(',');
  });
  return `${header}\n${nudged.join('\n')}\n`;
}

async function shotPanel(page: Page, name: string): Promise<void> {
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(page, theme);
    await shot(page, theme === 'light' ? name : `${name}-dark`);
    await snap(page.getByTestId('quality-tests-panel'), `${SCREENSHOTS}/${name}-panel${theme === 'light' ? '' : '-dark'}.png`);
  }
  await setTheme(page, 'light');
}

test('a model version is tested on a dataset version from its page: figures, and the warning when the data is its training data', async ({ page, app }) => {
  test.setTimeout(150_000);
  const runId = await trainIris(app, 'iris-quality', 5);
  await appApi(app, 'models.register', { runId, name: 'iris-classifier' });
  await appApi(app, 'datasets.upload', { name: 'iris-holdout', fileName: 'iris-holdout.csv', content: holdoutCsv() });

  await page.goto(`${app.url}/#/models/iris-classifier`);
  const panel = page.getByTestId('quality-tests-panel');
  // The model page loads several panels at once: on a busy machine this one may take a while.
  await expect(panel).toContainText('Quality tests · v1', { timeout: 30_000 });
  await expect(panel).toContainText('No test yet');
  const picker = panel.getByTestId('quality-test-dataset');
  // The training data is named as such, and not offered first.
  await expect(picker.locator('option', { hasText: 'iris@1 (training data)' })).toHaveCount(1);
  await expect(picker).toHaveValue('iris-holdout@1');

  // On the training data itself: every row overlaps, and the panel says so.
  await picker.selectOption('iris@1');
  await panel.getByTestId('quality-test-run').click();
  const overlap = panel.getByTestId('quality-test-overlap');
  await expect(overlap).toContainText('150 of 150 evaluated rows (100%) are also rows of the training data iris@1', { timeout: 30_000 });
  await expect(overlap).toHaveAttribute('role', 'alert');
  const result = panel.getByTestId('quality-test-result');
  await expect(result).toContainText('iris@1');
  await expect(result).toContainText('150 rows scored');
  await expect(panel.getByTestId('quality-test-classes').locator('tbody tr')).toHaveCount(3);
  const cells = await panel.getByTestId('confusion-matrix').locator('td').allTextContents();
  expect(cells.reduce((sum, c) => sum + Number(c), 0)).toBe(150);

  // On data it never saw: no warning, and the figures are the stored test's.
  await picker.selectOption('iris-holdout@1');
  await panel.getByTestId('quality-test-run').click();
  await expect(result).toContainText('iris-holdout@1', { timeout: 30_000 });
  await expect(overlap).toHaveText('No evaluated row is a row of the training data iris@1.');
  await expect(overlap).not.toHaveAttribute('role', 'alert');
  const { tests } = await appApi<{ tests: Array<{ dataset: { ref: string }; metrics: Record<string, number | null> }> }>(app, 'qualityTests.list', { model: 'iris-classifier', version: '1' });
  expect(tests.map((t) => t.dataset.ref)).toEqual(['iris-holdout@1', 'iris@1']);
  await expect(panel.getByTestId('quality-test-metrics').locator('[data-metric="accuracy"] dd')).toHaveText(tests[0]!.metrics.accuracy!.toFixed(4));
  const history = panel.getByTestId('quality-test-history');
  await expect(history.locator('tbody tr')).toHaveCount(2);
  await expect(history.locator('tbody tr').nth(1)).toContainText('100%');
  await shotPanel(page, 'quality-tests');

  // An earlier test opens from the history; the tests outlive a reload.
  await page.reload();
  await history.locator('tbody tr', { hasText: 'iris@1' }).click();
  await expect(overlap).toContainText('150 of 150 evaluated rows (100%)');
  // The form follows the test shown, so "Run test" would run that one again; rows take the keyboard too.
  await expect(picker).toHaveValue('iris@1');
  await history.locator('tbody tr', { hasText: 'iris-holdout@1' }).focus();
  await page.keyboard.press('Enter');
  await expect(result).toContainText('iris-holdout@1');
  await expect(picker).toHaveValue('iris-holdout@1');
  await shotPanel(page, 'quality-tests-overlap');
});

test('a dataset without the model’s columns is refused with the reason', async ({ page, app }) => {
  test.setTimeout(120_000);
  const runId = await trainIris(app, 'iris-quality-bad', 6);
  await appApi(app, 'models.register', { runId, name: 'iris-classifier' });
  await appApi(app, 'datasets.upload', { name: 'petals-only', fileName: 'petals.csv', content: 'petal_length,petal_width,species\n1.4,0.2,setosa\n4.7,1.4,versicolor\n' });
  await page.goto(`${app.url}/#/models/iris-classifier`);
  const panel = page.getByTestId('quality-tests-panel');
  await panel.getByTestId('quality-test-dataset').selectOption('petals-only@1');
  await panel.getByTestId('quality-test-run').click();
  await expect(panel.getByRole('alert')).toContainText("The test on petals-only@1 failed: Dataset petals-only@1 lacks the model's input columns 'sepal_length', 'sepal_width'.");
  await expect(panel).toContainText('No test yet');
});
