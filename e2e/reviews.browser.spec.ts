import type { FastifyInstance } from 'fastify';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { verifySignedArchive } from '../electron/core/bundles/archive-reader.js';
import { readReviewFile, writeReviewFile } from '../electron/core/bundles/review-file.js';
import { loadSigningIdentity } from '../electron/core/bundles/signing-identity.js';
import { createServices, type Services } from '../electron/core/services.js';
import { TrackingStore } from '../electron/core/store/tracking-store.js';
import { buildServer } from '../electron/server/http-server.js';
import { openFixtureBundle, seedAuthorStore, writeFixtureBundle, type AuthorFixture } from '../tests/fixtures/bundles.js';
import { expect, setTheme, shot, test } from './serve-fixture.js';

const dirs: string[] = [];
const temp = (label: string) => {
  const dir = mkdtempSync(join(tmpdir(), `mldesk-e2e-review-${label}-`));
  dirs.push(dir);
  return dir;
};
test.afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function seeded(dataDir: string): Promise<{ fixture: AuthorFixture; bundle: string; bundleSha: string }> {
  // The served store is written through the same API from this process (SQLite WAL takes two writers in turn).
  const store = TrackingStore.open(dataDir);
  try {
    const fixture = await seedAuthorStore(store);
    const bundle = join(temp('bundle'), 'experiments.mldesk');
    const bundleSha = await writeFixtureBundle(store, fixture, bundle);
    return { fixture, bundle, bundleSha };
  } finally {
    store.close();
  }
}

/** Drops a file on the page the way a file manager does: dragenter, dragover, drop with a DataTransfer. */
async function dropFile(page: Page, name: string, bytes: Buffer): Promise<void> {
  // A string: this project's TypeScript has no DOM types outside the renderer.
  await page.evaluate(`(() => {
    const data = Uint8Array.from(atob(${JSON.stringify(bytes.toString('base64'))}), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([data], ${JSON.stringify(name)}));
    for (const type of ['dragenter', 'dragover', 'drop']) window.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
  })()`);
}

test("the author drops a review file on the app: its comments show on the run and version pages, marked not trusted", async ({ app, page }) => {
  const { fixture, bundleSha } = await seeded(app.dataDir);
  const reviewer = loadSigningIdentity(temp('reviewer'), 'bob@laptop');
  const file = join(temp('review'), 'bob.mldesk-review');
  await writeReviewFile(
    file,
    {
      format: 'mldesk-review',
      formatVersion: 1,
      bundle: { manifestSha256: bundleSha, signerFingerprint: loadSigningIdentity(app.dataDir).signer.fingerprint, experiments: [fixture.experimentName] },
      reviewer: { name: 'Bob Reviewer' },
      decision: 'request_changes',
      versionDecisions: [{ name: fixture.model, version: '1', runId: fixture.runA, decision: 'approve' }],
      comments: [
        { target: { kind: 'run', runId: fixture.runA }, text: 'The baseline needs a second seed before we trust it.', time: Date.now() - 60_000 },
        { target: { kind: 'metric', runId: fixture.runA, key: 'loss', step: 2 }, text: 'Loss flattens from step 2: is the learning rate too low?', time: Date.now() - 50_000 },
        { target: { kind: 'version', name: fixture.model, version: '1', runId: fixture.runA }, text: 'Fine to ship once the seed question is answered.', time: Date.now() - 40_000 },
      ],
      createdTime: Date.now() - 30_000,
    },
    reviewer,
  );

  await page.goto(`${app.url}/#/runs/${fixture.runA}`);
  await expect(page.getByTestId('run-page')).toBeVisible();
  await expect(page.getByTestId('review-comments')).toHaveCount(0);
  await dropFile(page, 'bob.mldesk-review', readFileSync(file));
  await expect(page.getByTestId('review-import-result')).toContainText('Imported: 3 new comment(s) of 3 by Bob Reviewer (not trusted)');
  await expect(page.getByTestId('review-import-result')).toContainText("not counted — the reviewer's key is not trusted here");

  const comments = page.getByTestId('review-comment');
  await expect(comments).toHaveCount(2);
  await expect(comments.first()).toContainText('The baseline needs a second seed');
  await expect(comments.first().getByTestId('trust-badge')).toHaveText('not trusted');
  await expect(comments.nth(1)).toContainText('Metric loss at step 2');
  await page.getByRole('button', { name: 'Close' }).click();
  // The same file again, picked from the top bar: recognised, nothing added twice.
  await page.getByTestId('review-file-picker').setInputFiles(file);
  await expect(page.getByTestId('review-import-result')).toContainText('Already imported: 0 new comment(s) of 3');
  await page.getByRole('button', { name: 'Close' }).click();
  await expect(comments).toHaveCount(2);
  await setTheme(page, 'light');
  await shot(page, 'review-comments-run-light');
  await setTheme(page, 'dark');
  await shot(page, 'review-comments-run-dark');

  await page.goto(`${app.url}/#/models/${fixture.model}`);
  await expect(page.getByTestId('model-page')).toBeVisible();
  const onVersion = page.getByTestId('version-details').locator('..').getByTestId('review-comments');
  await expect(onVersion.getByTestId('review-comment')).toContainText('Fine to ship once the seed question is answered.');
  await expect(onVersion.getByTestId('review-decision')).toContainText('not counted');
  await setTheme(page, 'light');
  await shot(page, 'review-comments-version-light');
});

