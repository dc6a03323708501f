import type { Locator, Page } from '@playwright/test';
import { deflateSync } from 'node:zlib';
import { expect, type ServedApp, snap, test } from './serve-fixture.js';

// Each test makes its own experiment (names differ) and opens only its own run: one server for the file.
test.use({ shareServer: true });

const SCREENSHOTS = 'e2e/screenshots';

interface Metric {
  key: string;
  value: number;
  step: number;
  timestamp: number;
}

async function createRun(app: ServedApp, experimentName: string, runName: string, startTime = Date.now() - 3_600_000): Promise<{ experimentId: string; runId: string }> {
  const { experiment_id } = await app.api<{ experiment_id: string }>('experiments/create', { name: experimentName });
  const { run } = await app.api<{ run: { info: { run_id: string } } }>('runs/create', { experiment_id, run_name: runName, start_time: startTime, tags: [{ key: 'mlflow.user', value: 'ada' }] });
  return { experimentId: experiment_id, runId: run.info.run_id };
}

async function logMetrics(app: ServedApp, runId: string, metrics: Metric[]): Promise<void> {
  for (let i = 0; i < metrics.length; i += 1000) await app.api('runs/log-batch', { run_id: runId, metrics: metrics.slice(i, i + 1000) });
}

/** A training curve: loss decays from ~2.3 toward 0 with noise; accuracy rises; one point per second. */
function trainingCurves(steps: number, t0: number, from = 0): Metric[] {
  const out: Metric[] = [];
  for (let step = from; step < from + steps; step++) {
    const noise = Math.sin(step * 12.9898) * 0.08;
    out.push({ key: 'loss', value: 2.3 * Math.exp(-step / 60) + 0.05 + noise * 0.5, step, timestamp: t0 + step * 1000 });
    out.push({ key: 'accuracy', value: Math.min(0.99, 0.1 + 0.85 * (1 - Math.exp(-step / 50)) + noise * 0.1), step, timestamp: t0 + step * 1000 });
  }
  return out;
}

async function putArtifact(app: ServedApp, experimentId: string, runId: string, path: string, body: string | Buffer): Promise<void> {
  const response = await fetch(`${app.url}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/${path}`, { method: 'PUT', body });
  if (!response.ok) throw new Error(`PUT ${path}: HTTP ${response.status} ${await response.text()}`);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A valid RGB PNG with a colour gradient, built by hand so the test needs no image library. */
function gradientPng(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) rows.set([Math.round((255 * x) / width), Math.round((255 * y) / height), 180], row + 1 + x * 3);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', header), pngChunk('IDAT', deflateSync(rows)), pngChunk('IEND', Buffer.alloc(0))]);
}

function chart(page: Page, key: string): Locator {
  return page.locator(`[data-testid="metric-chart"][data-key="${key}"]`);
}

async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await page.getByLabel('Theme').selectOption(theme);
  await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
}

