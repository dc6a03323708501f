import type { SqliteDatabase } from '../store/database.js';

/**
 * For the champion gate's refusal: approvals of this version in imported review files that do not
 * count (the key was not trusted at import), so the message says why and what to do.
 */
export function uncountedReviewApprovals(db: SqliteDatabase, version: { name: string; version: number }): string | null {
  if (!hasReviewTables(db)) return null;
  const rows = db
    .prepare(
      `SELECT DISTINCT f.reviewer_display AS name, f.reviewer_fingerprint AS fingerprint FROM review_version_decisions d
       JOIN review_files f ON f.import_pk = d.import_pk
       WHERE d.model_name = ? AND d.model_version = ? AND d.decision = 'approve' AND d.review_pk IS NULL`,
    )
    .all(version.name, version.version) as Array<{ name: string; fingerprint: string }>;
  if (rows.length === 0) return null;
  const who = rows.map((r) => `'${r.name}' (key ${r.fingerprint})`).join(', ');
  return `an approval in a review file by ${who} does not count: its key is not trusted here (trust it with \`mldesk keys trust\`, then import the review again)`;
}

const hasTables = new WeakMap<SqliteDatabase, boolean>();

/**
 * Whether this database has the review tables (migration 17). A bundle's store written by an
 * older MLDesk and opened read-only (never migrated) has not: reads then find no reviews.
 */
export function hasReviewTables(db: SqliteDatabase): boolean {
  let known = hasTables.get(db);
  if (known === undefined) {
    known = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'review_version_decisions'").get() !== undefined;
    hasTables.set(db, known);
  }
  return known;
}
