import { z } from 'zod';

/**
 * The model registry and deployments as the app sees them: registered models with their versions
 * (each tied to the run and dataset versions behind it), reviews, the alias audit trail, and the
 * prediction servers the app runs. Times are ms since the epoch; versions are strings as in MLflow.
 */

/** The alias production traffic follows; only an approved version may hold it. */
export const CHAMPION = 'champion';

/** A version's latest review decides: approved, rejected, or pending (never reviewed). */
export const APPROVAL_STATES = ['approved', 'rejected', 'pending'] as const;
export const ApprovalStateSchema = z.enum(APPROVAL_STATES);
export type ApprovalState = z.infer<typeof ApprovalStateSchema>;

export const AliasSchema = z.object({ alias: z.string(), version: z.string() });

export const ModelSummarySchema = z.object({
  name: z.string(),
  description: z.string(),
  creationTime: z.number(),
  lastUpdated: z.number(),
  versionCount: z.number(),
  /** Null for a model with no versions yet. */
  latestVersion: z.string().nullable(),
  aliases: z.array(AliasSchema),
  championVersion: z.string().nullable(),
  /** The champion's review state; null without a champion. */
  championApproval: ApprovalStateSchema.nullable(),
  /** Where a rollback of the champion would go (see previousVersion); null when there is nowhere. */
  championPrevious: z.string().nullable(),
  latestApproval: ApprovalStateSchema.nullable(),
});
export type ModelSummary = z.infer<typeof ModelSummarySchema>;

export const ReviewSchema = z.object({
  /** Who the server authenticated (a token's name, or the OS user running MLDesk); null for reviews recorded before identities were. */
  reviewerIdentity: z.string().nullable(),
  /** A name the reviewer typed, shown only ('' when none). */
  reviewerDisplay: z.string(),
  decision: z.enum(['approved', 'rejected']),
  comment: z.string(),
  time: z.number(),
});
export type Review = z.infer<typeof ReviewSchema>;

/** A dataset version a version's run trained on (from the lineage edges, else MLflow dataset inputs). */
export const VersionDatasetSchema = z.object({
  /** `name@version` for MLDesk datasets; the MLflow dataset name otherwise. */
  ref: z.string(),
  name: z.string(),
  version: z.number().nullable(),
  sha256: z.string().nullable(),
  rows: z.number().nullable(),
});
export type VersionDataset = z.infer<typeof VersionDatasetSchema>;

export const ModelVersionInfoSchema = z.object({
  version: z.string(),
  createdTime: z.number(),
  lastUpdated: z.number(),
  stage: z.string(),
  description: z.string(),
  source: z.string(),
  status: z.string(),
  aliases: z.array(z.string()),
  /** Null for a version registered from a path with no run. */
  run: z
    .object({ runId: z.string(), runName: z.string(), experimentId: z.string(), status: z.string() })
    .nullable(),
  datasets: z.array(VersionDatasetSchema),
  /** The run's final metrics (system metrics left out); finite values only. */
  metrics: z.record(z.string(), z.number()),
  approval: ApprovalStateSchema,
  /** Oldest first. */
  reviews: z.array(ReviewSchema),
  /** Who counts as its author for the four-eyes rule: the run's user and who registered it. */
  authors: z.array(z.string()),
  /** Why it may not become champion now (no approval, four-eyes), as a clause; null when it may. */
  championRefusal: z.string().nullable(),
});
export type ModelVersionInfo = z.infer<typeof ModelVersionInfoSchema>;

export const AliasChangeSchema = z.object({
  alias: z.string(),
  fromVersion: z.string().nullable(),
  toVersion: z.string().nullable(),
  /** Who the server authenticated; null for moves recorded before identities were. */
  actorIdentity: z.string().nullable(),
  /** A name the caller gave (header x-mldesk-user), shown only. */
  actorDisplay: z.string(),
  reason: z.string(),
  time: z.number(),
});
export type AliasChange = z.infer<typeof AliasChangeSchema>;

/** Marks the audit entries rollbacks wrote, so a second rollback steps further back instead of undoing the first. */
export const ROLLBACK_MARK = '[rollback] ';

/**
 * The version an alias held before its current one, reading the trail (oldest first) as a stack:
 * a move pushes, a rollback pops, a removal empties it. Null when there is nothing to go back to.
 */
export function previousVersion(changes: AliasChange[], alias: string): string | null {
  let stack: string[] = [];
  for (const change of changes) {
    if (change.alias !== alias) continue;
    if (change.toVersion === null) stack = [];
    else if (change.reason.startsWith(ROLLBACK_MARK)) {
      stack.pop();
      if (stack.at(-1) !== change.toVersion) stack.push(change.toVersion);
    } else if (stack.at(-1) !== change.toVersion) stack.push(change.toVersion);
  }
  return stack.length >= 2 ? stack.at(-2)! : null;
}

