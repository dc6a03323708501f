import type { Download, Page } from '@playwright/test';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { readFile } from 'node:fs/promises';
import { fromBuffer, type Entry, type ZipFile } from 'yauzl';
import { seedPredictions } from '../tests/integration/prediction-rows.js';
import { seedRuns } from './seed-runs.js';
import { expect, setTheme, shot, test, type ServedApp } from './serve-fixture.js';

/** Downloads a user starts from the UI: CSV of the runs, compare and prediction tables, artifact folders as zips. */

async function download(page: Page, click: () => Promise<void>): Promise<{ name: string; bytes: Buffer }> {
  const [file] = await Promise.all([page.waitForEvent('download'), click()]);
  const path = await (file as Download).path();
  return { name: file.suggestedFilename(), bytes: await readFile(path) };
}

const csv = (bytes: Buffer) => parse(bytes.toString('utf8'), { relax_quotes: false }) as string[][];

async function zipNames(bytes: Buffer): Promise<Map<string, Buffer>> {
  const zip = await new Promise<ZipFile>((resolve, reject) => fromBuffer(bytes, { lazyEntries: true }, (error, file) => (error ? reject(error) : resolve(file))));
  const entries = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    zip.on('end', resolve);
    zip.on('error', reject);
    zip.on('entry', (entry: Entry) =>
      zip.openReadStream(entry, (error, stream) => {
        if (error) return reject(error);
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          entries.set(entry.fileName, Buffer.concat(chunks));
          zip.readEntry();
        });
      }),
    );
    zip.readEntry();
  });
  return entries;
}

test.describe('with a token server (session cookie login)', () => {
  test.use({ serveToken: 'e2e-export-secret' });

  test('exports the runs table as shown and the compare table as CSV, and artifact folders as zips', async ({ app, page }) => {
    const { experiment_id: experimentId } = await app.api<{ experiment_id: string }>('experiments/create', { name: 'churn-model' });
    const runIds = await seedRuns(
      app,
      experimentId,
      Array.from({ length: 12 }, (_, i) => ({
        name: `mlp-${i}`,
        startTime: Date.now() - (12 - i) * 60_000,
        status: 'FINISHED' as const,
        metrics: { val_loss: 1 / (i + 1) },
        params: { hidden_units: String(16 * (i + 1)), note: i === 3 ? '=HYPERLINK("http://x")' : 'ok' },
      })),
    );
    const artifacts = `${app.url}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runIds[0]}/artifacts`;
    for (const [path, body] of [['model/MLmodel', 'flavors: {}\n'], ['model/data/weights.bin', 'W'.repeat(5000)], ['report.txt', 'fine']] as const) {
      expect((await fetch(`${artifacts}/${path}`, { method: 'PUT', headers: app.authHeaders, body })).status).toBe(200);
    }

    await page.goto(app.loginUrl!);
    await page.goto(`${app.url}/#/experiments/${experimentId}`);
    await expect(page.getByTestId('runs-table')).toHaveAttribute('data-total', '12');
    const exportRuns = page.getByRole('link', { name: 'Export CSV' });
    await setTheme(page, 'light');
    await shot(page, 'runs-export-light');
    await setTheme(page, 'dark');
    await shot(page, 'runs-export-dark');

    const all = await download(page, () => exportRuns.click());
    expect(all.name).toBe('churn-model-runs.csv');
    const [header, ...rows] = csv(all.bytes);
    expect(header!.slice(0, 4)).toEqual(['run_id', 'run_name', 'experiment_id', 'status']);
    expect(rows).toHaveLength(12);
    // Newest first, as the table sorts by default.
    expect(rows[0]![1]).toBe('mlp-11');

    // The filter on screen is the export's filter.
    const filter = page.getByLabel('Filter runs');
    await filter.fill('metrics.val_loss < 0.2');
    await filter.press('Enter');
    await expect(page.getByTestId('runs-total')).toContainText('7');
    const filtered = await download(page, () => exportRuns.click());
    expect(csv(filtered.bytes).slice(1).map((r) => r[1])).toEqual(['mlp-11', 'mlp-10', 'mlp-9', 'mlp-8', 'mlp-7', 'mlp-6', 'mlp-5']);

    await page.goto(`${app.url}/#/compare?runs=${runIds[3]},${runIds[4]}`);
    const table = page.getByTestId('compare-table');
    await expect(table).toBeVisible();
    const compare = await download(page, () => page.getByRole('link', { name: 'Export CSV' }).click());
    expect(compare.name).toBe('compare-2-runs.csv');
    const byKey = new Map(csv(compare.bytes).map((r) => [`${r[0]}:${r[1]}`, r.slice(2)]));
    expect(byKey.get('section:key')).toEqual(['mlp-3', 'mlp-4']);
    expect(byKey.get('params:hidden_units')).toEqual(['64', '80']);
    // A formula in a param opens as text in a spreadsheet.
    expect(byKey.get('params:note')).toEqual([`'=HYPERLINK("http://x")`, 'ok']);

    await page.goto(`${app.url}/#/runs/${runIds[0]}?tab=artifacts`);
    const tree = page.getByRole('tree', { name: 'Artifacts' });
    await expect(tree.getByRole('treeitem', { name: /model/ })).toBeVisible();
    const whole = await download(page, () => page.getByRole('link', { name: 'Download all' }).click());
    expect(whole.name).toBe('mlp-0-artifacts.zip');
    const entries = await zipNames(whole.bytes);
    expect([...entries.keys()].sort()).toEqual(['model/MLmodel', 'model/data/weights.bin', 'report.txt']);
    expect(entries.get('model/data/weights.bin')!.toString()).toBe('W'.repeat(5000));
    await tree.getByRole('treeitem', { name: /model/ }).hover();
    const folder = await download(page, () => page.getByRole('link', { name: 'Download folder model as a zip' }).click());
    expect(folder.name).toBe('model.zip');
    expect([...(await zipNames(folder.bytes)).keys()].sort()).toEqual(['MLmodel', 'data/weights.bin']);
  });
});

