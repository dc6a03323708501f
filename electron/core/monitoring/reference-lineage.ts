/**
 * Which dataset version a model version is monitored against, from lineage: kept apart from the
 * profiling (reference-profiles.ts) because the registry calls it while it creates a version and
 * must not pull in model loading.
 */
import type { SqliteDatabase } from '../store/database.js';

/** The dataset version (`name@v`) a run was trained on, from lineage; null when it has none. */
export function trainedOn(db: SqliteDatabase, runId: string): string | null {
  const row = db
    .prepare(
      `SELECT source_id FROM lineage_edges WHERE target_kind = 'run' AND target_id = ? AND source_kind = 'dataset_version' AND relation = 'trained_on'
       ORDER BY edge_pk DESC LIMIT 1`,
    )
    .get(runId) as { source_id: string } | undefined;
  return row?.source_id ?? null;
}

export function datasetVersionRow(db: SqliteDatabase, ref: string): { version_id: number; sha256: string } | undefined {
  const at = ref.lastIndexOf('@');
  if (at <= 0) return undefined;
  return db
    .prepare('SELECT v.version_id, v.sha256 FROM dataset_versions v JOIN named_datasets d ON d.dataset_id = v.dataset_id WHERE d.name = ? AND v.version = ?')
    .get(ref.slice(0, at), Number(ref.slice(at + 1))) as { version_id: number; sha256: string } | undefined;
}

/**
 * Records the version's reference from its run's lineage as `pending` (no-op when the run has no
 * dataset in lineage, or the version already has a reference). Cheap: the registry calls it inside
 * the transaction that creates the version, so every way of registering one gets it.
 */
export function recordLineageReference(db: SqliteDatabase, versionPk: number, runId: string | null, now = Date.now()): boolean {
  if (runId === null) return false;
  const ref = trainedOn(db, runId);
  const dataset = ref === null ? undefined : datasetVersionRow(db, ref);
  if (ref === null || !dataset) return false;
  const info = db
    .prepare(
      `INSERT OR IGNORE INTO monitoring_references (version_pk, dataset_version_id, dataset_ref, dataset_sha256, source, status, created_time, updated_time)
       VALUES (?, ?, ?, ?, 'lineage', 'pending', ?, ?)`,
    )
    .run(versionPk, dataset.version_id, ref, dataset.sha256, now, now);
  return info.changes > 0;
}