test('run page shows the header, params, tags, datasets and one chart per metric', async ({ app, page }) => {
  const { runId } = await createRun(app, 'cifar-resnet', 'resnet50-lr3e-4');
  await app.api('runs/log-batch', {
    run_id: runId,
    params: [
      { key: 'learning_rate', value: '0.0003' },
      { key: 'batch_size', value: '128' },
      { key: 'optimizer', value: 'adamw' },
      { key: 'weight_decay', value: '0.05' },
    ],
    tags: [
      { key: 'team', value: 'vision' },
      { key: 'dataset_version', value: 'v2' },
    ],
  });
  await logMetrics(app, runId, trainingCurves(200, Date.now() - 600_000));
  await app.api('runs/log-inputs', {
    run_id: runId,
    datasets: [{ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset: { name: 'cifar10-train', digest: 'a1b2c3d4', source_type: 'http', source: 'https://example.org/cifar-10.tar.gz' } }],
  });
  await app.api('runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() });

  await page.goto(`${app.url}/#/runs/${runId}`);
  await expect(page.getByRole('heading', { name: 'resnet50-lr3e-4' })).toBeVisible();
  await expect(page.locator('.run-title-row .status')).toHaveText('FINISHED');
  await expect(page.locator('.run-meta')).toContainText('cifar-resnet');
  await expect(page.locator('.run-meta')).toContainText('ada');
  const params = page.getByTestId('run-params');
  await expect(params).toContainText('learning_rate');
  await expect(params).toContainText('0.0003');
  await expect(page.getByTestId('run-tags')).toContainText('team');
  await expect(page.getByTestId('run-tags')).toContainText('vision');
  await expect(page.getByTestId('run-datasets')).toContainText('cifar10-train');
  await expect(page.getByTestId('latest-metrics')).toContainText('accuracy');
  await setTheme(page, 'light');
  await snap(page, `${SCREENSHOTS}/run-overview-light.png`, { fullPage: true });

  await page.getByLabel('Search parameters').fill('batch');
  await expect(params.locator('tbody tr')).toHaveCount(1);
  await expect(params).toContainText('128');
  await expect(params).not.toContainText('learning_rate');

  await page.getByRole('tab', { name: /Metrics/ }).click();
  await expect(page.getByTestId('metric-chart')).toHaveCount(2);
  for (const key of ['loss', 'accuracy']) {
    await expect(chart(page, key)).toHaveAttribute('data-state', 'ready');
    await expect(chart(page, key)).toHaveAttribute('data-points', '200');
    await expect(chart(page, key).locator('.metric-line-raw path')).toHaveCount(1);
  }
  await setTheme(page, 'dark');
  await chart(page, 'loss').locator('.metric-chart-plot').hover({ position: { x: 200, y: 100 } });
  await expect(chart(page, 'loss').locator('.chart-tooltip')).toContainText('resnet50-lr3e-4');
  await expect(chart(page, 'loss').locator('.chart-tooltip')).toContainText('Step');
  // The other chart follows the same step with its crosshair, without a second tooltip.
  await expect(chart(page, 'accuracy').locator('.chart-crosshair')).toBeVisible();
  await expect(chart(page, 'accuracy').locator('.chart-tooltip')).toHaveCount(0);
  await snap(page, `${SCREENSHOTS}/run-metrics-dark.png`, { fullPage: true });
});

test('x-axis mode, smoothing and log scale change what the chart draws', async ({ app, page }) => {
  const { runId } = await createRun(app, 'axes', 'axes-run');
  const metrics = trainingCurves(250, Date.now() - 250_000);
  // Two non-positive losses: the log scale has to leave them out and say so.
  metrics.push({ key: 'loss', value: 0, step: 250, timestamp: Date.now() }, { key: 'loss', value: -0.5, step: 251, timestamp: Date.now() });
  await logMetrics(app, runId, metrics);
  await page.goto(`${app.url}/#/runs/${runId}?tab=metrics`);
  const loss = chart(page, 'loss');
  await expect(loss).toHaveAttribute('data-state', 'ready');
  await expect(loss).toHaveAttribute('data-x-axis', 'step');
  const linePath = loss.locator('.metric-line-raw path');
  const stepPath = await linePath.getAttribute('d');
  const stepTicks = await loss.locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value').allTextContents();
  expect(stepTicks.length).toBeGreaterThan(2);
  expect(stepTicks.every((t) => /^\d+$/.test(t))).toBe(true);

  await page.getByRole('radio', { name: 'Wall time' }).click();
  await expect(loss).toHaveAttribute('data-x-axis', 'wall');
  await expect(loss).toHaveAttribute('data-state', 'ready');
  await expect(loss.locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value').first()).toHaveText(/\d{1,2}:\d{2}/);

  await page.getByRole('radio', { name: 'Relative time' }).click();
  await expect(loss).toHaveAttribute('data-x-axis', 'relative');
  await expect(loss).toHaveAttribute('data-state', 'ready');
  await expect(loss.locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value').last()).toHaveText(/\d+(m|s|h)/);
  await page.getByRole('radio', { name: 'Step' }).click();
  await expect(loss).toHaveAttribute('data-x-axis', 'step');
  await expect(loss).toHaveAttribute('data-state', 'ready');
  expect(await linePath.getAttribute('d')).toBe(stepPath);

  await expect(loss.locator('.metric-line-smooth path')).toHaveCount(0);
  await page.getByLabel('Smoothing', { exact: true }).fill('0.9');
  await expect(loss).toHaveAttribute('data-smoothing', '0.9');
  await expect(loss.locator('.metric-line-smooth path')).toHaveCount(1);
  // The raw line stays, faint, under the smoothed one.
  await expect(loss.locator('.metric-line-raw path')).toHaveAttribute('stroke-opacity', '0.3');
  const smoothPath = await loss.locator('.metric-line-smooth path').getAttribute('d');
  expect(smoothPath).not.toBe(stepPath);

  await expect(loss.locator('.chart-note')).toHaveCount(0);
  await page.getByLabel('Log scale').check();
  await expect(loss).toHaveAttribute('data-log', 'true');
  await expect(loss.locator('.chart-note')).toHaveText('2 values ≤ 0 not shown on the log scale.');
  const yTicks = await loss.locator('.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value').allTextContents();
  expect(yTicks).toEqual(expect.arrayContaining(['0.1', '1']));
  await expect(loss).toHaveAttribute('data-points', '250');
  await snap(page, `${SCREENSHOTS}/run-chart-options.png`, { fullPage: true });
});

test('an edited description is saved and still there after a reload', async ({ app, page }) => {
  const { runId } = await createRun(app, 'notes', 'baseline');
  await page.goto(`${app.url}/#/runs/${runId}`);
  await page.getByRole('button', { name: 'Add description' }).click();
  await page.getByLabel('Run description').fill('Baseline with cosine schedule.\nDiverged after epoch 40: lower the LR next time.');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('run-description')).toHaveCount(0);

  await page.getByRole('button', { name: 'Add description' }).click();
  await page.getByLabel('Run description').fill('Baseline with cosine schedule.\nDiverged after epoch 40: lower the LR next time.');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('run-description')).toContainText('Diverged after epoch 40');
  await page.reload();
  await expect(page.getByTestId('run-description')).toContainText('Baseline with cosine schedule.');
  await expect(page.getByTestId('run-description')).toContainText('Diverged after epoch 40');

  // Too long for the server: the error shows inline and the draft is kept.
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('Run description').fill('x'.repeat(5001));
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('.run-description [role="alert"]')).toContainText('5000');
  await expect(page.getByLabel('Run description')).toHaveValue('x'.repeat(5001));
  await snap(page, `${SCREENSHOTS}/run-description-error.png`);
});

