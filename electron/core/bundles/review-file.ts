import { createHash } from 'node:crypto';
import type { Manifest } from '../../../shared/bundles.js';
import { REVIEW_ENTRY_PATH, REVIEW_LIMITS, ReviewDocumentSchema, describeIssues, type ReviewDocument, type ReviewDocumentInput, type ReviewMeta } from '../../../shared/reviews.js';
import { mldeskPackage } from '../lineage/environment.js';
import { ArchiveError, openSignedArchive } from './archive-reader.js';
import { writeSignedArchive } from './archive-writer.js';
import { canonicalJson } from './canonical-json.js';
import type { SigningIdentity } from './signing-identity.js';

/**
 * The SHA-256 that names an archive: of its manifest as canonical JSON, which is exactly the bytes
 * writeSignedArchive signs and stores, so it equals the hash of manifest.json for MLDesk's archives.
 */
export function manifestSha256(manifest: Manifest): string {
  return createHash('sha256').update(canonicalJson(manifest)).digest('hex');
}

export function appVersion(): string {
  return mldeskPackage().version ?? 'unknown';
}

/** Writes a review file (temp file renamed into place), signed with the reviewer's key. The document is checked first. */
export async function writeReviewFile(out: string, input: ReviewDocumentInput, identity: SigningIdentity): Promise<{ manifest: Manifest; manifestSha256: string; document: ReviewDocument }> {
  const parsed = ReviewDocumentSchema.safeParse(input);
  if (!parsed.success) throw new ReviewFileError(`the review is not valid: ${describeIssues(parsed.error)}`);
  const document = parsed.data;
  const meta: ReviewMeta = {
    bundleManifestSha256: document.bundle.manifestSha256,
    reviewerName: document.reviewer.name,
    decision: document.decision,
    comments: document.comments.length,
    versionDecisions: document.versionDecisions.length,
  };
  const { manifest } = await writeSignedArchive(out, {
    kind: 'review',
    meta: { ...meta },
    identity,
    appVersion: appVersion(),
    entries: [{ path: REVIEW_ENTRY_PATH, data: canonicalJson(document) }],
  });
  return { manifest, manifestSha256: manifestSha256(manifest), document };
}

/** A signed review whose content is not a review MLDesk accepts (a field out of its limits, a bad target). */
export class ReviewFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReviewFileError';
  }
}

export interface ReadReview {
  manifest: Manifest;
  manifestSha256: string;
  document: ReviewDocument;
}

// A review is one small JSON entry: a big archive is refused before reading it (a few entries more let a
// small bundle or package given by mistake reach the kind check, which names what it is).
const REVIEW_ARCHIVE_LIMITS = { maxEntries: 16, maxTotalBytes: REVIEW_LIMITS.documentBytes + 1024 * 1024, maxManifestBytes: 64 * 1024 };

/**
 * Opens and checks a review file: structure, signature, the one entry's hash, and review.json
 * against its schema. Throws ArchiveError (not an archive, tampered) or ReviewFileError (content).
 */
export async function readReviewFile(file: string): Promise<ReadReview> {
  const reader = await openSignedArchive(file, { kind: 'review', limits: REVIEW_ARCHIVE_LIMITS });
  try {
    const { manifest } = reader;
    const extra = manifest.entries.find((e) => e.path !== REVIEW_ENTRY_PATH);
    if (extra) throw new ArchiveError(extra.path, `a review file holds only ${REVIEW_ENTRY_PATH}`);
    if (!reader.has(REVIEW_ENTRY_PATH)) throw new ArchiveError(REVIEW_ENTRY_PATH, 'is missing from the review file');
    const bytes = await reader.read(REVIEW_ENTRY_PATH);
    if (bytes.length > REVIEW_LIMITS.documentBytes) throw new ReviewFileError(`${REVIEW_ENTRY_PATH} is ${bytes.length} bytes, at most ${REVIEW_LIMITS.documentBytes} are allowed`);
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      throw new ReviewFileError(`${REVIEW_ENTRY_PATH} is not valid JSON (${(error as Error).message})`);
    }
    const parsed = ReviewDocumentSchema.safeParse(json);
    if (!parsed.success) throw new ReviewFileError(`${REVIEW_ENTRY_PATH}: ${describeIssues(parsed.error)}`);
    return { manifest, manifestSha256: manifestSha256(manifest), document: parsed.data };
  } finally {
    reader.close();
  }
}
