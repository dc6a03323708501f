import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BundleMetaSchema } from '../../../shared/bundles.js';
import {
  EMPTY_DRAFT,
  ReviewDraftSchema,
  REVIEW_LIMITS,
  describeIssues,
  type ReviewDecision,
  type ReviewDocumentInput,
  type ReviewDraft,
  type ReviewTargetInput,
  ReviewTargetSchema,
  type VersionDecision,
} from '../../../shared/reviews.js';
import { invalidParameter, notFound } from '../errors.js';
import type { SqliteDatabase } from '../store/database.js';
import type { OpenBundleContext } from './open-bundle.js';
import { resolveTarget, type ReviewableBundle } from './review-targets.js';
import { writeReviewFile } from './review-file.js';
import { loadSigningIdentity } from './signing-identity.js';

function draftFile(homeDataDir: string, bundleSha256: string): string {
  // The name comes from the bundle's own hash, never from a caller: check it anyway.
  if (!/^[0-9a-f]{64}$/.test(bundleSha256)) throw new Error(`not a manifest SHA-256: '${bundleSha256}'`);
  return join(homeDataDir, 'reviews', 'drafts', `${bundleSha256}.json`);
}

/** The draft for a bundle, empty when none was started. A damaged draft is refused (naming the file), never silently replaced. */
export function readDraft(homeDataDir: string, bundleSha256: string): ReviewDraft {
  const file = draftFile(homeDataDir, bundleSha256);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(EMPTY_DRAFT);
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalidParameter(`The review draft ${file} is not valid JSON (${(error as Error).message}); move it away to start a new draft.`);
  }
  const parsed = ReviewDraftSchema.safeParse(json);
  if (!parsed.success) throw invalidParameter(`The review draft ${file} is damaged (${describeIssues(parsed.error)}); move it away to start a new draft.`);
  return parsed.data;
}

/** Written to a temp file and renamed: a crash leaves the previous draft, never half of one. */
export function writeDraft(homeDataDir: string, bundleSha256: string, draft: ReviewDraft): ReviewDraft {
  const parsed = ReviewDraftSchema.safeParse(draft);
  if (!parsed.success) throw invalidParameter(`Invalid review draft: ${describeIssues(parsed.error)}.`);
  const file = draftFile(homeDataDir, bundleSha256);
  mkdirSync(join(homeDataDir, 'reviews', 'drafts'), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, JSON.stringify(parsed.data, null, 2));
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  return parsed.data;
}

export interface DraftUpdate {
  reviewerName?: string;
  decision?: ReviewDecision;
  versionDecisions?: VersionDecision[];
}

/** The review of the opened bundle, as the app edits it: every change checked, then saved to the draft file. */
export class ReviewDrafts {
  private readonly bundle: ReviewableBundle;

  constructor(
    private readonly context: OpenBundleContext,
    db: SqliteDatabase,
  ) {
    const meta = BundleMetaSchema.safeParse(context.manifest.meta);
    if (!meta.success) throw invalidParameter(`This bundle cannot be reviewed: its manifest's meta is not a bundle summary (${describeIssues(meta.error)}).`);
    this.bundle = { db, manifest: context.manifest, manifestSha256: context.manifestSha256, meta: meta.data };
  }

  get meta(): ReviewableBundle['meta'] {
    return this.bundle.meta;
  }

  get signerName(): string {
    return loadSigningIdentity(this.context.homeDataDir).signer.name;
  }

  get(): ReviewDraft {
    return readDraft(this.context.homeDataDir, this.context.manifestSha256);
  }

  private save(draft: ReviewDraft): ReviewDraft {
    return writeDraft(this.context.homeDataDir, this.context.manifestSha256, { ...draft, updatedTime: Date.now() });
  }

  addComment(targetInput: ReviewTargetInput, text: string): ReviewDraft {
    const parsedTarget = ReviewTargetSchema.safeParse(targetInput);
    if (!parsedTarget.success) throw invalidParameter(`Invalid value for 'target': ${describeIssues(parsedTarget.error)}.`);
    const resolved = resolveTarget(this.bundle, parsedTarget.data);
    if ('problem' in resolved) throw notFound(`Invalid value for 'target': ${resolved.problem}.`);
    const draft = this.get();
    if (draft.comments.length >= REVIEW_LIMITS.comments) throw invalidParameter(`Invalid value for 'comments': a review holds at most ${REVIEW_LIMITS.comments} comments.`);
    draft.comments.push({ id: randomUUID(), target: resolved.target, text: text.trim(), time: Date.now() });
    return this.save(draft);
  }

  removeComment(id: string): ReviewDraft {
    const draft = this.get();
    const kept = draft.comments.filter((c) => c.id !== id);
    if (kept.length === draft.comments.length) throw notFound(`No comment '${id}' in this review draft.`);
    return this.save({ ...draft, comments: kept });
  }

  update(update: DraftUpdate): ReviewDraft {
    const draft = this.get();
    const versionDecisions = update.versionDecisions?.map((d) => {
      const resolved = resolveTarget(this.bundle, { kind: 'version', name: d.name, version: d.version, runId: null });
      if ('problem' in resolved) throw notFound(`Invalid value for 'versionDecisions': ${resolved.problem}.`);
      return { ...d, runId: resolved.target.kind === 'version' ? resolved.target.runId : null };
    });
    return this.save({
      ...draft,
      reviewerName: update.reviewerName ?? draft.reviewerName,
      decision: update.decision ?? draft.decision,
      versionDecisions: versionDecisions ?? draft.versionDecisions,
    });
  }

  /** The draft as a review document (what the file will hold). */
  document(draft: ReviewDraft = this.get()): ReviewDocumentInput {
    return {
      format: 'mldesk-review',
      formatVersion: 1,
      bundle: { manifestSha256: this.context.manifestSha256, signerFingerprint: this.context.manifest.signer.fingerprint, experiments: this.bundle.meta.experiments.map((e) => e.name) },
      reviewer: { name: draft.reviewerName || this.signerName },
      decision: draft.decision,
      versionDecisions: draft.versionDecisions,
      comments: draft.comments.map(({ target, text, time }) => ({ target, text, time })),
      createdTime: Date.now(),
    };
  }

  /**
   * Signs the review with the reviewer's key and keeps a copy under `<home>/reviews/sent/`; answers
   * the file's name and bytes (the browser downloads them; nothing is written where a caller says).
   */
  async writeFile(): Promise<{ fileName: string; bytes: Buffer; file: string; manifestSha256: string }> {
    const dir = join(this.context.homeDataDir, 'reviews', 'sent');
    mkdirSync(dir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const fileName = `review-${this.context.manifestSha256.slice(0, 12)}-${stamp}.mldesk-review`;
    const file = join(dir, fileName);
    const written = await writeReviewFile(file, this.document(), loadSigningIdentity(this.context.homeDataDir));
    return { fileName, bytes: readFileSync(file), file, manifestSha256: written.manifestSha256 };
  }
}
