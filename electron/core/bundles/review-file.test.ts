import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReviewDocumentInput } from '../../../shared/reviews.js';
import { writeSignedArchive } from './archive-writer.js';
import { canonicalJson } from './canonical-json.js';
import { runReviewComments, versionReviewComments } from './review-comments.js';
import { readReviewFile, writeReviewFile } from './review-file.js';
import { uncountedReviewApprovals } from './review-gate.js';
import { loadSigningIdentity } from './signing-identity.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mldesk-review-file-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const RUN = '0123456789abcdef0123456789abcdef';
const document: ReviewDocumentInput = {
  format: 'mldesk-review',
  formatVersion: 1,
  bundle: { manifestSha256: 'b'.repeat(64), signerFingerprint: `SHA256:${'B'.repeat(43)}`, experiments: ['e'] },
  reviewer: { name: 'Eve' },
  decision: 'comment',
  versionDecisions: [],
  comments: [{ target: { kind: 'run', runId: RUN }, text: 'hi', time: 1 }],
  createdTime: 1,
};

describe('review files', () => {
  it('round-trips a review; the writer refuses an invalid one naming the field and writes nothing', async () => {
    const dir = tempDir();
    const identity = loadSigningIdentity(dir, 'eve');
    const file = join(dir, 'ok.mldesk-review');
    const written = await writeReviewFile(file, document, identity);
    const read = await readReviewFile(file);
    expect(read.manifestSha256).toBe(written.manifestSha256);
    expect(read.manifest.meta).toEqual({ bundleManifestSha256: 'b'.repeat(64), reviewerName: 'Eve', decision: 'comment', comments: 1, versionDecisions: 0 });
    await expect(writeReviewFile(join(dir, 'bad.mldesk-review'), { ...document, reviewer: { name: '' } }, identity)).rejects.toThrow('reviewer.name: cannot be empty');
  });

  it('refuses signed archives that are not acceptable reviews: another entry, a document out of its limits, another kind', async () => {
    const dir = tempDir();
    const identity = loadSigningIdentity(dir, 'mallory');
    const write = (name: string, kind: 'review' | 'package', entries: Array<{ path: string; data: string }>) =>
      writeSignedArchive(join(dir, name), { kind, meta: {}, identity, appVersion: 'test', entries }).then(() => join(dir, name));
    const extra = await write('extra.mldesk-review', 'review', [{ path: 'review.json', data: canonicalJson(document) }, { path: 'payload.sh', data: 'rm -rf /' }]);
    await expect(readReviewFile(extra)).rejects.toThrow('payload.sh: a review file holds only review.json');
    const long = await write('long.mldesk-review', 'review', [{ path: 'review.json', data: canonicalJson({ ...document, comments: [{ ...document.comments[0], text: 'x'.repeat(5000) }] }) }]);
    await expect(readReviewFile(long)).rejects.toThrow('review.json: comments[0].text: is at most 4000 characters');
    const traversal = await write('dots.mldesk-review', 'review', [{ path: 'review.json', data: canonicalJson({ ...document, comments: [{ target: { kind: 'artifact', runId: RUN, path: '../../secret' }, text: 'x', time: 1 }] }) }]);
    await expect(readReviewFile(traversal)).rejects.toThrow("comments[0].target.path: must be a relative path inside the run's artifacts");
    const notJson = await write('junk.mldesk-review', 'review', [{ path: 'review.json', data: '{oops' }]);
    await expect(readReviewFile(notJson)).rejects.toThrow('review.json is not valid JSON');
    const pkg = await write('x.mldesk-package', 'package', [{ path: 'review.json', data: canonicalJson(document) }]);
    await expect(readReviewFile(pkg)).rejects.toThrow('this is a package, not a review');
  });
});

describe('a store without the review tables', () => {
  it('(a bundle from an older MLDesk, opened read-only) reads as having no reviews instead of failing', () => {
    const db = new Database(':memory:');
    try {
      expect(runReviewComments(db, RUN)).toEqual([]);
      expect(versionReviewComments(db, 'iris', '1')).toEqual({ comments: [], decisions: [] });
      expect(uncountedReviewApprovals(db, { name: 'iris', version: 1 })).toBeNull();
    } finally {
      db.close();
    }
  });
});
