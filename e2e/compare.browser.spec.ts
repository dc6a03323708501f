import type { Locator, Page } from '@playwright/test';
import { expect, type ServedApp, snap, test, unique } from './serve-fixture.js';

// Each test seeds its own experiment and compares only its own runs: one server for the file.
test.use({ shareServer: true });

const SCREENSHOTS = 'e2e/screenshots';

interface Seeded {
  runId: string;
  name: string;
}

/** Three runs of one sweep: lr and optimizer differ, epochs does not; loss curves decay at different rates. */
async function seedSweep(app: ServedApp): Promise<Seeded[]> {
  const { experiment_id } = await app.api<{ experiment_id: string }>('experiments/create', { name: unique('lr-sweep') });
  const configs = [
    { name: 'sweep-lr1e-3', lr: '0.001', optimizer: 'adamw', decay: 40 },
    { name: 'sweep-lr3e-4', lr: '0.0003', optimizer: 'adamw', decay: 70 },
    { name: 'sweep-lr1e-2', lr: '0.01', optimizer: 'sgd', decay: 110 },
  ];
  const seeded: Seeded[] = [];
  const t0 = Date.now() - 300_000;
  for (const [index, config] of configs.entries()) {
    const { run } = await app.api<{ run: { info: { run_id: string } } }>('runs/create', { experiment_id, run_name: config.name, start_time: t0 });
    const metrics = [];
    for (let step = 0; step < 150; step++) {
      const noise = Math.sin(step * 12.9898 + index) * 0.04;
      metrics.push({ key: 'loss', value: 2.3 * Math.exp(-step / config.decay) + 0.1 + noise, step, timestamp: t0 + step * 1000 });
      metrics.push({ key: 'accuracy', value: 0.95 - 0.85 * Math.exp(-step / config.decay) + noise / 4, step, timestamp: t0 + step * 1000 });
    }
    await app.api('runs/log-batch', {
      run_id: run.info.run_id,
      params: [
        { key: 'lr', value: config.lr },
        { key: 'optimizer', value: config.optimizer },
        { key: 'epochs', value: '30' },
      ],
      metrics,
    });
    await app.api('runs/update', { run_id: run.info.run_id, status: 'FINISHED', end_time: t0 + 150_000 });
    seeded.push({ runId: run.info.run_id, name: config.name });
  }
  return seeded;
}

async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await page.getByLabel('Theme').selectOption(theme);
  await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
}

/** Moves the mouse onto the middle of a polyline's first segment (on this run's line, off the shared vertices). */
async function hoverPolyline(page: Page, path: Locator): Promise<void> {
  await path.scrollIntoViewIfNeeded();
  const d = (await path.getAttribute('d'))!;
  const [, x0, y0, x1, y1] = /M([\d.]+),([\d.]+)L([\d.]+),([\d.]+)/.exec(d)!.map(Number);
  const svg = (await path.locator('xpath=ancestor::*[local-name()="svg"][1]').boundingBox())!;
  await page.mouse.move(svg.x + (x0! + x1!) / 2, svg.y + (y0! + y1!) / 2);
}

