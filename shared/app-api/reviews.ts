import { z } from 'zod';
import { BundleMetaSchema, SignerSchema } from '../bundles.js';
import { REVIEW_DECISIONS, REVIEW_LIMITS, ReviewDraftSchema, ReviewTargetSchema, VERSION_DECISIONS } from '../reviews.js';

/**
 * Reviews in the app API: the review panel over an opened bundle (a draft kept in the reviewer's
 * own data dir, saved as a signed review file) and, on the author's side, importing a review file
 * and showing its comments on runs and model versions.
 */

/** Who wrote a review: the signing key, and whether this installation trusts it (looked up when shown). */
export const ReviewerSchema = z.object({
  /** The name the reviewer gave in the file: unverified unless the key is trusted. */
  displayName: z.string(),
  fingerprint: z.string(),
  trusted: z.boolean(),
  /** The local name of the trusted key, null when not trusted. */
  trustedName: z.string().nullable(),
});
export type Reviewer = z.infer<typeof ReviewerSchema>;

export const StoredReviewCommentSchema = z.object({
  id: z.number(),
  target: ReviewTargetSchema,
  text: z.string(),
  time: z.number(),
  reviewer: ReviewerSchema,
  /** The review's overall decision, shown beside its comments. */
  reviewDecision: z.enum(REVIEW_DECISIONS),
});
export type StoredReviewComment = z.infer<typeof StoredReviewCommentSchema>;

export const StoredVersionDecisionSchema = z.object({
  name: z.string(),
  version: z.string(),
  decision: z.enum(VERSION_DECISIONS),
  /** Recorded as a review of the version (the champion gate counts it): only from a trusted key. */
  counted: z.boolean(),
  reviewer: ReviewerSchema,
  time: z.number(),
});
export type StoredVersionDecision = z.infer<typeof StoredVersionDecisionSchema>;

export const ReviewImportReportSchema = z.object({
  manifestSha256: z.string(),
  /** The same file was imported before: no comment was added twice. */
  alreadyImported: z.boolean(),
  reviewer: ReviewerSchema.extend({ ownKey: z.boolean() }),
  decision: z.enum(REVIEW_DECISIONS),
  bundleManifestSha256: z.string(),
  comments: z.number(),
  newComments: z.number(),
  /** Targets (runs, metrics, versions) the review names that this store does not have, each a sentence. */
  missing: z.array(z.string()),
  versionDecisions: z.array(z.object({ name: z.string(), version: z.string(), decision: z.enum(VERSION_DECISIONS), counted: z.boolean(), reason: z.string().nullable() })),
  warnings: z.array(z.string()),
});
export type ReviewImportReport = z.infer<typeof ReviewImportReportSchema>;

const draftOutput = z.object({ draft: ReviewDraftSchema });

/** Merged into the operation map (operations.ts). */
export const reviewOperations = {
  /** The review of the opened bundle: null when the app does not run over a bundle. */
  'reviews.draft': {
    input: z.object({}),
    output: z.object({
      review: z
        .object({
          bundleManifestSha256: z.string(),
          bundleSigner: SignerSchema,
          meta: BundleMetaSchema,
          /** The reviewer's own key, which signs the review file. */
          reviewerKey: z.object({ fingerprint: z.string(), name: z.string() }),
          draft: ReviewDraftSchema,
        })
        .nullable(),
    }),
  },
  'reviews.draft.addComment': {
    input: z.object({ target: ReviewTargetSchema, text: z.string().trim().min(1, 'cannot be empty').max(REVIEW_LIMITS.textChars, `is at most ${REVIEW_LIMITS.textChars} characters`) }),
    output: draftOutput,
  },
  'reviews.draft.removeComment': { input: z.object({ id: z.string().min(1, 'is required').max(64) }), output: draftOutput },
  'reviews.draft.update': {
    input: z.object({
      reviewerName: z.string().trim().max(REVIEW_LIMITS.nameChars, `is at most ${REVIEW_LIMITS.nameChars} characters`).optional(),
      decision: z.enum(REVIEW_DECISIONS).optional(),
      versionDecisions: ReviewDraftSchema.shape.versionDecisions.optional(),
    }),
    output: draftOutput,
  },
  /** Signs the draft as a review file; answers its bytes (base64) for the browser to download. */
  'reviews.draft.save': { input: z.object({}), output: z.object({ fileName: z.string(), base64: z.string(), manifestSha256: z.string() }) },
  /** Imports a review file (dropped on the app or picked), given as base64. */
  'reviews.import': {
    input: z.object({
      fileBase64: z
        .string()
        .min(1, 'is required')
        .max(8 * 1024 * 1024, 'is larger than a review file can be (8 MiB of base64)')
        .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64'),
    }),
    output: ReviewImportReportSchema,
  },
  /** Imported review comments on a run (its metrics and artifacts too) or on a model version. */
  'reviews.comments': {
    input: z.union([z.object({ runId: z.string().min(1, 'is required') }), z.object({ name: z.string().min(1, 'is required'), version: z.string().regex(/^[1-9]\d*$/, 'must be a version number') })]),
    output: z.object({ comments: z.array(StoredReviewCommentSchema), decisions: z.array(StoredVersionDecisionSchema) }),
  },
} as const;