/** Registry-wide rules. */
export const RegistrySettingsSchema = z.object({
  /** Champion needs an approval by someone other than the version's authors. */
  fourEyes: z.boolean(),
  updatedBy: z.string().nullable(),
  updatedTime: z.number().nullable(),
});
export type RegistrySettings = z.infer<typeof RegistrySettingsSchema>;

export const DEPLOYMENT_STATES = ['starting', 'running', 'failed'] as const;

/** A prediction server the app started (loopback only). */
export const DeploymentSchema = z.object({
  id: z.string(),
  model: z.string(),
  alias: z.string(),
  state: z.enum(DEPLOYMENT_STATES),
  /** The version being served; null until it is loaded. */
  version: z.string().nullable(),
  url: z.string().nullable(),
  /** The port it listens on; for a deployment that failed to get its port back after a restart, that port. */
  port: z.number().nullable(),
  startedAt: z.number(),
  error: z.string().nullable(),
});
export type Deployment = z.infer<typeof DeploymentSchema>;

const modelName = z.string().trim().min(1, 'is required').max(256, 'is longer than 256 characters');
const version = z.string().regex(/^[1-9]\d{0,14}$/, 'must be a version number (1, 2, …)');
const alias = z
  .string()
  .trim()
  .regex(/^[\w-]{1,255}$/, "must be letters, digits, '_' or '-'");
const reason = z.string().trim().min(1, 'is required: say why, for the audit trail').max(2000, 'is longer than 2000 characters');

/** The registry and deployment operations; merged into the app's one operation map. */
export const modelOperations = {
  'models.list': {
    input: z.object({ search: z.string().optional(), offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(500).default(100) }),
    output: z.object({ total: z.number(), models: z.array(ModelSummarySchema) }),
  },
  'models.get': {
    input: z.object({ name: modelName }),
    /** Versions newest first. */
    output: z.object({ model: ModelSummarySchema, versions: z.array(ModelVersionInfoSchema), settings: RegistrySettingsSchema }),
  },
  'models.aliasHistory': {
    input: z.object({ name: modelName, offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(500).default(50) }),
    /** Newest first. */
    output: z.object({ total: z.number(), entries: z.array(AliasChangeSchema) }),
  },
  'models.review': {
    input: z.object({
      name: modelName,
      version,
      decision: z.enum(['approved', 'rejected']),
      comment: z.string().max(5000, 'is longer than 5000 characters').optional(),
      /** A display name only: the review is recorded under the caller's authenticated identity. */
      reviewer: z.string().trim().min(1, 'cannot be empty').max(200, 'is longer than 200 characters').optional(),
    }),
    output: z.object({ review: ReviewSchema, approval: ApprovalStateSchema }),
  },
  'models.setAlias': {
    input: z.object({ name: modelName, alias, version, reason }),
    output: z.object({ fromVersion: z.string().nullable(), toVersion: z.string() }),
  },
  'models.rollback': {
    /** Moves the alias (champion by default) back to the version it held before its latest move. */
    input: z.object({ name: modelName, alias: alias.default(CHAMPION), reason }),
    output: z.object({ fromVersion: z.string(), toVersion: z.string() }),
  },
  'models.register': {
    /** Registers the run's `model/` artifacts as a new version, creating the model when it is new. */
    input: z.object({ runId: z.string().min(1, 'is required'), name: modelName }),
    output: z.object({ name: z.string(), version: z.string(), createdModel: z.boolean() }),
  },
  'models.settings': { input: z.object({}), output: z.object({ settings: RegistrySettingsSchema }) },
  'models.updateSettings': {
    input: z.object({ fourEyes: z.boolean({ error: 'must be true or false' }) }),
    output: z.object({ settings: RegistrySettingsSchema }),
  },
  'deployments.list': {
    input: z.object({ model: z.string().optional() }),
    output: z.object({ deployments: z.array(DeploymentSchema) }),
  },
  'deployments.start': {
    input: z.object({
      model: modelName,
      alias: alias.default(CHAMPION),
      /** Absent: the first free port from 8500. 0: any free port. The port it gets is kept across restarts. */
      port: z.number().int('must be a whole number').min(0, 'must be 0 (any free port) to 65535').max(65535, 'must be 0 (any free port) to 65535').optional(),
    }),
    /** Answers at once with state `starting`; `deployments.changed` events follow. */
    output: z.object({ deployment: DeploymentSchema }),
  },
  'deployments.stop': { input: z.object({ id: z.string().min(1, 'is required') }), output: z.object({}) },
} as const;
