import type { Locator, Page } from '@playwright/test';
import { createExperiment, seedRuns, seedRunsInStore, type SeedRun } from './seed-runs.js';
import { expect, type ServedApp, snap, test, unique } from './serve-fixture.js';

// Every test makes its own experiment: they share one server.
test.use({ shareServer: true });

const SCREENSHOTS = 'e2e/screenshots';
const minute = 60_000;

/** Eight finished runs, one per minute, with two metrics (one NaN), two params and a tag. */
function sweep(): SeedRun[] {
  const start = Date.now() - 60 * minute;
  return [0.81, 0.93, 0.77, 0.88, 0.95, 0.7, 0.9, 0.84].map((accuracy, i) => ({
    name: `mlp-${i}`,
    startTime: start + i * minute,
    status: i === 5 ? 'FAILED' : 'FINISHED',
    endTime: start + i * minute + (i + 1) * 7_000,
    metrics: { accuracy, loss: i === 3 ? NaN : Number((1 - accuracy).toFixed(3)) },
    params: { model: i % 2 ? 'cnn' : 'mlp', lr: String([0.1, 0.01, 0.001][i % 3]) },
    tags: { team: i % 2 ? 'vision' : 'nlp' },
  }));
}

/** `inStore`: written straight into the data dir (e2e/seed-store.mjs) where how runs arrive is not the subject. */
async function openSeeded(app: ServedApp, page: Page, runs = sweep(), inStore = false) {
  const experimentId = await createExperiment(app, unique('mlp-sweep'));
  const runIds = await (inStore ? seedRunsInStore : seedRuns)(app, experimentId, runs);
  await page.goto(`${app.url}/#/experiments/${experimentId}`);
  const table = page.getByTestId('runs-table');
  await expect(table).toHaveAttribute('data-state', 'ready');
  return { experimentId, runIds, table };
}

const dataRows = (table: Locator) => table.locator('[role=row][data-run-id]');

/** Texts of one column for the rendered rows, top to bottom. */
async function columnTexts(table: Locator, header: string): Promise<string[]> {
  return table.evaluate((root, name) => {
    const headers = [...root.querySelectorAll('[role=columnheader]')];
    const index = headers.findIndex((h) => (h.querySelector('button')?.getAttribute('aria-label') ?? h.textContent) === name);
    if (index < 0) throw new Error(`no column ${name}`);
    return [...root.querySelectorAll('[role=row][data-run-id]')]
      .sort((a, b) => Number(a.getAttribute('aria-rowindex')) - Number(b.getAttribute('aria-rowindex')))
      .map((row) => row.querySelectorAll('[role=gridcell]')[index]?.textContent ?? '');
  }, header);
}

