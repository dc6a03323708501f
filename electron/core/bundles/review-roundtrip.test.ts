import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReviewImportReport, StoredReviewComment, StoredVersionDecision } from '../../../shared/app-api/reviews.js';
import type { ReviewDocumentInput } from '../../../shared/reviews.js';
import { openFixtureBundle, seedAuthorStore, writeFixtureBundle, type AuthorFixture } from '../../../tests/fixtures/bundles.js';
import { createAppHandlers, type AppHandlers } from '../../api/app-handlers.js';
import { dispatch } from '../../api/dispatch.js';
import { ModelRegistry } from '../registry/model-registry.js';
import { createServices } from '../services.js';
import { TrackingStore } from '../store/tracking-store.js';
import { verifySignedArchive } from './archive-reader.js';
import { readReviewFile, writeReviewFile } from './review-file.js';
import { openBundleForReview, resolveTarget } from './review-targets.js';
import { loadSigningIdentity } from './signing-identity.js';
import { TrustedKeys } from './trusted-keys.js';

let dirs: string[] = [];
const temp = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), `mldesk-review-${name}-`));
  dirs.push(dir);
  return dir;
};

let authorDir: string;
let reviewerHome: string;
let store: TrackingStore;
let fixture: AuthorFixture;
let bundleFile: string;
let bundleSha: string;
let handlers: AppHandlers;