test('compare overlays metrics per run, marks differing params, draws parallel coordinates and a scatter', async ({ app, page }) => {
  const runs = await seedSweep(app);
  // Tall enough for the whole view: hovering never scrolls, so screenshots show one steady page.
  await page.setViewportSize({ width: 1280, height: 2000 });
  await page.goto(`${app.url}/#/compare?runs=${runs.map((r) => r.runId).join(',')}`);
  await setTheme(page, 'light');

  const legend = page.getByRole('list', { name: 'Compared runs' });
  for (const run of runs) await expect(legend).toContainText(run.name);

  // One chart per key, each with one line per run in three different colours.
  const loss = page.locator('[data-testid="metric-chart"][data-key="loss"]');
  await expect(page.getByTestId('metric-chart')).toHaveCount(2);
  await expect(loss).toHaveAttribute('data-state', 'ready');
  await expect(loss.locator('.metric-line-raw path')).toHaveCount(3);
  const strokes = await loss.locator('.metric-line-raw path').evaluateAll((paths) => paths.map((p) => p.getAttribute('stroke')));
  expect(new Set(strokes).size).toBe(3);
  await expect(loss).toHaveAttribute('data-points', '450');
  await loss.locator('.metric-chart-plot').hover({ position: { x: 150, y: 60 } });
  for (const run of runs) await expect(loss.locator('.chart-tooltip')).toContainText(run.name);

  // Choosing which keys to chart.
  const picker = page.getByRole('group', { name: 'Metrics to chart' });
  await picker.getByRole('button', { name: 'accuracy' }).click();
  await expect(page.getByTestId('metric-chart')).toHaveCount(1);
  await picker.getByRole('button', { name: 'accuracy' }).click();
  await expect(page.getByTestId('metric-chart')).toHaveCount(2);

  // The table marks rows whose values differ, and can hide the rest.
  const table = page.getByTestId('compare-table');
  const lrRow = table.locator('tbody tr', { has: page.locator('th', { hasText: /^lr$/ }) });
  const epochsRow = table.locator('tbody tr', { has: page.locator('th', { hasText: /^epochs$/ }) });
  await expect(lrRow).toHaveAttribute('data-differs', 'true');
  await expect(lrRow).toHaveClass(/differs/);
  await expect(lrRow).toContainText('0.0003');
  await expect(epochsRow).toHaveAttribute('data-differs', 'false');
  await expect(page.getByText('2 of 3 parameters differ')).toBeVisible();
  await page.getByLabel('Show only differences').check();
  await expect(epochsRow).toHaveCount(0);
  await expect(lrRow).toBeVisible();

  // Parallel coordinates: an axis per differing param and per metric, a polyline per run.
  const parallel = page.getByTestId('parallel-coordinates');
  await expect(parallel.locator('.pc-line')).toHaveCount(3);
  await expect(parallel.locator('.pc-axis-title')).toHaveText(['lr', 'optimizer', 'accuracy', 'loss']);
  await expect(parallel.locator('.pc-axis-kind').first()).toHaveText('param · log');
  await hoverPolyline(page, parallel.locator(`.pc-line[data-run-id="${runs[2]!.runId}"] .pc-hit`));
  await expect(parallel.locator('.pc-line.active')).toHaveAttribute('data-run-id', runs[2]!.runId);
  await expect(parallel.locator('.pc-active-name')).toHaveText(runs[2]!.name);
  await expect(parallel.locator('.pc-values')).toContainText('sgd');
  await expect(legend.locator(`[data-run-id="${runs[2]!.runId}"]`)).toHaveClass(/highlighted/);
  await snap(page, `${SCREENSHOTS}/compare-light.png`, { fullPage: true });

  // Scatter: one point per run; axes chosen from params and metrics; the run named on hover.
  const scatter = page.getByTestId('compare-scatter');
  await page.getByLabel('Y axis').selectOption('metric:loss');
  await page.getByLabel('X axis').selectOption('param:lr');
  await expect(scatter.locator('circle[data-run-id]')).toHaveCount(3);
  await expect(scatter.locator('.recharts-label')).toContainText(['lr (log)', 'loss']);
  await scatter.locator(`circle[data-run-id="${runs[1]!.runId}"]`).hover();
  await expect(scatter.locator('.chart-tooltip')).toContainText(runs[1]!.name);
  await expect(scatter.locator('.chart-tooltip')).toContainText('0.0003');

  await page.getByLabel('Show only differences').uncheck();
  await setTheme(page, 'dark');
  await hoverPolyline(page, parallel.locator(`.pc-line[data-run-id="${runs[0]!.runId}"] .pc-hit`));
  await expect(parallel.locator('.pc-line.active')).toHaveAttribute('data-run-id', runs[0]!.runId);
  await snap(page, `${SCREENSHOTS}/compare-dark.png`, { fullPage: true });
});

test('with fewer than two runs the compare view explains how to pick runs', async ({ app, page }) => {
  const [run] = await seedSweep(app);
  await page.goto(`${app.url}/#/compare?runs=${run!.runId}`);
  await expect(page.getByText('Only one run to compare.')).toBeVisible();
  await expect(page.getByText('tick the checkboxes of two or more runs')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Go to experiments' })).toBeVisible();
  await snap(page, `${SCREENSHOTS}/compare-empty.png`);
  await page.goto(`${app.url}/#/compare`);
  await expect(page.getByText('No runs selected to compare.')).toBeVisible();
});

test('an unknown run id in the comparison is reported and the others are still compared', async ({ app, page }) => {
  const runs = await seedSweep(app);
  const bogus = 'ffffffffffffffffffffffffffffffff';
  await page.goto(`${app.url}/#/compare?runs=${runs[0]!.runId},${bogus},${runs[1]!.runId}`);
  await expect(page.getByRole('alert')).toContainText(bogus);
  await expect(page.getByRole('heading', { name: 'Comparing 2 runs' })).toBeVisible();
  await expect(page.locator('[data-testid="metric-chart"][data-key="loss"] .metric-line-raw path')).toHaveCount(2);
});
