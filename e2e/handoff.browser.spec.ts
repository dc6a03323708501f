import type { Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifySignedArchive } from '../electron/core/bundles/archive-reader.js';
import { trainIris } from './model-fixtures.js';
import { appApi, expect, setTheme, shot, test } from './serve-fixture.js';

async function shotHandoff(page: Page, name: string): Promise<void> {
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(page, theme);
    await shot(page, theme === 'light' ? name : `${name}-dark`);
  }
  await setTheme(page, 'light');
}

test('a version is handed off from its Handoff tab: refused until approved, then downloaded as a verifiable signed package', async ({ page, app }) => {
  test.setTimeout(150_000);
  const runId = await trainIris(app, 'iris-handoff', 4);
  await appApi(app, 'models.register', { runId, name: 'iris-classifier' });
  const described = await fetch(`${app.url}/api/2.0/mlflow/registered-models/update`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'iris-classifier', description: 'Sorts iris flowers by species on the greenhouse line.' }),
  });
  expect(described.status).toBe(200);

  await page.goto(`${app.url}/#/models/iris-classifier?tab=handoff`);
  const panel = page.getByTestId('handoff-panel');
  const approval = panel.getByTestId('handoff-approval');
  await expect(approval).toContainText('Export is refused: model iris-classifier version 1 has no approved review: it has not been reviewed yet', { timeout: 30_000 });
  await expect(panel.getByTestId('handoff-export')).toBeDisabled();
  // The download route refuses it too, naming the version and why.
  const refused = await fetch(`${app.url}/app-files/packages/iris-classifier/1.mldesk-package`);
  expect(refused.status).toBe(400);
  expect(((await refused.json()) as { message: string }).message).toContain('model iris-classifier version 1 has no approved review');

  const card = panel.getByTestId('handoff-model-card');
  await expect(card.getByTestId('handoff-limits').locator('tbody tr')).toHaveCount(4);
  await expect(card).toContainText('sepal_length');
  await expect(card).toContainText('Sorts iris flowers by species on the greenhouse line.');
  await expect(card).toContainText('iris@1');
  const contents = panel.getByTestId('handoff-contents');
  for (const path of ['model/weights.bin', 'model/signature.json', 'model-card.md', 'lineage.json', 'sbom.cdx.json', 'docker/Dockerfile']) await expect(contents).toContainText(path);
  const commands = panel.getByTestId('handoff-commands');
  await expect(commands).toContainText('mldesk package verify iris-classifier-1.mldesk-package --trust SHA256:');
  await expect(commands).toContainText('mldesk serve-model --package iris-classifier-1.mldesk-package');
  await expect(commands).toContainText('docker build -t iris-classifier:1');
  await shotHandoff(page, 'handoff-refused');

  await appApi(app, 'models.review', { name: 'iris-classifier', version: '1', decision: 'approved', comment: 'held-out accuracy checked' });
  await page.reload();
  await expect(approval).toContainText('Approved by', { timeout: 30_000 });
  await expect(card.getByTestId('handoff-approvals')).toContainText('approved');
  await expect(card.getByTestId('handoff-approvals')).toContainText('held-out accuracy checked');
  await shotHandoff(page, 'handoff-approved');

  const dir = mkdtempSync(join(tmpdir(), 'mldesk-handoff-'));
  try {
    const [download] = await Promise.all([page.waitForEvent('download'), panel.getByTestId('handoff-export').click()]);
    expect(download.suggestedFilename()).toBe('iris-classifier-1.mldesk-package');
    const file = join(dir, download.suggestedFilename());
    await download.saveAs(file);
    const verification = await verifySignedArchive(file, () => null);
    expect(verification.problem).toBeNull();
    expect(verification).toMatchObject({ ok: true, kind: 'package' });
    expect(verification.entries).toBeGreaterThanOrEqual(15);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
