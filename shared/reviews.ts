import { z } from 'zod';

/**
 * Review files (issue 14): a reviewer's comments and decisions on an experiment bundle, sent back to
 * its author as a small signed archive (kind 'review', `.mldesk-review`) holding one entry,
 * `review.json` (a ReviewDocument). Pure zod schemas and functions: no Node, no DOM.
 */

export const REVIEW_ENTRY_PATH = 'review.json';

/** Limits a review file must keep (a review is small: hostile or runaway files are refused whole). */
export const REVIEW_LIMITS = {
  textChars: 4000,
  comments: 500,
  versionDecisions: 200,
  nameChars: 200,
  /** review.json itself, before parsing. */
  documentBytes: 4 * 1024 * 1024,
} as const;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits (a SHA-256)');
const runIdField = z.string().min(1, 'is required').max(64, 'is at most 64 characters').regex(/^[\w-]+$/, 'must be a run id (letters, digits, _ and -)');
const versionField = z.string().regex(/^[1-9]\d{0,8}$/, 'must be a version number (1, 2, ...)');
const modelNameField = z.string().trim().min(1, 'is required').max(256, 'is at most 256 characters');

/** What a comment is about: a run, one of its metrics (optionally a step), an artifact, or a model version. */
export const ReviewTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('run'), runId: runIdField }),
  z.object({
    kind: z.literal('metric'),
    runId: runIdField,
    key: z.string().min(1, 'is required').max(250, 'is at most 250 characters'),
    step: z.number().int('must be a whole number').nonnegative('must be 0 or more').nullable().default(null),
  }),
  z.object({
    kind: z.literal('artifact'),
    runId: runIdField,
    path: z
      .string()
      .min(1, 'is required')
      .max(1024, 'is at most 1024 characters')
      .refine((p) => !p.startsWith('/') && !p.includes('\\') && !p.includes('\0') && p.split('/').every((s) => s !== '' && s !== '.' && s !== '..'), "must be a relative path inside the run's artifacts (no '..', no leading '/')"),
  }),
  z.object({
    kind: z.literal('version'),
    name: modelNameField,
    version: versionField,
    /** The run the version was registered from, as the bundle says: the author matches versions by name and run. */
    runId: runIdField.nullable().default(null),
  }),
]);
export type ReviewTarget = z.infer<typeof ReviewTargetSchema>;
export type ReviewTargetInput = z.input<typeof ReviewTargetSchema>;

export const REVIEW_DECISIONS = ['approve', 'request_changes', 'comment'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];
export const VERSION_DECISIONS = ['approve', 'request_changes'] as const;

export const ReviewCommentSchema = z.object({
  target: ReviewTargetSchema,
  text: z.string().trim().min(1, 'cannot be empty').max(REVIEW_LIMITS.textChars, `is at most ${REVIEW_LIMITS.textChars} characters`),
  time: z.number().int().nonnegative(),
});
export type ReviewComment = z.infer<typeof ReviewCommentSchema>;

export const VersionDecisionSchema = z.object({
  name: modelNameField,
  version: versionField,
  runId: runIdField.nullable().default(null),
  decision: z.enum(VERSION_DECISIONS),
});
export type VersionDecision = z.infer<typeof VersionDecisionSchema>;

const reviewerName = z.string().trim().min(1, 'cannot be empty').max(REVIEW_LIMITS.nameChars, `is at most ${REVIEW_LIMITS.nameChars} characters`);