test('the artifacts browser previews text, JSON, CSV, PNG and binary files', async ({ app, page }) => {
  const { experimentId, runId } = await createRun(app, 'artifacts', 'with-files');
  await putArtifact(app, experimentId, runId, 'train.log', 'epoch 1 loss=2.31\nepoch 2 loss=1.74\nepoch 3 loss=1.12\n');
  await putArtifact(app, experimentId, runId, 'config/hparams.json', JSON.stringify({ lr: 0.0003, layers: [64, 64], schedule: { kind: 'cosine', warmup: 500 } }));
  await putArtifact(app, experimentId, runId, 'eval/predictions.csv', 'id,label,score\n1,cat,0.91\n2,dog,0.12\n3,"bird, small",0.55\n');
  await putArtifact(app, experimentId, runId, 'plots/confusion.png', gradientPng(96, 64));
  await putArtifact(app, experimentId, runId, 'model.bin', Buffer.alloc(2048, 7));
  await putArtifact(app, experimentId, runId, 'big.log', 'line of a long log file\n'.repeat(12_000));

  await page.goto(`${app.url}/#/runs/${runId}?tab=artifacts`);
  const tree = page.getByRole('tree', { name: 'Artifacts' });
  const preview = page.getByTestId('artifact-preview');
  await tree.getByRole('treeitem', { name: /train\.log/ }).click();
  await expect(preview.locator('pre')).toContainText('epoch 2 loss=1.74');

  await tree.getByRole('treeitem', { name: 'config' }).click();
  await tree.getByRole('treeitem', { name: /hparams\.json/ }).click();
  await expect(preview).toHaveAttribute('data-kind', 'json');
  // Pretty-printed: nested keys on their own indented lines.
  await expect(preview.locator('pre')).toContainText('"schedule": {\n    "kind": "cosine"');

  await tree.getByRole('treeitem', { name: 'eval' }).click();
  await tree.getByRole('treeitem', { name: /predictions\.csv/ }).click();
  await expect(preview.locator('table thead')).toContainText('score');
  await expect(preview.locator('table tbody tr')).toHaveCount(3);
  await expect(preview.locator('table tbody')).toContainText('bird, small');

  await tree.getByRole('treeitem', { name: /big\.log/ }).click();
  await expect(preview.getByText('truncated', { exact: true })).toBeVisible();

  await tree.getByRole('treeitem', { name: /model\.bin/ }).click();
  await expect(preview).toContainText('binary file (2.0 KB)');
  await expect(preview.getByRole('link', { name: 'Download' }).first()).toHaveAttribute('href', /app-files\/artifacts\/.*model\.bin/);

  await tree.getByRole('treeitem', { name: 'plots' }).click();
  await tree.getByRole('treeitem', { name: /confusion\.png/ }).click();
  const image = preview.locator('img');
  await expect(image).toBeVisible();
  await expect.poll(() => image.evaluate((img) => (img as { naturalWidth: number }).naturalWidth)).toBe(96);
  await expect(preview).toContainText('96 × 64 px');
  await snap(page, `${SCREENSHOTS}/run-artifacts-image.png`, { fullPage: true });

  await tree.getByRole('treeitem', { name: /predictions\.csv/ }).click();
  await expect(preview.locator('table')).toBeVisible();
  await setTheme(page, 'dark');
  await snap(page, `${SCREENSHOTS}/run-artifacts-csv-dark.png`, { fullPage: true });
});