test('shows the seeded runs with status, times and metric columns', async ({ app, page }) => {
  const { table } = await openSeeded(app, page);
  await expect(table).toHaveAttribute('data-total', '8');
  await expect(table.getByTestId('runs-total')).toHaveText('8 runs');
  await expect(dataRows(table)).toHaveCount(8);
  // Newest first by default; metrics and params are picked as default columns.
  expect(await columnTexts(table, 'Run')).toEqual(['mlp-7', 'mlp-6', 'mlp-5', 'mlp-4', 'mlp-3', 'mlp-2', 'mlp-1', 'mlp-0']);
  expect(await columnTexts(table, 'accuracy')).toEqual(['0.84', '0.9', '0.7', '0.95', '0.88', '0.77', '0.93', '0.81']);
  expect((await columnTexts(table, 'loss'))[4]).toBe('NaN');
  expect(await columnTexts(table, 'model')).toEqual(['cnn', 'mlp', 'cnn', 'mlp', 'cnn', 'mlp', 'cnn', 'mlp']);
  expect(await columnTexts(table, 'Status')).toContain('Failed');
  expect((await columnTexts(table, 'Duration'))[0]).toBe('56s');
  await expect(table.getByRole('link', { name: 'mlp-4' })).toHaveAttribute('href', /#\/runs\/[0-9a-f]{32}$/);
  await snap(page, `${SCREENSHOTS}/runs-table.png`);
});

test('sorts by a metric column on the server, both directions', async ({ app, page }) => {
  const { table } = await openSeeded(app, page);
  const header = table.getByRole('columnheader').filter({ has: page.getByRole('button', { name: 'accuracy', exact: true }) });
  await table.getByRole('button', { name: 'accuracy', exact: true }).click();
  await expect(header).toHaveAttribute('aria-sort', 'ascending');
  await expect.poll(() => columnTexts(table, 'accuracy')).toEqual(['0.7', '0.77', '0.81', '0.84', '0.88', '0.9', '0.93', '0.95']);

  await table.getByRole('button', { name: 'accuracy', exact: true }).click();
  await expect(header).toHaveAttribute('aria-sort', 'descending');
  await expect.poll(() => columnTexts(table, 'accuracy')).toEqual(['0.95', '0.93', '0.9', '0.88', '0.84', '0.81', '0.77', '0.7']);
  await snap(page, `${SCREENSHOTS}/runs-sorted.png`);

  await table.getByRole('button', { name: 'Run', exact: true }).click();
  await expect.poll(() => columnTexts(table, 'Run')).toEqual(['mlp-0', 'mlp-1', 'mlp-2', 'mlp-3', 'mlp-4', 'mlp-5', 'mlp-6', 'mlp-7']);
});

test('the column picker adds a tag column and remembers it for the experiment', async ({ app, page }) => {
  const { table } = await openSeeded(app, page);
  await expect(table.getByRole('columnheader', { name: 'team' })).toHaveCount(0);
  await page.getByRole('button', { name: /Columns/ }).click();
  const picker = page.getByRole('dialog', { name: 'Choose columns' });
  await picker.getByLabel('Search columns').fill('te');
  await expect(picker.getByRole('checkbox')).toHaveCount(1);
  await snap(page, `${SCREENSHOTS}/runs-column-picker.png`);
  await picker.getByRole('checkbox', { name: 'team' }).check();
  await expect.poll(() => columnTexts(table, 'team')).toEqual(['vision', 'nlp', 'vision', 'nlp', 'vision', 'nlp', 'vision', 'nlp']);

  await picker.getByLabel('Search columns').fill('');
  await picker.getByRole('checkbox', { name: 'loss' }).uncheck();
  await expect(table.getByRole('button', { name: 'loss', exact: true })).toHaveCount(0);
  await page.keyboard.press('Escape');
  await expect(picker).toBeHidden();

  await page.reload();
  await expect(table).toHaveAttribute('data-state', 'ready');
  await expect.poll(() => columnTexts(table, 'team')).toHaveLength(8);
  await expect(table.getByRole('button', { name: 'loss', exact: true })).toHaveCount(0);
});

test('a column resizes by dragging its edge and keeps its width after a reload', async ({ app, page }) => {
  const { table } = await openSeeded(app, page);
  const header = table.getByRole('columnheader').filter({ has: page.getByRole('button', { name: 'accuracy', exact: true }) });
  const width = async () => (await header.boundingBox())!.width;
  const before = await width();
  const handle = (await table.getByRole('separator', { name: 'Resize accuracy' }).boundingBox())!;
  await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
  await page.mouse.down();
  await page.mouse.move(handle.x + handle.width / 2 + 120, handle.y + handle.height / 2, { steps: 6 });
  await page.mouse.up();
  await expect.poll(width).toBeGreaterThan(before + 100);
  const widened = await width();
  await snap(page, `${SCREENSHOTS}/runs-column-resized.png`);

  await page.reload();
  await expect(table).toHaveAttribute('data-state', 'ready');
  await expect.poll(width).toBeCloseTo(widened, 0);
  await table.getByRole('separator', { name: 'Resize accuracy' }).dblclick();
  await expect.poll(width).toBeCloseTo(before, 0);
});

test('the filter box narrows results on Enter and Escape clears it', async ({ app, page }) => {
  const { table } = await openSeeded(app, page);
  const filter = page.getByLabel('Filter runs');
  await page.keyboard.press('/');
  await expect(filter).toBeFocused();
  await filter.fill("metrics.accuracy > 0.85 AND params.model = 'cnn'");
  await filter.press('Enter');
  await expect(table).toHaveAttribute('data-total', '2');
  await expect(table.getByTestId('runs-total')).toHaveText('2 runs matching the filter');
  expect(await columnTexts(table, 'Run')).toEqual(['mlp-3', 'mlp-1']);
  await snap(page, `${SCREENSHOTS}/runs-filtered.png`);

  await filter.fill('metrics.accuracy > 0.99');
  await filter.press('Enter');
  await expect(page.getByText('No runs match this filter.')).toBeVisible();
  await snap(page, `${SCREENSHOTS}/runs-filter-no-match.png`);
  await page.getByRole('button', { name: 'Clear filter', exact: true }).last().click();
  await expect(table).toHaveAttribute('data-total', '8');
  await expect(filter).toHaveValue('');

  await filter.fill('params.lr = "0.1"');
  await filter.press('Enter');
  await expect(table).toHaveAttribute('data-total', '3');
  await filter.press('Escape');
  await expect(filter).toHaveValue('');
  await expect(table).toHaveAttribute('data-total', '8');
});

test('a bad filter shows an inline error at its position and the table keeps working', async ({ app, page }) => {
  const { table } = await openSeeded(app, page);
  const filter = page.getByLabel('Filter runs');
  await filter.fill('metrics.accuracy >> 0.5');
  await filter.press('Enter');
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('position 18');
  await expect(alert).toContainText('expected a number');
  await expect(filter).toHaveAttribute('aria-invalid', 'true');
  // The rows stay; a bad filter never blanks the page.
  await expect(dataRows(table)).toHaveCount(8);
  await snap(page, `${SCREENSHOTS}/runs-filter-error.png`);

  // An error only the server can find (the grammar is fine) also lands under the box.
  await filter.fill('attributes.colour = "red"');
  await filter.press('Enter');
  await expect(alert).toContainText("unknown run attribute 'colour'");

  await filter.fill('metrics.accuracy < 0.8');
  await filter.press('Enter');
  await expect(alert).toBeHidden();
  await expect(table).toHaveAttribute('data-total', '2');
});

test('multi-select with shift-click, then Compare opens the compare view with those runs', async ({ app, page }) => {
  const { table, runIds } = await openSeeded(app, page);
  const compare = page.getByRole('button', { name: /^Compare/ });
  await expect(compare).toBeDisabled();
  await table.getByRole('checkbox', { name: 'Select mlp-7' }).check();
  await expect(compare).toHaveText('Compare (1)');
  await expect(compare).toBeDisabled();
  await table.getByRole('checkbox', { name: 'Select mlp-4' }).click({ modifiers: ['Shift'] });
  await expect(compare).toHaveText('Compare (4)');
  await expect(table.locator('[role=row][aria-selected=true]')).toHaveCount(4);
  await snap(page, `${SCREENSHOTS}/runs-selected.png`);

  await compare.click();
  await expect(page).toHaveURL(/#\/compare\?runs=/);
  const selected = new URL(page.url()).hash.split('runs=')[1]!.split(',');
  expect(selected.sort()).toEqual([runIds[7], runIds[6], runIds[5], runIds[4]].sort());
});

test('select all matching follows the filter and feeds Compare', async ({ app, page }) => {
  const { table, runIds } = await openSeeded(app, page);
  await page.getByLabel('Filter runs').fill("params.model = 'mlp'");
  await page.getByLabel('Filter runs').press('Enter');
  await expect(table).toHaveAttribute('data-total', '4');
  await table.getByRole('checkbox', { name: 'Select all matching runs' }).check();
  await expect(page.getByText('All 4 selected')).toBeVisible();
  await table.getByRole('checkbox', { name: 'Select mlp-0' }).uncheck();
  await expect(page.getByRole('button', { name: /^Compare/ })).toHaveText('Compare (3)');
  await page.getByRole('button', { name: /^Compare/ }).click();
  await expect(page).toHaveURL(/#\/compare\?runs=/);
  const selected = new URL(page.url()).hash.split('runs=')[1]!.split(',');
  expect(selected.sort()).toEqual([runIds[2], runIds[4], runIds[6]].sort());
});

test('keyboard: arrows move the focused row, Space selects, Enter opens the run', async ({ app, page }) => {
  const { table, runIds } = await openSeeded(app, page);
  const grid = table.getByRole('grid');
  await grid.focus();
  // Focusing the grid puts the cursor on the first row (the newest run, mlp-7).
  await expect(table.locator('.rt-row.is-focused')).toHaveAttribute('data-run-id', runIds[7]!);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowUp');
  await expect(table.locator('.rt-row.is-focused')).toHaveAttribute('data-run-id', runIds[5]!);
  await page.keyboard.press('Space');
  await expect(table.getByRole('checkbox', { name: 'Select mlp-5' })).toBeChecked();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Shift+Space');
  await expect(table.locator('[role=row][aria-selected=true]')).toHaveCount(2);
  await snap(page, `${SCREENSHOTS}/runs-keyboard.png`);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`#/runs/${runIds[4]}$`));
});

test('going back from a run keeps the filter, the selection and the rows', async ({ app, page }) => {
  const { table } = await openSeeded(app, page);
  const filter = page.getByLabel('Filter runs');
  await filter.fill("params.model = 'cnn'");
  await filter.press('Enter');
  await expect(table).toHaveAttribute('data-total', '4');
  await table.getByRole('checkbox', { name: 'Select mlp-3' }).check();
  await table.getByRole('link', { name: 'mlp-5' }).click();
  await expect(page).toHaveURL(/#\/runs\//);
  await page.goBack();
  await expect(table).toHaveAttribute('data-state', 'ready');
  await expect(filter).toHaveValue("params.model = 'cnn'");
  await expect(table).toHaveAttribute('data-total', '4');
  await expect(table.getByRole('checkbox', { name: 'Select mlp-3' })).toBeChecked();
  await expect(page.getByRole('button', { name: /^Compare/ })).toHaveText('Compare (1)');
});

test('runs logged while the page is open appear and update without a reload', async ({ app, page }) => {
  const { table, experimentId } = await openSeeded(app, page, sweep().slice(0, 2));
  await expect(table).toHaveAttribute('data-total', '2');

  const [liveId] = await seedRuns(app, experimentId, [{ name: 'live-run', startTime: Date.now(), metrics: { accuracy: 0.5 } }]);
  await expect(table.getByRole('link', { name: 'live-run' })).toBeVisible();
  await expect(table).toHaveAttribute('data-total', '3');
  const liveRow = table.locator(`[data-run-id="${liveId}"]`);
  await expect(liveRow).toContainText('Running');

  await app.api('runs/log-batch', { run_id: liveId, metrics: [{ key: 'accuracy', value: 0.975, timestamp: Date.now(), step: 5 }] });
  await expect(liveRow).toContainText('0.975');
  await app.api('runs/update', { run_id: liveId, status: 'FINISHED', end_time: Date.now() });
  await expect(liveRow).toContainText('Finished');
  await snap(page, `${SCREENSHOTS}/runs-live.png`);
});

test('while scrolled down, runs arriving on top do not move the rows being read', async ({ app, page }) => {
  const start = Date.now() - 3_600_000;
  const runs = Array.from({ length: 300 }, (_, i) => ({ name: `r-${String(i).padStart(3, '0')}`, startTime: start + i * 1000 }));
  const { table, experimentId } = await openSeeded(app, page, runs, true);
  const grid = table.getByRole('grid');
  await grid.evaluate((element) => element.scrollTo({ top: 150 * 36 }));
  const watched = table.getByRole('link', { name: 'r-140', exact: true });
  await expect(watched).toBeVisible();
  const before = (await watched.boundingBox())!.y;

  await seedRuns(app, experimentId, [0, 1, 2].map((i) => ({ name: `new-${i}`, startTime: Date.now() + i })));
  await expect(table).toHaveAttribute('data-total', '303');
  await expect.poll(async () => (await watched.boundingBox())!.y).toBeCloseTo(before, 0);
  // At the top, new runs simply appear.
  await grid.evaluate((element) => element.scrollTo({ top: 0 }));
  await expect(table.getByRole('link', { name: 'new-2' })).toBeVisible();
});

test('an experiment without runs shows how to log one', async ({ app, page }) => {
  const name = unique('fresh');
  const experimentId = await createExperiment(app, name);
  await page.goto(`${app.url}/#/experiments/${experimentId}`);
  const table = page.getByTestId('runs-table');
  await expect(table).toHaveAttribute('data-state', 'ready');
  await expect(table).toHaveAttribute('data-total', '0');
  await expect(page.getByText('No runs here yet.')).toBeVisible();
  await expect(page.getByText(`export MLFLOW_TRACKING_URI=${app.url}`)).toBeVisible();
  await expect(page.getByText(`mlflow.set_experiment("${name}")`)).toBeVisible();
  await snap(page, `${SCREENSHOTS}/runs-empty.png`);
});

test('dark theme keeps the table readable', async ({ app, page }) => {
  const { table } = await openSeeded(app, page);
  await page.getByLabel('Theme').selectOption('dark');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await table.getByRole('checkbox', { name: 'Select mlp-6' }).check();
  await table.getByRole('checkbox', { name: 'Select mlp-4' }).check();
  await snap(page, `${SCREENSHOTS}/runs-table-dark.png`);
});

test('a 10,000-run experiment opens at once and scrolls to its last rows', async ({ app, page }) => {
  test.setTimeout(240_000);
  const experimentId = await createExperiment(app, unique('big-sweep'));
  const start = Date.now() - 10_000 * 1000;
  await seedRunsInStore(
    app,
    experimentId,
    Array.from({ length: 10_000 }, (_, i) => ({ name: `run-${String(i).padStart(5, '0')}`, startTime: start + i * 1000, metrics: { accuracy: (i % 1000) / 1000 } })),
  );

  const opened = Date.now();
  await page.goto(`${app.url}/#/experiments/${experimentId}`);
  const table = page.getByTestId('runs-table');
  await expect(table).toHaveAttribute('data-state', 'ready');
  test.info().annotations.push({ type: 'open-ms', description: String(Date.now() - opened) });
  await expect(table).toHaveAttribute('data-total', '10000');
  await expect(table.getByTestId('runs-total')).toHaveText('10,000 runs');
  // Only a screenful of rows is in the DOM, not 10,000.
  expect(await dataRows(table).count()).toBeLessThan(100);

  await table.getByRole('grid').evaluate((grid) => grid.scrollTo({ top: grid.scrollHeight }));
  await expect(table.getByRole('link', { name: 'run-00000', exact: true })).toBeVisible();
  await expect(table.getByRole('link', { name: 'run-00001', exact: true })).toBeVisible();
  await expect(table.locator('[role=row][aria-busy=true]')).toHaveCount(0);
  await snap(page, `${SCREENSHOTS}/runs-10k-bottom.png`);

  // Keyboard End/Home jump across the whole table, fetching the windows on the way.
  const grid = table.getByRole('grid');
  await grid.focus();
  await page.keyboard.press('Home');
  await expect(table.getByRole('link', { name: 'run-09999', exact: true })).toBeVisible();
  await page.keyboard.press('End');
  await expect(table.locator('.rt-row.is-focused')).toContainText('run-00000');
});
