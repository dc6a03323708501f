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
import { openFixtureBundle, seedAuthorStore, writeFixtureBundle, type AuthorFixture } from '../tests/fixtures/review-bundle.js';
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
    await setTheme(page, 'light');
    await shot(page, 'review-panel-light');
    await setTheme(page, 'dark');
    await shot(page, 'review-panel-dark');

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
    ]);
    expect(document.versionDecisions).toEqual([{ name: fixture.model, version: '1', runId: fixture.runA, decision: 'approve' }]);
  } finally {
    await server?.close();
    await services.close();
  }
});