test("a running run's chart grows while metrics are logged, without a reload", async ({ app, page }) => {
  const t0 = Date.now() - 120_000;
  const { runId } = await createRun(app, 'live', 'live-run', t0);
  await logMetrics(app, runId, trainingCurves(50, t0));
  await page.goto(`${app.url}/#/runs/${runId}?tab=metrics`);
  await expect(page.locator('.run-title-row .status')).toHaveText('RUNNING');
  await expect(chart(page, 'loss')).toHaveAttribute('data-points', '50');

  const duration = await page.getByTestId('run-duration').textContent();
  await expect(page.getByTestId('run-duration')).not.toHaveText(duration!);

  for (let batch = 1; batch <= 3; batch++) {
    await logMetrics(app, runId, trainingCurves(50, t0, batch * 50));
    await expect(chart(page, 'loss')).toHaveAttribute('data-points', String(50 * (batch + 1)));
  }
  await expect(chart(page, 'accuracy')).toHaveAttribute('data-points', '200');
  // A key logged once is a value; its second point makes it a line, drawn with its training twin.
  await logMetrics(app, runId, [{ key: 'val_loss', value: 0.4, step: 199, timestamp: Date.now() }]);
  await expect(page.getByTestId('single-value-metrics').locator('[data-key="val_loss"]')).toContainText('0.4');
  await logMetrics(app, runId, [{ key: 'val_loss', value: 0.35, step: 200, timestamp: Date.now() }]);
  await expect(page.locator('[data-testid="metric-chart"][data-keys="loss val_loss"]')).toHaveAttribute('data-state', 'ready');
  await expect(page.getByTestId('single-value-metrics')).toHaveCount(0);
  await app.api('runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() });
  await expect(page.locator('.run-title-row .status')).toHaveText('FINISHED');
  await snap(page, `${SCREENSHOTS}/run-live.png`, { fullPage: true });
});

test('a 200,000-point history is drawn with no more points than pixels and its spike stays visible', async ({ app, page }) => {
  test.setTimeout(120_000);
  const { runId } = await createRun(app, 'long', 'long-run');
  const t0 = Date.now() - 200_000 * 100;
  const SPIKE_STEP = 123_457;
  const metrics: Metric[] = [];
  for (let step = 0; step < 200_000; step++) {
    const value = step === SPIKE_STEP ? 50 : 1 + 0.2 * Math.sin(step / 5000) + 0.05 * Math.sin(step * 7.1);
    metrics.push({ key: 'grad_norm', value, step, timestamp: t0 + step * 100 });
  }
  await logMetrics(app, runId, metrics);

  await page.goto(`${app.url}/#/runs/${runId}?tab=metrics`);
  const grad = chart(page, 'grad_norm');
  // The first visit loads the chart code and 200,000 points' summaries: allow for a busy machine.
  await expect(grad).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await expect(grad).toHaveAttribute('data-sampled', 'true');
  const points = Number(await grad.getAttribute('data-points'));
  const requested = Number(await grad.getAttribute('data-width'));
  const plotWidth = (await grad.locator('.metric-chart-plot').boundingBox())!.width;
  expect(points).toBeGreaterThan(100);
  expect(points).toBeLessThanOrEqual(requested);
  expect(requested).toBeLessThanOrEqual(plotWidth);
  await expect(grad).toHaveAttribute('data-band-max', '50');
  await expect(grad.locator('.chart-badge')).toContainText('200k pts');

  // The spike is in the min–max band, near the top of the plot, far above the bucket means.
  const band = (await grad.locator('.metric-band path').first().boundingBox())!;
  const line = (await grad.locator('.metric-line-raw path').boundingBox())!;
  const grid = (await grad.locator('.recharts-cartesian-grid').boundingBox())!;
  const [yMin, yMax] = [Number(await grad.getAttribute('data-y-min')), Number(await grad.getAttribute('data-y-max'))];
  const pixelOf = (value: number) => grid.y + (1 - (value - yMin) / (yMax - yMin)) * grid.height;
  expect(yMax).toBeGreaterThanOrEqual(50);
  expect(Math.abs(band.y - pixelOf(50))).toBeLessThan(3);
  expect(line.y).toBeGreaterThan(pixelOf(5));
  await snap(page, `${SCREENSHOTS}/run-200k-points.png`, { fullPage: true });
});

test('an unknown run id shows a not-found page with a way back', async ({ app, page }) => {
  await page.goto(`${app.url}/#/runs/0123456789abcdef0123456789abcdef`);
  const notFound = page.getByTestId('run-not-found');
  await expect(notFound).toBeVisible();
  await expect(notFound).toContainText('Run not found');
  await expect(notFound).toContainText('0123456789abcdef0123456789abcdef');
  await snap(page, `${SCREENSHOTS}/run-not-found.png`);
  await notFound.getByRole('link', { name: 'Back to experiments' }).click();
  await expect(page).not.toHaveURL(/#\/runs\//);
  await expect(notFound).toHaveCount(0);
});