/** A registered churn model whose v1 came from a run with val_accuracy 0.9, and 300 logged predictions, 1 in 3 with ground truth. */
async function churnWithPredictions(app: ServedApp): Promise<void> {
  const { experiment_id: experimentId } = await app.api<{ experiment_id: string }>('experiments/create', { name: 'churn-training' });
  const [runId] = await seedRuns(app, experimentId, [{ name: 'churn-mlp', startTime: Date.now() - 3_600_000, status: 'FINISHED', metrics: { val_accuracy: 0.9 } }]);
  await app.api('registered-models/create', { name: 'churn' });
  await app.api('model-versions/create', { name: 'churn', source: `runs:/${runId}/model`, run_id: runId });
  const start = Date.now() - 3 * 3_600_000;
  seedPredictions(app.dataDir, {
    model: 'churn',
    count: 300,
    time: (i) => start + i * 36_000,
    // Right at first, then wrong more and more often: the trend falls.
    actual: (i) => (i % 3 !== 0 ? undefined : i < 150 ? ((i * 7919) % 100 >= 50 ? 'yes' : 'no') : i % 2 ? 'yes' : 'no'),
  });
}

for (const theme of ['light', 'dark'] as const) {
  test(`the prediction log shows quality against validation, opens a row in full, and exports its filter as CSV (${theme})`, async ({ app, page }) => {
    await churnWithPredictions(app);
    // A correction: the first truth of the newest labelled row is replaced, and both are kept.
    const newest = 'churn-000000297';
    const db = new Database(`${app.dataDir}/mldesk.db`);
    for (const [actual, ago] of [['no', 60_000], ['yes', 0]] as const) {
      // As recordFeedback stores a correction: the latest counts, every one is kept.
      db.prepare('INSERT INTO prediction_feedback_history (prediction_pk, actual_label, created_time) SELECT prediction_pk, ?, ? FROM predictions WHERE request_id = ?').run(actual, Date.now() - ago, newest);
      db.prepare('UPDATE prediction_feedback SET actual_label = ? WHERE prediction_pk = (SELECT prediction_pk FROM predictions WHERE request_id = ?)').run(actual, newest);
    }
    db.close();

    await page.goto(`${app.url}/#/models/churn`);
    await setTheme(page, theme);
    await page.getByRole('tab', { name: 'Prediction log' }).click();
    const log = page.getByTestId('prediction-log');
    const quality = log.getByTestId('prediction-quality');
    await expect(quality.getByTestId('confusion-matrix')).toBeVisible();
    const matrix = quality.getByRole('table', { name: /Confusion matrix/ });
    await expect(matrix.locator('tbody tr')).toHaveCount(2);
    await expect(quality.getByTestId('quality-trend').locator('.recharts-line').first()).toBeVisible();
    await expect(quality.getByRole('list', { name: 'Live against validation' })).toContainText('validation 90.0%');
    await shot(page, `prediction-quality-${theme}`);

    const rows = log.getByRole('table', { name: 'Predictions', exact: true }).locator('tbody tr');
    await log.getByLabel('Filter by ground truth').selectOption('with');
    await expect(rows.first()).toHaveAttribute('data-request-id', newest);
    await rows.first().click();
    const detail = page.getByTestId('prediction-detail');
    await expect(detail).toBeVisible();
    await expect(detail.getByRole('table', { name: 'Inputs' })).toContainText('tenure_months');
    await expect(detail.getByRole('list', { name: 'Probabilities' }).locator('li')).toHaveCount(2);
    const history = detail.getByRole('list', { name: 'Feedback history' }).locator('li');
    await expect(history).toHaveCount(3);
    await expect(history.last()).toContainText('counts (latest)');
    await expect(history.first()).toContainText('replaced');
    await shot(page, `prediction-detail-${theme}`);
    await page.keyboard.press('Escape');
    await expect(detail).toBeHidden();

    const exported = await download(page, () => log.getByRole('link', { name: 'Export CSV' }).click());
    expect(exported.name).toBe('churn-predictions.csv');
    const [header, ...lines] = csv(exported.bytes);
    expect(header).toContain('input.tenure_months');
    expect(lines).toHaveLength(100);
    expect(lines.every((line) => line[header!.indexOf('actual')] !== '')).toBe(true);
  });
}
