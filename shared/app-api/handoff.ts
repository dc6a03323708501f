import { z } from 'zod';
import { versionNumber } from './fields.js';

/**
 * Handoff packages (issue 14): an approved model version as one signed `.mldesk-package` file that
 * operations verify and serve on a machine that never saw the author's data dir. The package's
 * layout, its manifest `meta`, its model card, and the app's Handoff tab. Pure zod: no Node, no DOM.
 */

/** Entry paths inside a package (the model's own files go under PACKAGE_MODEL_PREFIX). */
export const PACKAGE_PATHS = {
  modelPrefix: 'model/',
  cardMarkdown: 'model-card.md',
  cardJson: 'model-card.json',
  lineage: 'lineage.json',
  version: 'registry/version.json',
  approvals: 'registry/approvals.json',
  aliasHistory: 'registry/alias-history.json',
  reference: 'monitoring/reference-profile.json',
  evaluationPrefix: 'evaluation/',
  sbom: 'sbom.cdx.json',
  dockerfile: 'docker/Dockerfile',
  dockerPackageJson: 'docker/package.json',
  dockerLockfile: 'docker/package-lock.json',
} as const;

export const PackageMetaSchema = z.object({
  model: z.string().min(1).max(500),
  version: z.string().regex(/^[1-9]\d{0,14}$/, 'must be a positive version number'),
  /** The alias the export named (`NAME@ALIAS`), if it named one. */
  alias: z.string().optional(),
  /** Who approved it: the identity of the approving (latest) review. */
  approvedBy: z.string(),
  createdTime: z.number(),
  /** The model's input/output signature, in short. */
  signature: z.object({
    inputs: z.number().int().nonnegative(),
    output: z.string(),
    task: z.string(),
    classes: z.array(z.string()).optional(),
  }),
  /** The package's file name as written (the Dockerfile serves it under /model/). */
  file: z.string(),
});
export type PackageMeta = z.infer<typeof PackageMetaSchema>;

const ReviewSchema = z.object({
  reviewer: z.string(),
  decision: z.enum(['approved', 'rejected']),
  comment: z.string(),
  time: z.number(),
});

const DatasetSchema = z.object({ ref: z.string().nullable(), name: z.string(), sha256: z.string().nullable(), rows: z.number() });

/** model-card.json (model-card.md is rendered from it). */
export const ModelCardSchema = z.object({
  model: z.string(),
  version: z.string(),
  intendedUse: z.string(),
  task: z.string(),
  target: z.string(),
  classes: z.array(z.string()).optional(),
  trainingData: DatasetSchema.nullable(),
  /** The run's latest metric values. */
  metrics: z.record(z.string(), z.number()),
  /** The validation-split evaluation's scalar summary (evaluation/summary.json), when training wrote one. */
  evaluation: z.record(z.string(), z.unknown()).nullable(),
  qualityTests: z.array(
    z.object({ dataset: DatasetSchema, rows: z.number(), metrics: z.record(z.string(), z.number().nullable()), overlapWarning: z.string().nullable(), time: z.number() }),
  ),
  approvals: z.array(ReviewSchema),
  limits: z.object({
    features: z.array(
      z.object({ name: z.string(), type: z.string(), min: z.number().optional(), max: z.number().optional(), categories: z.array(z.string()).optional() }),
    ),
    caveats: z.array(z.string()),
  }),
  lineage: z.object({
    runId: z.string().nullable(),
    codeCommit: z.string().nullable(),
    seed: z.number().nullable(),
  }),
});
export type ModelCard = z.infer<typeof ModelCardSchema>;

const version = versionNumber;

export const HandoffSchema = z.object({
  model: z.string(),
  version: z.string(),
  approval: z.object({
    state: z.enum(['approved', 'rejected', 'pending']),
    /** Why export is refused; null when it is allowed. */
    refusal: z.string().nullable(),
  }),
  card: ModelCardSchema,
  cardMarkdown: z.string(),
  /** What the package will hold, with sizes in bytes. */
  contents: z.array(z.object({ path: z.string(), size: z.number() })),
  totalBytes: z.number(),
  /** The file name the download gets. */
  fileName: z.string(),
  /** What operations run, in order. */
  commands: z.array(z.object({ label: z.string(), command: z.string() })),
});
export type Handoff = z.infer<typeof HandoffSchema>;

export const handoffOperations = {
  /** A version's Handoff tab: approval, model card, contents and the commands operations run. */
  'handoff.get': {
    input: z.object({ model: z.string().min(1, 'is required'), version }),
    output: HandoffSchema,
  },
} as const;

/** `app-files/packages/<model>/<version>.mldesk-package`: the export download route. */
export function packageDownloadPath(model: string, version: string): string {
  return `app-files/packages/${encodeURIComponent(model)}/${encodeURIComponent(version)}.mldesk-package`;
}

/** The file name a package of a version gets (safe on every OS). */
export function packageFileName(model: string, version: string): string {
  return `${model.replace(/[^A-Za-z0-9._-]+/g, '_')}-${version}.mldesk-package`;
}