/** review.json: which bundle, who (as they call themselves; the signature says which key), what they decided and said. */
export const ReviewDocumentSchema = z
  .object({
    format: z.literal('mldesk-review'),
    formatVersion: z.literal(1),
    bundle: z.object({
      /** SHA-256 of the reviewed bundle's manifest.json: names exactly the bundle that was read. */
      manifestSha256: sha256Hex,
      signerFingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'must be a key fingerprint (SHA256:...)'),
      experiments: z.array(z.string().max(500)).max(1000),
    }),
    reviewer: z.object({ name: reviewerName }),
    decision: z.enum(REVIEW_DECISIONS),
    versionDecisions: z.array(VersionDecisionSchema).max(REVIEW_LIMITS.versionDecisions, `holds at most ${REVIEW_LIMITS.versionDecisions} decisions`),
    comments: z.array(ReviewCommentSchema).max(REVIEW_LIMITS.comments, `holds at most ${REVIEW_LIMITS.comments} comments`),
    createdTime: z.number().int().nonnegative(),
  })
  .superRefine((doc, ctx) => {
    const seen = new Set<string>();
    doc.versionDecisions.forEach((d, i) => {
      const key = `${d.name}\u0000${d.version}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['versionDecisions', i], message: `decides ${d.name} version ${d.version} twice` });
      seen.add(key);
    });
  });
export type ReviewDocument = z.infer<typeof ReviewDocumentSchema>;
export type ReviewDocumentInput = z.input<typeof ReviewDocumentSchema>;

/** One line per problem, each naming its field (`comments[3].text: is at most 4000 characters`). */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
      return field ? `${field}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/**
 * The headless target syntax (`mldesk bundle review --comment TARGET=TEXT`):
 *   run:<runId>                   metric:<runId>/<key>[@<step>]
 *   artifact:<runId>/<path>       version:<name>/<version>
 * Run ids hold no '/', so the first '/' ends one; a metric key or artifact path may hold '/'; a
 * model name may too, so the last '/' starts the version. The first '=' ends the target.
 */
export function parseTargetSpec(spec: string): ReviewTarget {
  const colon = spec.indexOf(':');
  if (colon < 0) throw new Error(`'${spec}' has no kind: expected run:, metric:, artifact: or version:`);
  const kind = spec.slice(0, colon);
  const rest = spec.slice(colon + 1);
  const firstSlash = rest.indexOf('/');
  let input: unknown;
  if (kind === 'run') input = { kind, runId: rest };
  else if (kind === 'metric' || kind === 'artifact') {
    if (firstSlash < 0) throw new Error(`'${spec}' needs ${kind === 'metric' ? '<runId>/<key>' : '<runId>/<path>'}`);
    const runId = rest.slice(0, firstSlash);
    const tail = rest.slice(firstSlash + 1);
    if (kind === 'artifact') input = { kind, runId, path: tail };
    else {
      const at = /^(.*)@(\d+)$/.exec(tail);
      input = at ? { kind, runId, key: at[1], step: Number(at[2]) } : { kind, runId, key: tail };
    }
  } else if (kind === 'version') {
    const lastSlash = rest.lastIndexOf('/');
    if (lastSlash < 0) throw new Error(`'${spec}' needs <name>/<version>`);
    input = { kind, name: rest.slice(0, lastSlash), version: rest.slice(lastSlash + 1) };
  } else throw new Error(`'${spec}': unknown kind '${kind}' (expected run, metric, artifact or version)`);
  const parsed = ReviewTargetSchema.safeParse(input);
  if (!parsed.success) throw new Error(`'${spec}': ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** `run:…=text` → the target and the text. */
export function parseCommentSpec(spec: string): { target: ReviewTarget; text: string } {
  const eq = spec.indexOf('=');
  if (eq < 0) throw new Error(`'${spec}' has no '=': write TARGET=TEXT, e.g. run:<id>=Looks good`);
  const target = parseTargetSpec(spec.slice(0, eq));
  const text = spec.slice(eq + 1).trim();
  if (text === '') throw new Error(`'${spec}': the comment text after '=' is empty`);
  if (text.length > REVIEW_LIMITS.textChars) throw new Error(`'${spec.slice(0, 60)}…': the text is ${text.length} characters, at most ${REVIEW_LIMITS.textChars} are allowed`);
  return { target, text };
}

/** The target in the headless syntax (also how the UI names it). */
export function formatTarget(target: ReviewTarget): string {
  switch (target.kind) {
    case 'run':
      return `run:${target.runId}`;
    case 'metric':
      return `metric:${target.runId}/${target.key}${target.step === null ? '' : `@${target.step}`}`;
    case 'artifact':
      return `artifact:${target.runId}/${target.path}`;
    case 'version':
      return `version:${target.name}/${target.version}`;
  }
}

/** What a review file's manifest `meta` says (a summary; review.json is what counts). */
export interface ReviewMeta {
  bundleManifestSha256: string;
  reviewerName: string;
  decision: ReviewDecision;
  comments: number;
  versionDecisions: number;
}

/**
 * A review in progress in the app over a bundle, kept in the reviewer's own data dir
 * (`reviews/drafts/<bundle manifest sha256>.json`), never in the read-only bundle.
 */
export const ReviewDraftSchema = z.object({
  /** Empty: the signing key's own name. */
  reviewerName: z.string().trim().max(REVIEW_LIMITS.nameChars, `is at most ${REVIEW_LIMITS.nameChars} characters`),
  decision: z.enum(REVIEW_DECISIONS),
  versionDecisions: z.array(VersionDecisionSchema).max(REVIEW_LIMITS.versionDecisions),
  comments: z.array(ReviewCommentSchema.extend({ id: z.string().regex(/^[\w-]{1,64}$/) })).max(REVIEW_LIMITS.comments, `holds at most ${REVIEW_LIMITS.comments} comments`),
  updatedTime: z.number().int().nonnegative(),
});
export type ReviewDraft = z.infer<typeof ReviewDraftSchema>;

export const EMPTY_DRAFT: ReviewDraft = { reviewerName: '', decision: 'comment', versionDecisions: [], comments: [], updatedTime: 0 };