beforeEach(async () => {
  authorDir = temp('author');
  reviewerHome = temp('reviewer');
  store = TrackingStore.open(authorDir);
  fixture = await seedAuthorStore(store);
  bundleFile = join(temp('out'), 'experiments.mldesk');
  bundleSha = await writeFixtureBundle(store, fixture, bundleFile);
  handlers = createAppHandlers(createServices({ store }));
});
afterEach(() => {
  store.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

async function call<T>(name: string, input: unknown, on: AppHandlers = handlers): Promise<T> {
  const result = await dispatch(on, name, input);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value as T;
}

function reviewDoc(over: Partial<ReviewDocumentInput> = {}): ReviewDocumentInput {
  return {
    format: 'mldesk-review',
    formatVersion: 1,
    bundle: { manifestSha256: bundleSha, signerFingerprint: loadSigningIdentity(authorDir).signer.fingerprint, experiments: [fixture.experimentName] },
    reviewer: { name: 'Bob the reviewer' },
    decision: 'approve',
    versionDecisions: [{ name: fixture.model, version: '1', runId: fixture.runA, decision: 'approve' }],
    comments: [
      { target: { kind: 'run', runId: fixture.runA }, text: 'Baseline is solid.', time: 1_700_000_100_000 },
      { target: { kind: 'metric', runId: fixture.runA, key: 'loss', step: 2 }, text: 'Loss flattens here.', time: 1_700_000_100_001 },
      { target: { kind: 'artifact', runId: fixture.runB, path: 'plots/confusion.txt' }, text: 'Where are the other classes?', time: 1_700_000_100_002 },
      { target: { kind: 'version', name: fixture.model, version: '1', runId: fixture.runA }, text: 'Ship it.', time: 1_700_000_100_003 },
    ],
    createdTime: Date.now() - 1000,
    ...over,
  };
}

async function importFile(file: string): Promise<ReviewImportReport> {
  return call<ReviewImportReport>('reviews.import', { fileBase64: readFileSync(file).toString('base64') });
}

const championRefusal = () => {
  try {
    new ModelRegistry(store.db).setAlias(fixture.model, 'champion', '1');
  } catch (error) {
    return (error as Error).message;
  }
  return null;
};

describe('review round trip', () => {
  it('checks targets against the bundle: each kind found, each wrong one named', async () => {
    const bundle = await openBundleForReview(bundleFile);
    try {
      expect(bundle.manifestSha256).toBe(bundleSha);
      expect(resolveTarget(bundle, { kind: 'version', name: fixture.model, version: '1', runId: null })).toEqual({ target: { kind: 'version', name: fixture.model, version: '1', runId: fixture.runA } });
      expect(resolveTarget(bundle, { kind: 'artifact', runId: fixture.runA, path: 'plots' })).toHaveProperty('target');
      expect(resolveTarget(bundle, { kind: 'metric', runId: fixture.runA, key: 'loss', step: 4 })).toHaveProperty('target');
      expect(resolveTarget(bundle, { kind: 'metric', runId: fixture.runA, key: 'loss', step: 9 })).toEqual({ problem: `metric:${fixture.runA}/loss@9: run ${fixture.runA} has no metric 'loss' at step 9 in the bundle` });
      expect(resolveTarget(bundle, { kind: 'artifact', runId: fixture.runA, path: 'plots/missing.png' })).toHaveProperty('problem');
      expect(resolveTarget(bundle, { kind: 'run', runId: 'ffffffffffffffffffffffffffffffff' })).toEqual({ problem: 'run:ffffffffffffffffffffffffffffffff: the bundle has no run ffffffffffffffffffffffffffffffff' });
      expect(resolveTarget(bundle, { kind: 'version', name: fixture.model, version: '7', runId: null })).toHaveProperty('problem');
    } finally {
      bundle.close();
    }
  });

  it('untrusted approval: comments shown as not trusted, champion refused; after trusting the key, the re-import counts it once', async () => {
    const reviewer = loadSigningIdentity(reviewerHome, 'bob@laptop');
    const file = join(temp('review'), 'bob.mldesk-review');
    await writeReviewFile(file, reviewDoc(), reviewer);
    expect(await verifySignedArchive(file, () => null)).toMatchObject({ ok: true, kind: 'review' });

    const first = await importFile(file);
    expect(first).toMatchObject({ alreadyImported: false, comments: 4, newComments: 4, missing: [], warnings: [], reviewer: { displayName: 'Bob the reviewer', trusted: false, ownKey: false } });
    expect(first.versionDecisions).toEqual([{ name: fixture.model, version: '1', decision: 'approve', counted: false, reason: expect.stringContaining('not trusted') }]);

    const onRun = await call<{ comments: StoredReviewComment[] }>('reviews.comments', { runId: fixture.runA });
    expect(onRun.comments.map((c) => [c.target.kind, c.text, c.reviewer.trusted, c.reviewer.displayName])).toEqual([
      ['run', 'Baseline is solid.', false, 'Bob the reviewer'],
      ['metric', 'Loss flattens here.', false, 'Bob the reviewer'],
    ]);
    expect((await call<{ comments: StoredReviewComment[] }>('reviews.comments', { runId: fixture.runB })).comments[0]).toMatchObject({ target: { kind: 'artifact', path: 'plots/confusion.txt' } });
    const onVersion = await call<{ comments: StoredReviewComment[]; decisions: StoredVersionDecision[] }>('reviews.comments', { name: fixture.model, version: '1' });
    expect(onVersion.comments.map((c) => c.text)).toEqual(['Ship it.']);
    expect(onVersion.decisions).toMatchObject([{ decision: 'approve', counted: false, reviewer: { trusted: false } }]);
    expect(championRefusal()).toMatch(/cannot become champion: it needs an approval first and has no review; an approval in a review file by 'Bob the reviewer' \(key SHA256:.*\) does not count: its key is not trusted here/);

    new TrustedKeys(store.db).add('Bob (QA)', reviewer.signer.publicKey);
    const again = await importFile(file);
    expect(again).toMatchObject({ alreadyImported: true, newComments: 0, reviewer: { trusted: true, trustedName: 'Bob (QA)' } });
    expect(again.versionDecisions).toEqual([{ name: fixture.model, version: '1', decision: 'approve', counted: true, reason: null }]);
    expect(championRefusal()).toBeNull();
    const third = await importFile(file);
    expect(third.versionDecisions[0]!.counted).toBe(true);
    expect(store.db.prepare('SELECT count(*) AS n FROM review_comments').get()).toEqual({ n: 4 });
    expect(store.db.prepare("SELECT count(*) AS n FROM archive_imports WHERE kind = 'review'").get()).toEqual({ n: 1 });
    expect(store.db.prepare('SELECT reviewer_identity, reviewer_display, decision FROM model_version_reviews').all()).toEqual([
      { reviewer_identity: `key:${reviewer.signer.fingerprint}`, reviewer_display: 'Bob (QA)', decision: 'approved' },
    ]);
    const trustedNow = await call<{ comments: StoredReviewComment[] }>('reviews.comments', { runId: fixture.runA });
    expect(trustedNow.comments[0]!.reviewer).toMatchObject({ trusted: true, trustedName: 'Bob (QA)' });
  });

  it("a trusted reviewer's request for changes on a version is recorded as a rejection", async () => {
    const reviewer = loadSigningIdentity(reviewerHome);
    new TrustedKeys(store.db).add('qa', reviewer.signer.publicKey);
    const file = join(temp('review'), 'no.mldesk-review');
    await writeReviewFile(file, reviewDoc({ decision: 'request_changes', versionDecisions: [{ name: fixture.model, version: '1', runId: fixture.runA, decision: 'request_changes' }] }), reviewer);
    expect((await importFile(file)).versionDecisions[0]).toMatchObject({ decision: 'request_changes', counted: true });
    expect(championRefusal()).toMatch(/its latest review \(by key:SHA256:.*\) rejected it/);
  });

  it('a damaged draft is refused naming its file, never silently replaced', async () => {
    const opened = await openFixtureBundle(bundleFile, reviewerHome);
    dirs.push(opened.dataDir);
    const services = createServices({ dataDir: opened.dataDir, bundle: opened.context });
    try {
      const panel = createAppHandlers(services);
      await call('reviews.draft.addComment', { target: { kind: 'run', runId: fixture.runA }, text: 'first' }, panel);
      const file = join(reviewerHome, 'reviews', 'drafts', `${bundleSha}.json`);
      writeFileSync(file, '{"reviewerName": 5');
      const refused = await dispatch(panel, 'reviews.draft.addComment', { target: { kind: 'run', runId: fixture.runA }, text: 'second' });
      expect(refused).toMatchObject({ ok: false, error: { message: expect.stringContaining(`The review draft ${file} is not valid JSON`) } });
      expect(readFileSync(file, 'utf8')).toBe('{"reviewerName": 5');
      // Not over a bundle: no draft, and no panel writes; over a bundle: no import into the read-only store.
      expect(await call('reviews.draft', {})).toEqual({ review: null });
      expect(await dispatch(handlers, 'reviews.draft.save', {})).toMatchObject({ ok: false, error: { code: 'RESOURCE_DOES_NOT_EXIST' } });
      expect(await dispatch(panel, 'reviews.import', { fileBase64: 'AAAA' })).toMatchObject({ ok: false, error: { code: 'PERMISSION_DENIED' } });
    } finally {
      await services.close();
    }
  });

  it("an approval signed with the author's own key never counts, even when that key is trusted", async () => {
    const own = loadSigningIdentity(authorDir);
    new TrustedKeys(store.db).add('me', own.signer.publicKey);
    const file = join(temp('review'), 'self.mldesk-review');
    await writeReviewFile(file, reviewDoc(), own);
    const report = await importFile(file);
    expect(report.versionDecisions[0]).toMatchObject({ counted: false, reason: expect.stringContaining("this installation's own key") });
    expect(championRefusal()).not.toBeNull();
  });

  it('reports targets this store does not have, and refuses a tampered or foreign file writing nothing', async () => {
    const reviewer = loadSigningIdentity(reviewerHome);
    const file = join(temp('review'), 'r.mldesk-review');
    const ghost = 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee';
    await writeReviewFile(file, reviewDoc({ comments: [{ target: { kind: 'run', runId: ghost }, text: 'gone?', time: 1 }], versionDecisions: [] }), reviewer);
    expect((await importFile(file)).missing).toEqual([`run:${ghost}: no run ${ghost} in this store`]);

    const bytes = readFileSync(file);
    const tampered = join(temp('review'), 't.mldesk-review');
    // review.json is the first entry: its deflated bytes start after the 30-byte header and its name.
    bytes[50] = bytes[50]! ^ 0xff;
    writeFileSync(tampered, bytes);
    const refused = await dispatch(handlers, 'reviews.import', { fileBase64: readFileSync(tampered).toString('base64') });
    expect(refused).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining("Field 'fileBase64': not an acceptable review file") } });
    const notZip = await dispatch(handlers, 'reviews.import', { fileBase64: Buffer.from('hello').toString('base64') });
    expect(notZip).toMatchObject({ ok: false, error: { message: expect.stringContaining('not a zip archive') } });
    // The bundle itself is no review.
    const wrongKind = await dispatch(handlers, 'reviews.import', { fileBase64: readFileSync(bundleFile).toString('base64') });
    expect(wrongKind).toMatchObject({ ok: false, error: { message: expect.stringContaining('this is a bundle, not a review') } });
    expect(store.db.prepare('SELECT count(*) AS n FROM review_files').get()).toEqual({ n: 1 });
  });

  it('over an opened bundle: the draft lives in the reviewer home, the saved file verifies and imports on the author side', async () => {
    const opened = await openFixtureBundle(bundleFile, reviewerHome);
    dirs.push(opened.dataDir);
    const services = createServices({ dataDir: opened.dataDir, bundle: opened.context });
    try {
      const panel = createAppHandlers(services);
      const { review } = await call<{ review: { bundleManifestSha256: string; draft: { comments: unknown[] } } | null }>('reviews.draft', {}, panel);
      expect(review).toMatchObject({ bundleManifestSha256: bundleSha, draft: { comments: [] } });
      await call('reviews.draft.addComment', { target: { kind: 'metric', runId: fixture.runB, key: 'val_accuracy' }, text: 'Good jump.' }, panel);
      const bad = await dispatch(panel, 'reviews.draft.addComment', { target: { kind: 'artifact', runId: fixture.runB, path: 'nope.bin' }, text: 'x' });
      expect(bad).toMatchObject({ ok: false, error: { code: 'RESOURCE_DOES_NOT_EXIST', message: expect.stringContaining("has no artifact 'nope.bin'") } });
      const traversal = await dispatch(panel, 'reviews.draft.addComment', { target: { kind: 'artifact', runId: fixture.runB, path: '../../x' }, text: 'x' });
      expect(traversal).toMatchObject({ ok: false, error: { message: expect.stringContaining("Field 'target.path'") } });
      await call('reviews.draft.update', { decision: 'request_changes', reviewerName: 'Carol', versionDecisions: [{ name: fixture.model, version: '1', decision: 'request_changes' }] }, panel);
      expect(existsSync(join(reviewerHome, 'reviews', 'drafts', `${bundleSha}.json`))).toBe(true);

      const saved = await call<{ fileName: string; base64: string }>('reviews.draft.save', {}, panel);
      expect(saved.fileName).toMatch(/\.mldesk-review$/);
      const file = join(temp('review'), saved.fileName);
      writeFileSync(file, Buffer.from(saved.base64, 'base64'));
      const read = await readReviewFile(file);
      expect(read.manifest.signer.fingerprint).toBe(loadSigningIdentity(reviewerHome).signer.fingerprint);
      expect(read.document).toMatchObject({ decision: 'request_changes', reviewer: { name: 'Carol' }, bundle: { manifestSha256: bundleSha }, versionDecisions: [{ runId: fixture.runA }] });
      expect((await dispatch(panel, 'reviews.import', { fileBase64: saved.base64 })).ok).toBe(false);

      const report = await importFile(file);
      expect(report).toMatchObject({ newComments: 1, missing: [] });
      expect((await call<{ comments: StoredReviewComment[] }>('reviews.comments', { runId: fixture.runB })).comments.map((c) => c.text)).toEqual(['Good jump.']);
    } finally {
      await services.close();
    }
  });
});
