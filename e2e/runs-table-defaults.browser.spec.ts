/**
 * The runs table a new user first sees: columns that tell runs apart (not the first keys
 * alphabetically, equal on every run), the registered models, and headers that never collide.
 */
import { createExperiment, seedRuns, type SeedRun } from './seed-runs.js';
import { expect, setTheme, snap, test } from './serve-fixture.js';

const LONG_PARAM = 'optimizer_learning_rate_schedule_warmup_steps';

/** Six runs of a sweep: the settings every run shares come first alphabetically. */
function sweep(): SeedRun[] {
  const start = Date.now() - 3_600_000;
  return [0.1, 0.05, 0.01, 0.005, 0.001, 0.0005].map((lr, i) => ({
    name: `sweep-${i}`,
    startTime: start + i * 60_000,
    status: 'FINISHED',
    metrics: { accuracy: 1, epochs_run: 40, loss: 0.3 - i * 0.02, val_auc: 0.8 + i * 0.01, val_loss: 0.5 - i * 0.03 },
    params: { activation: 'relu', batch_size: '32', epochs: '100', learning_rate: String(lr), seed: String(i + 1), [LONG_PARAM]: String(100 * i) },
  }));
}

test('default columns are the keys that differ, validation metrics first; a Models column links versions; headers never overlap', async ({ app, page }) => {
  const experimentId = await createExperiment(app, 'churn-sweep');
  const runIds = await seedRuns(app, experimentId, sweep());
  await app.api('registered-models/create', { name: 'churn' });
  await app.api('model-versions/create', { name: 'churn', source: `runs:/${runIds[4]}/model`, run_id: runIds[4] });
  await app.api('registered-models/alias', { name: 'churn', alias: 'staging', version: '1' });

  await page.setViewportSize({ width: 1100, height: 700 });
  await page.goto(`${app.url}/#/experiments/${experimentId}`);
  const table = page.getByTestId('runs-table');
  await expect(table).toHaveAttribute('data-state', 'ready');
  const headerNames = () => table.locator('[role=columnheader]').evaluateAll((cells) => cells.map((c) => c.querySelector('.rt-hkey')?.textContent ?? ''));
  await expect.poll(headerNames).toEqual(['', 'Run', 'Status', 'Started', 'Duration', 'Models', 'val_auc', 'val_loss', 'loss', 'learning_rate', LONG_PARAM, 'seed']);

  const row = table.locator(`[role=row][data-run-id="${runIds[4]}"]`);
  await expect(row.getByRole('link', { name: 'churn v1' })).toHaveAttribute('href', '#/models/churn?version=1');
  await expect(row.locator('.rt-models')).toContainText('churn v1@staging');
  await expect(table.locator(`[role=row][data-run-id="${runIds[0]}"] .rt-models`)).toHaveText('—');

  // No header overlaps the next one; a label that does not fit ends in an ellipsis and tells its full name on hover.
  const boxes = await table.locator('[role=columnheader]').evaluateAll((cells) =>
    cells.map((c) => {
      const box = c.getBoundingClientRect();
      const key = c.querySelector('.rt-hkey');
      const label = key?.getBoundingClientRect();
      return {
        left: box.left,
        right: box.right,
        inside: !label || (label.left >= box.left - 0.5 && label.right <= box.right + 0.5),
        clipped: key ? key.scrollWidth > key.clientWidth : false,
        title: key?.getAttribute('title') ?? '',
        text: key?.textContent ?? '',
      };
    }),
  );
  for (let i = 1; i < boxes.length; i++) expect(boxes[i]!.left).toBeGreaterThanOrEqual(boxes[i - 1]!.right - 0.5);
  for (const box of boxes) expect(box.inside, `${box.text} stays inside its header`).toBe(true);
  for (const box of boxes) if (box.clipped) expect(box.title).toBe(box.text);
  expect(boxes.find((b) => b.text === LONG_PARAM)!.clipped).toBe(true);
  // Too wide for the window: the grid scrolls sideways instead of squeezing headers together.
  const scroll = table.locator('.rt-scroll');
  expect(await scroll.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);

  await scroll.evaluate((el) => el.scrollTo({ left: el.scrollWidth }));
  await setTheme(page, 'light');
  await snap(page, 'e2e/screenshots/runs-table-defaults-scrolled.png');
  await page.setViewportSize({ width: 1440, height: 700 });
  await scroll.evaluate((el) => el.scrollTo({ left: 0 }));
  await snap(page, 'e2e/screenshots/runs-table-defaults.png');
  await setTheme(page, 'dark');
  await snap(page, 'e2e/screenshots/runs-table-defaults-dark.png');
  await setTheme(page, 'light');

  // A column the user picks wins over the defaults, across a reload.
  await page.getByRole('button', { name: /Columns/ }).click();
  const picker = page.getByRole('dialog', { name: 'Choose columns' });
  await picker.getByRole('checkbox', { name: 'accuracy' }).check();
  await page.keyboard.press('Escape');
  await page.reload();
  await expect(table).toHaveAttribute('data-state', 'ready');
  await expect.poll(headerNames).toContain('accuracy');
});