test('over an opened bundle the reviewer comments in the panel, and "Save review file" downloads a verifiable signed review', async ({ page }) => {
  const authorDir = temp('author');
  const { fixture, bundle, bundleSha } = await seeded(authorDir);
  const home = temp('home');
  const opened = await openFixtureBundle(bundle, home);
  dirs.push(opened.dataDir);
  const services: Services = createServices({ dataDir: opened.dataDir, bundle: opened.context });
  let server: FastifyInstance | undefined;
  try {
    server = await buildServer({ services, version: 'test', uiDir: join(process.cwd(), 'dist', 'renderer') });
    await server.listen({ host: '127.0.0.1', port: 0 });
    const address = server.server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

    await page.goto(`${url}/#/runs/${fixture.runB}`);
    const panel = page.getByTestId('review-panel');
    await expect(panel).toBeVisible();
    await panel.getByLabel('Comment on', { exact: true }).selectOption('metric');
    await expect(panel.getByLabel('Metric')).toHaveValue('loss');
    await panel.getByLabel('Metric').selectOption('val_accuracy');
    await panel.getByLabel('Comment text').fill('Accuracy drops with the wider net: overfitting?');
    await panel.getByRole('button', { name: 'Add comment' }).click();
    await expect(panel.getByTestId('review-draft-comment')).toHaveCount(1);

    await panel.getByLabel('Comment on', { exact: true }).selectOption('artifact');
    await panel.getByLabel('Artifact path').fill('plots/missing.png');
    await panel.getByLabel('Comment text').fill('Where is this plot?');
    await panel.getByRole('button', { name: 'Add comment' }).click();
    await expect(panel.getByRole('alert')).toContainText("has no artifact 'plots/missing.png' in the bundle");
    await panel.getByLabel('Artifact path').fill('plots/confusion.txt');
    await panel.getByRole('button', { name: 'Add comment' }).click();
    await expect(panel.getByTestId('review-draft-comment')).toHaveCount(2);

    // A controlled radio: it turns checked once the server saved the draft, not on the click itself.
    await panel.getByLabel('Request changes').click();
    await expect(panel.getByLabel('Request changes')).toBeChecked();
    await panel.getByLabel(`Decision on ${fixture.model} version 1`).selectOption('approve');
    await panel.getByLabel('Your name').fill('Carol QA');
    const nameSaved = page.waitForResponse((response) => response.url().endsWith('/app-api/reviews.draft.update'));
    await panel.getByLabel('Your name').blur();
    await nameSaved;
    await expect(panel.getByTestId('review-save-status')).toHaveText('Changes requested · 2 comments');

    // Docked: a full-height column at the right; the top bar, the banner and the page stand beside it, not under it.
    const viewport = page.viewportSize()!;
    const dock = (await panel.boundingBox())!;
    expect(dock.x + dock.width).toBeCloseTo(viewport.width, 0);
    expect(dock.y).toBeCloseTo(0, 0);
    expect(dock.y + dock.height).toBeCloseTo(viewport.height, 0);
    for (const beside of [page.locator('.topbar'), page.locator('.bundle-banner'), page.getByTestId('run-page').locator('.tabs')]) {
      const box = (await beside.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(dock.x + 0.5);
    }

    // The Comment button of a metric chart points the panel at that metric.
    await page.getByRole('tab', { name: /^Metrics/ }).click();
    const lossChart = page.locator('[data-testid="metric-chart"][data-keys~="loss"]');
    await lossChart.getByRole('button', { name: 'Comment on the metric loss' }).click();
    await expect(panel.getByLabel('Comment on', { exact: true })).toHaveValue('metric');
    await expect(panel.getByLabel('Metric')).toHaveValue('loss');
    await expect(panel.getByLabel('Comment text')).toBeFocused();
    await page.keyboard.type('The loss flattens after step 2.');
    await panel.getByRole('button', { name: 'Add comment' }).click();
    await expect(panel.getByTestId('review-draft-comment')).toHaveCount(3);
    const chart = (await lossChart.boundingBox())!;
    expect(chart.x + chart.width, 'the chart is beside the panel, not under it').toBeLessThanOrEqual(dock.x);

    // And the one of an artifact in the artifact browser, at that file, even with the panel minimised.
    await panel.getByRole('button', { name: 'Minimise the review panel' }).click();
    await page.getByRole('tab', { name: /^Artifacts/ }).click();
    await page.getByRole('treeitem', { name: /plots/ }).click();
    await page.getByRole('treeitem', { name: /confusion\.txt/ }).click();
    await page.getByTestId('artifact-preview').getByRole('button', { name: 'Comment on the artifact plots/confusion.txt' }).click();
    await expect(panel).toBeVisible();
    await expect(panel.getByLabel('Comment on', { exact: true })).toHaveValue('artifact');
    await expect(panel.getByLabel('Artifact path')).toHaveValue('plots/confusion.txt');
    await panel.getByLabel('Comment text').fill('Class 2 is never predicted.');
    await panel.getByRole('button', { name: 'Add comment' }).click();
    await expect(panel.getByTestId('review-draft-comment')).toHaveCount(4);
    await expect(panel.getByTestId('review-save-status')).toHaveText('Changes requested · 4 comments');

    await setTheme(page, 'light');
    await shot(page, 'review-panel-light');
    await setTheme(page, 'dark');
    await shot(page, 'review-panel-dark');
    await page.getByRole('tab', { name: /^Metrics/ }).click();
    await shot(page, 'review-panel-metrics-dark');
    await setTheme(page, 'light');
    await shot(page, 'review-panel-metrics-light');

    const downloading = page.waitForEvent('download');
    await panel.getByRole('button', { name: 'Save review file' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/^review-[0-9a-f]{12}-.*\.mldesk-review$/);
    const saved = join(temp('download'), download.suggestedFilename());
    await download.saveAs(saved);
    await expect(panel.getByTestId('review-save-status')).toContainText('Saved review-');

    expect(await verifySignedArchive(saved, () => null)).toMatchObject({ ok: true, kind: 'review', signer: { fingerprint: loadSigningIdentity(home).signer.fingerprint } });
    const { document } = await readReviewFile(saved);
    expect(document).toMatchObject({ decision: 'request_changes', reviewer: { name: 'Carol QA' }, bundle: { manifestSha256: bundleSha } });
    expect(document.comments.map((c) => [c.target.kind, c.text])).toEqual([
      ['metric', 'Accuracy drops with the wider net: overfitting?'],
      ['artifact', 'Where is this plot?'],
      ['metric', 'The loss flattens after step 2.'],
      ['artifact', 'Class 2 is never predicted.'],
    ]);
    expect(document.versionDecisions).toEqual([{ name: fixture.model, version: '1', runId: fixture.runA, decision: 'approve' }]);
  } finally {
    await server?.close();
    await services.close();
  }
});
