import type { Download } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openSignedArchive } from '../electron/core/bundles/archive-reader.js';
import { BundleMetaSchema } from '../shared/bundles.js';
import { seedRuns } from './seed-runs.js';
import { expect, setTheme, shot, test } from './serve-fixture.js';

/** Runs table → select runs → "Export bundle…" → progress → the signed .mldesk downloads. */
test('exports the selected runs as a signed bundle with a progress bar, and names a bad selection', async ({ app, page }) => {
  const { experiment_id: experimentId } = await app.api<{ experiment_id: string }>('experiments/create', { name: 'churn-review' });
  const runIds = await seedRuns(
    app,
    experimentId,
    Array.from({ length: 6 }, (_, i) => ({ name: `mlp-${i}`, startTime: Date.now() - (6 - i) * 60_000, status: 'FINISHED' as const, metrics: { val_loss: 1 / (i + 1) }, params: { lr: String(0.01 * (i + 1)) } })),
  );
  // 2 MB of artifacts, so the bar has something to show.
  const artifacts = `${app.url}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runIds[2]}/artifacts/model/weights.bin`;
  expect((await fetch(artifacts, { method: 'PUT', body: Buffer.alloc(2 * 1024 ** 2, 7) })).status).toBe(200);

  await page.goto(`${app.url}/#/experiments/${experimentId}`);
  const table = page.getByTestId('runs-table');
  await expect(table).toHaveAttribute('data-total', '6');
  const button = page.getByRole('button', { name: 'Export bundle…' });
  await expect(button).toBeDisabled();
  await table.getByRole('checkbox', { name: 'Select mlp-2' }).check();
  await table.getByRole('checkbox', { name: 'Select mlp-4' }).check();
  await button.click();
  const dialog = page.getByTestId('export-bundle-dialog');
  await expect(dialog).toContainText('2 runs with params');
  await dialog.getByLabel('Anonymise user names, host names and file paths').check();
  await setTheme(page, 'light');
  await shot(page, 'bundle-export-dialog-light');
  await setTheme(page, 'dark');
  await shot(page, 'bundle-export-dialog-dark');

  const [download] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('button', { name: 'Export' }).click()]);
  await expect(dialog.getByTestId('bundle-done')).toContainText('Saved churn-review.mldesk');
  await expect(dialog.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
  await setTheme(page, 'light');
  await shot(page, 'bundle-export-done-light');
  await setTheme(page, 'dark');
  await shot(page, 'bundle-export-done-dark');
  expect((download as Download).suggestedFilename()).toBe('churn-review.mldesk');
  const file = join(app.dataDir, 'downloaded.mldesk');
  await (download as Download).saveAs(file);
  expect((await readFile(file)).subarray(0, 2).toString()).toBe('PK');
  const reader = await openSignedArchive(file, { kind: 'bundle' });
  try {
    const meta = BundleMetaSchema.parse(reader.manifest.meta);
    expect(meta.runs.map((r) => r.name).sort()).toEqual(['mlp-2', 'mlp-4']);
    expect(meta.anonymized).toBe(true);
    expect(reader.manifest.signer.name).toBe('anonymous');
    expect((await reader.read(`artifacts/${experimentId}/${runIds[2]}/artifacts/model/weights.bin`)).length).toBe(2 * 1024 ** 2);
  } finally {
    reader.close();
  }
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toBeHidden();

  // A run of another experiment is refused by name, in the dialog, and nothing is written.
  const other = await app.api<{ experiment_id: string }>('experiments/create', { name: 'elsewhere' });
  const [stranger] = await seedRuns(app, other.experiment_id, [{ name: 'x', startTime: Date.now() }]);
  const refused = await page.evaluate(
    async ({ experimentId: id, runId }) => {
      const response = await fetch('app-api/bundles.export', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ experimentId: id, runIds: [runId], withData: false, anonymize: false }) });
      return { status: response.status, body: await response.text() };
    },
    { experimentId, runId: stranger! },
  );
  expect(refused.status).toBe(400);
  expect(refused.body).toContain("for 'runIds': the run belongs to experiment 'elsewhere'");
  expect((await fetch(`${app.url}/app-files/bundles/00000000-0000-0000-0000-000000000000.mldesk`)).status).toBe(404);
  expect((await fetch(`${app.url}/app-files/bundles/..%2F..%2Fmldesk.db`)).status).toBe(404);
});
