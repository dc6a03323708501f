import type { SqliteDatabase } from '../store/database.js';
import type { VersionRow } from './registry-search.js';
import type { RegistrySettings } from './registry-types.js';

interface SettingsRow {
  four_eyes: number;
  updated_by: string | null;
  updated_time: number | null;
}

/** The registry-wide settings (one row, created by the migration). */
export function readRegistrySettings(db: SqliteDatabase): RegistrySettings {
  const row = db.prepare('SELECT four_eyes, updated_by, updated_time FROM registry_settings WHERE id = 1').get() as SettingsRow;
  return { four_eyes: row.four_eyes === 1, updated_by: row.updated_by, updated_time: row.updated_time };
}

/** Turns the four-eyes rule on or off; `by` is the authenticated identity of who did it. */
export function setFourEyes(db: SqliteDatabase, on: boolean, by: string): RegistrySettings {
  db.prepare('UPDATE registry_settings SET four_eyes = ?, updated_by = ?, updated_time = ? WHERE id = 1').run(on ? 1 : 0, by, Date.now());
  return readRegistrySettings(db);
}

/**
 * Who wrote a version, for the four-eyes rule: the run's user (`user_id`, and the `mlflow.user`
 * tag MLflow clients set) and the identity that registered the version. Any of them counts as
 * the author, so a reviewer must be none of them.
 */
export function versionAuthors(db: SqliteDatabase, row: Pick<VersionRow, 'version_pk'>): string[] {
  const found = db
    .prepare(
      `SELECT v.creator_identity AS creator, r.user_id AS run_user,
         (SELECT t.value FROM tags t WHERE t.run_pk = r.run_pk AND t.key = 'mlflow.user') AS tag_user
       FROM model_versions v LEFT JOIN runs r ON r.run_uuid = v.run_id WHERE v.version_pk = ?`,
    )
    .get(row.version_pk) as { creator: string | null; run_user: string | null; tag_user: string | null } | undefined;
  const names = [found?.run_user, found?.tag_user, found?.creator].map((name) => name?.trim() ?? '').filter((name) => name !== '');
  return [...new Set(names)];
}
