import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE_ARTIFACTS_PREFIX, BUNDLE_STORE_PATH, BundleMetaSchema, type BundleMeta, type Manifest } from '../../../shared/bundles.js';
import { formatTarget, type ReviewTarget } from '../../../shared/reviews.js';
import type { SqliteDatabase } from '../store/database.js';
import { ArchiveError, openSignedArchive, verifySignedArchive } from './archive-reader.js';
import { manifestSha256 } from './review-file.js';

/** What a review's targets are checked against: the bundle's store and the entries its manifest lists. */
export interface ReviewableBundle {
  readonly db: SqliteDatabase;
  readonly manifest: Manifest;
  readonly manifestSha256: string;
  readonly meta: BundleMeta;
}

const PROXY_SCHEME = 'mlflow-artifacts:';

function artifactPrefix(db: SqliteDatabase, runId: string): string | null {
  const run = db.prepare('SELECT artifact_uri FROM runs WHERE run_uuid = ?').get(runId) as { artifact_uri: string } | undefined;
  if (!run || !run.artifact_uri.startsWith(PROXY_SCHEME)) return null;
  const relative = run.artifact_uri.slice(PROXY_SCHEME.length).replace(/^\/+/, '').replace(/\/+$/, '');
  return `${BUNDLE_ARTIFACTS_PREFIX}${relative}/`;
}

/**
 * Checks that a target exists in the bundle; answers it completed (a version's run id, as the
 * bundle records it, so the author can match it) or why it does not exist.
 */
export function resolveTarget(bundle: ReviewableBundle, target: ReviewTarget): { target: ReviewTarget } | { problem: string } {
  const { db } = bundle;
  const name = formatTarget(target);
  if (target.kind === 'version') {
    const row = db
      .prepare('SELECT v.run_id AS run_id FROM model_versions v JOIN registered_models m ON m.model_id = v.model_id WHERE m.name = ? AND v.version = ?')
      .get(target.name, Number(target.version)) as { run_id: string | null } | undefined;
    if (!row) return { problem: `${name}: the bundle has no version ${target.version} of model '${target.name}'` };
    return { target: { ...target, runId: row.run_id } };
  }
  const run = db.prepare('SELECT run_pk FROM runs WHERE run_uuid = ?').get(target.runId) as { run_pk: number } | undefined;
  if (!run) return { problem: `${name}: the bundle has no run ${target.runId}` };
  if (target.kind === 'metric') {
    const found =
      target.step === null
        ? db.prepare('SELECT 1 FROM metrics WHERE run_pk = ? AND key = ? LIMIT 1').get(run.run_pk, target.key)
        : db.prepare('SELECT 1 FROM metrics WHERE run_pk = ? AND key = ? AND step = ? LIMIT 1').get(run.run_pk, target.key, target.step);
    if (!found) return { problem: `${name}: run ${target.runId} has no metric '${target.key}'${target.step === null ? '' : ` at step ${target.step}`} in the bundle` };
  }
  if (target.kind === 'artifact') {
    const prefix = artifactPrefix(db, target.runId);
    const file = `${prefix}${target.path}`;
    const exists = prefix !== null && bundle.manifest.entries.some((e) => e.path === file || e.path.startsWith(`${file}/`));
    if (!exists) return { problem: `${name}: run ${target.runId} has no artifact '${target.path}' in the bundle` };
  }
  return { target };
}

/** The bundle fails its checks (a changed entry, a bad signature); `notAnArchive` when it is no signed archive at all. */
export class BundleNotVerifiedError extends ArchiveError {}

/**
 * A bundle opened for a headless review: verified whole (every hash, the signature), its store
 * copied out to a temp file and opened read-only. `close()` removes the copy.
 */
export async function openBundleForReview(file: string): Promise<ReviewableBundle & { close(): void }> {
  const verification = await verifySignedArchive(file, () => null);
  if (!verification.ok) {
    const problem = verification.problem;
    throw new BundleNotVerifiedError(problem?.path ?? null, `the bundle does not verify: ${problem?.message ?? 'unknown problem'}`, verification.kind === null && problem?.path === null);
  }
  const reader = await openSignedArchive(file, { kind: 'bundle' });
  const dir = mkdtempSync(join(tmpdir(), 'mldesk-review-bundle-'));
  try {
    const meta = BundleMetaSchema.safeParse(reader.manifest.meta);
    if (!meta.success) throw new ArchiveError(null, `the bundle's manifest meta is not a bundle summary (${meta.error.issues[0]?.path.join('.')}: ${meta.error.issues[0]?.message})`);
    if (!reader.has(BUNDLE_STORE_PATH)) throw new ArchiveError(BUNDLE_STORE_PATH, 'is missing: the bundle has no store');
    await reader.extract(dir, (e) => e.path === BUNDLE_STORE_PATH);
    const db = new Database(join(dir, BUNDLE_STORE_PATH), { readonly: true, fileMustExist: true });
    return {
      db,
      manifest: reader.manifest,
      manifestSha256: manifestSha256(reader.manifest),
      meta: meta.data,
      close() {
        db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  } finally {
    reader.close();
  }
}
