/**
 * The registry records a handoff package carries (registry/*.json, monitoring/reference-profile.json),
 * checked before any is installed: the signature only says who wrote them, and a signer this
 * installation does not trust may have written anything.
 */
import { z } from 'zod';
import { PACKAGE_PATHS } from '../../../shared/app-api/handoff.js';
import { ArchiveError, type ArchiveReader } from './archive-reader.js';

const versionNumber = z.string().regex(/^[1-9]\d{0,14}$/, 'must be a positive version number');
const alias = z.string().regex(/^[\w-]{1,255}$/, 'must be letters, digits, _ or - (at most 255)');
const keyValue = z.object({ key: z.string().min(1).max(250), value: z.string().max(5000) });
const time = z.number().int().nonnegative();

export const PackageVersionFileSchema = z.object({
  model: z.object({ name: z.string().min(1), description: z.string().max(100_000), tags: z.array(keyValue).max(1000) }),
  version: z.object({
    name: z.string().min(1),
    version: versionNumber,
    creation_timestamp: time,
    current_stage: z.enum(['None', 'Staging', 'Production', 'Archived']),
    description: z.string().max(100_000),
    source: z.string().max(10_000),
    run_id: z.string().max(200),
    tags: z.array(keyValue).max(1000),
    aliases: z.array(alias).max(100),
  }),
});

export const PackageApprovalsSchema = z.object({
  reviews: z
    .array(
      z.object({
        reviewer_identity: z.string().min(1).max(200).nullable(),
        reviewer_display: z.string().max(200),
        decision: z.enum(['approved', 'rejected']),
        comment: z.string().max(5000),
        gates: z.unknown(),
        created_time: time,
      }),
    )
    .max(10_000),
});

export const PackageAliasHistorySchema = z
  .array(
    z.object({
      name: z.string().min(1),
      alias,
      from_version: versionNumber.nullable(),
      to_version: versionNumber.nullable(),
      actor_identity: z.string().min(1).max(200).nullable(),
      actor_display: z.string().max(200),
      reason: z.string().max(5000),
      time,
    }),
  )
  .max(100_000);

export const PackageReferenceSchema = z.object({
  datasetRef: z.string().min(1).max(500),
  datasetSha256: z.string().regex(/^[0-9a-f]{64}$/),
  source: z.enum(['lineage', 'manual']),
  // The profile's own schema is checked where it is computed; here it only has to be an object.
  profile: z.record(z.string(), z.unknown()),
});

/** Reads a JSON entry and checks it, naming the entry and the field at fault. */
export async function readRecord<S extends z.ZodType>(reader: ArchiveReader, path: string, schema: S): Promise<z.infer<S>> {
  let json: unknown;
  try {
    json = JSON.parse((await reader.read(path)).toString('utf8'));
  } catch (error) {
    if (error instanceof ArchiveError) throw error;
    throw new ArchiveError(path, `is not valid JSON (${(error as Error).message})`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ArchiveError(path, `is not a package's ${path}: ${issue ? `${issue.path.join('.') || 'its content'} ${issue.message}` : 'invalid'}`);
  }
  return parsed.data;
}

export const REGISTRY_FILES = [PACKAGE_PATHS.version, PACKAGE_PATHS.approvals, PACKAGE_PATHS.aliasHistory] as const;
