import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OperationOutput, OperationParsedInput } from '../../shared/app-api/operations.js';
import { ArchiveError } from '../core/bundles/archive-reader.js';
import { runReviewComments, versionReviewComments } from '../core/bundles/review-comments.js';
import { ReviewDrafts } from '../core/bundles/review-drafts.js';
import { ReviewFileError } from '../core/bundles/review-file.js';
import { importReviewFile } from '../core/bundles/review-import.js';
import { loadSigningIdentity } from '../core/bundles/signing-identity.js';
import { invalidParameter, notFound, permissionDenied } from '../core/errors.js';
import type { Services } from '../core/services.js';

type ReviewOperation =
  | 'reviews.draft'
  | 'reviews.draft.addComment'
  | 'reviews.draft.removeComment'
  | 'reviews.draft.update'
  | 'reviews.draft.save'
  | 'reviews.import'
  | 'reviews.comments';
type Handler<K extends ReviewOperation> = (input: OperationParsedInput<K>) => Promise<OperationOutput<K>> | OperationOutput<K>;

/** Review panel over an opened bundle, and review files imported on the author's side (shared/app-api/reviews.ts). */
export function createReviewHandlers(services: Pick<Services, 'store' | 'bundle'>): { [K in ReviewOperation]: Handler<K> } {
  const { store, bundle } = services;
  let drafts: ReviewDrafts | null = null;
  const draftsOf = (): ReviewDrafts => {
    if (!bundle) throw notFound('No bundle is open: reviews are written in a bundle opened with `mldesk bundle open` (or File → Open).');
    drafts ??= new ReviewDrafts(bundle, store.db);
    return drafts;
  };
  return {
    'reviews.draft': () => {
      if (!bundle) return { review: null };
      const key = loadSigningIdentity(bundle.homeDataDir).signer;
      const drafts = draftsOf();
      return {
        review: {
          bundleManifestSha256: bundle.manifestSha256,
          bundleSigner: bundle.manifest.signer,
          meta: drafts.meta,
          reviewerKey: { fingerprint: key.fingerprint, name: key.name },
          draft: drafts.get(),
        },
      };
    },
    'reviews.draft.addComment': ({ target, text }) => ({ draft: draftsOf().addComment(target, text) }),
    'reviews.draft.removeComment': ({ id }) => ({ draft: draftsOf().removeComment(id) }),
    'reviews.draft.update': (update) => ({ draft: draftsOf().update(update) }),
    'reviews.draft.save': async () => {
      try {
        const { fileName, bytes, manifestSha256 } = await draftsOf().writeFile();
        return { fileName, base64: bytes.toString('base64'), manifestSha256 };
      } catch (error) {
        if (error instanceof ReviewFileError) throw invalidParameter(`Cannot save the review: ${error.message}.`);
        throw error;
      }
    },
    'reviews.import': async ({ fileBase64 }) => {
      if (bundle) throw permissionDenied('This is a bundle opened read-only: import the review file in your own data directory.');
      // The reader works on files (the zip's directory is at its end): the bytes go to a private temp dir first.
      const dir = mkdtempSync(join(tmpdir(), 'mldesk-review-import-'));
      try {
        const file = join(dir, 'review.mldesk-review');
        writeFileSync(file, Buffer.from(fileBase64, 'base64'), { mode: 0o600 });
        return await importReviewFile(store.db, store.dataDir, file);
      } catch (error) {
        if (error instanceof ArchiveError || error instanceof ReviewFileError) throw invalidParameter(`Field 'fileBase64': not an acceptable review file: ${error.message}.`);
        throw error;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    'reviews.comments': (input) => ('runId' in input ? { comments: runReviewComments(store.db, input.runId), decisions: [] } : versionReviewComments(store.db, input.name, input.version)),
  };
}
