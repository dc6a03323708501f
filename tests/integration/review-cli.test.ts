/**
 * `mldesk bundle review` (the reviewer, headless) and `mldesk review import` (the author) as the
 * compiled CLI in child processes (npm run build first), over a bundle built from a real store.
 * Exit codes: 0 done, 1 a file that does not verify, 2 bad input (a bad --comment, not a bundle/review).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReviewImportReport } from '../../shared/app-api/reviews.js';
import { readReviewFile } from '../../electron/core/bundles/review-file.js';
import { loadSigningIdentity } from '../../electron/core/bundles/signing-identity.js';
import { TrustedKeys } from '../../electron/core/bundles/trusted-keys.js';
import { ModelRegistry } from '../../electron/core/registry/model-registry.js';
import { TrackingStore } from '../../electron/core/store/tracking-store.js';
import { seedAuthorStore, writeFixtureBundle, type AuthorFixture } from '../fixtures/bundles.js';
import { cleanupTempDirs, makeTempDir, runCli } from './server-process.js';

let authorDir: string;
let reviewerHome: string;
let out: string;
let bundle: string;
let fixture: AuthorFixture;

beforeAll(async () => {
  authorDir = await makeTempDir('review-author');
  reviewerHome = await makeTempDir('review-reviewer');
  out = await makeTempDir('review-out');
  const store = TrackingStore.open(authorDir);
  try {
    fixture = await seedAuthorStore(store);
    bundle = join(out, 'experiments.mldesk');
    await writeFixtureBundle(store, fixture, bundle);
  } finally {
    store.close();
  }
});
afterAll(cleanupTempDirs);

const review = (args: string[]) => runCli(['bundle', 'review', bundle, '--data-dir', reviewerHome, ...args]);

function withStore<T>(action: (store: TrackingStore) => T): T {
  const store = TrackingStore.open(authorDir);
  try {
    return action(store);
  } finally {
    store.close();
  }
}

const championRefusal = () =>
  withStore((store) => {
    try {
      new ModelRegistry(store.db).setAlias(fixture.model, 'champion', '1');
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  });

describe('mldesk bundle review', () => {
  it('writes a signed review file with comments on a run, a metric step, an artifact and a version', async () => {
    const file = join(out, 'bob.mldesk-review');
    const result = await review([
      '--comment', `run:${fixture.runA}=Solid baseline.`,
      '--comment', `metric:${fixture.runA}/loss@2=Flattens = converged?`,
      '--comment', `artifact:${fixture.runB}/plots/confusion.txt=Only one class?`,
      '--comment', `version:${fixture.model}/1=Ready.`,
      '--approve', '--approve-version', `${fixture.model}/1`, '--name', 'Bob', '-o', file, '--json',
    ]); // prettier-ignore
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as { comments: number; decision: string; reviewer: { fingerprint: string } };
    expect(summary).toMatchObject({ comments: 4, decision: 'approve', reviewer: { fingerprint: loadSigningIdentity(reviewerHome).signer.fingerprint } });
    const read = await readReviewFile(file);
    expect(read.document.comments.map((c) => [c.target.kind, c.text])).toEqual([
      ['run', 'Solid baseline.'],
      ['metric', 'Flattens = converged?'],
      ['artifact', 'Only one class?'],
      ['version', 'Ready.'],
    ]);
    expect(read.document.comments[1]!.target).toMatchObject({ key: 'loss', step: 2 });
    expect(read.document.versionDecisions).toEqual([{ name: fixture.model, version: '1', runId: fixture.runA, decision: 'approve' }]);
    expect(read.document.reviewer.name).toBe('Bob');
  });

  it('exits 2 naming the --comment whose target is not in the bundle or is malformed, and writes nothing', async () => {
    const file = join(out, 'bad.mldesk-review');
    const ghost = await review(['--comment', `run:${fixture.runA}=ok`, '--comment', `metric:${fixture.runB}/f1=where?`, '-o', file]);
    expect(ghost.code).toBe(2);
    expect(ghost.stderr).toContain(`--comment 'metric:${fixture.runB}/f1=where?': metric:${fixture.runB}/f1: run ${fixture.runB} has no metric 'f1' in the bundle`);
    const syntax = await review(['--comment', 'runs:abc=x', '-o', file]);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toContain("--comment 'runs:abc': unknown kind 'runs'");
    const traversal = await review(['--comment', `artifact:${fixture.runA}/../../etc/passwd=x`, '-o', file]);
    expect(traversal.code).toBe(2);
    expect(traversal.stderr).toContain("path: must be a relative path inside the run's artifacts");
    const version = await review(['--approve-version', `${fixture.model}/9`, '-o', file]);
    expect(version.code).toBe(2);
    expect(version.stderr).toContain(`--approve-version '${fixture.model}/9': version:${fixture.model}/9: the bundle has no version 9`);
    const both = await review(['--approve', '--request-changes', '-o', file]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--approve and --request-changes exclude each other');
    expect(existsSync(file)).toBe(false);
  });

  it('exits 1 for a bundle that does not verify and 2 for a file that is no bundle', async () => {
    const bytes = readFileSync(bundle);
    // The fixture stores entries uncompressed: change one byte of an artifact.
    const at = bytes.indexOf(Buffer.from('setosa 10'));
    expect(at).toBeGreaterThan(0);
    bytes[at] = bytes[at]! ^ 0x01;
    const tampered = join(out, 'tampered.mldesk');
    writeFileSync(tampered, bytes);
    const bad = await runCli(['bundle', 'review', tampered, '--data-dir', reviewerHome, '--comment', `run:${fixture.runA}=x`, '-o', join(out, 't.mldesk-review')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('the bundle does not verify');
    const text = join(out, 'notes.txt');
    writeFileSync(text, 'not a zip');
    const notBundle = await runCli(['bundle', 'review', text, '--data-dir', reviewerHome, '-o', join(out, 'n.mldesk-review')]);
    expect(notBundle.code).toBe(2);
    expect(notBundle.stderr).toContain('not a zip archive');
  });
});

describe('mldesk review import', () => {
  it('imports the review, shows it untrusted (champion refused); after trusting the key a re-import counts the approval, without duplicates', async () => {
    const file = join(out, 'bob.mldesk-review');
    const first = await runCli(['review', 'import', file, '--data-dir', authorDir, '--json']);
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout) as ReviewImportReport;
    expect(report).toMatchObject({ alreadyImported: false, newComments: 4, missing: [], reviewer: { displayName: 'Bob', trusted: false } });
    expect(report.versionDecisions[0]).toMatchObject({ counted: false, reason: expect.stringContaining('not trusted') });
    expect(championRefusal()).toMatch(/cannot become champion/);

    const text = await runCli(['review', 'import', file, '--data-dir', authorDir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("Already imported the review by 'Bob' (not trusted: unverified name)");

    withStore((store) => new TrustedKeys(store.db).add('bob-qa', loadSigningIdentity(reviewerHome).signer.publicKey));
    const trusted = await runCli(['review', 'import', file, '--data-dir', authorDir]);
    expect(trusted.code).toBe(0);
    expect(trusted.stdout).toContain("by 'bob-qa' (trusted key)");
    expect(trusted.stdout).toContain(`Approval of ${fixture.model} version 1: counts for the champion gate.`);
    expect(championRefusal()).toBeNull();
    expect(withStore((store) => store.db.prepare('SELECT count(*) AS n FROM review_comments').get())).toEqual({ n: 4 });
  });

  it('exits 1 for a tampered review and 2 for a file that is no review', async () => {
    const bytes = readFileSync(join(out, 'bob.mldesk-review'));
    bytes[50] = bytes[50]! ^ 0xff;
    const tampered = join(out, 'tampered.mldesk-review');
    writeFileSync(tampered, bytes);
    const bad = await runCli(['review', 'import', tampered, '--data-dir', authorDir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/mldesk review import: review\.json/);
    const wrong = await runCli(['review', 'import', bundle, '--data-dir', authorDir]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('this is a bundle, not a review');
    const missing = await runCli(['review', 'import', join(out, 'nope.mldesk-review'), '--data-dir', authorDir]);
    expect(missing.code).toBe(2);
  });
});
