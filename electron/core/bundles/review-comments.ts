import type { Reviewer, StoredReviewComment, StoredVersionDecision } from '../../../shared/app-api/reviews.js';
import type { ReviewDecision, ReviewTarget } from '../../../shared/reviews.js';
import type { SqliteDatabase } from '../store/database.js';
import { hasReviewTables } from './review-gate.js';

interface CommentRow {
  comment_pk: number;
  target_kind: ReviewTarget['kind'];
  run_uuid: string | null;
  metric_key: string | null;
  metric_step: number | null;
  artifact_path: string | null;
  model_name: string | null;
  model_version: number | null;
  body: string;
  created_time: number;
  reviewer_display: string;
  reviewer_fingerprint: string;
  review_decision: ReviewDecision;
  trusted_name: string | null;
}

// Trust is looked up as comments are shown: a key trusted (or removed) later changes how old reviews read.
const REVIEWER_JOIN = `JOIN review_files f ON f.import_pk = c.import_pk
  LEFT JOIN trusted_keys k ON k.fingerprint = f.reviewer_fingerprint AND k.public_key = f.reviewer_public_key`;
const COMMENT_COLUMNS = `c.comment_pk, c.target_kind, c.run_uuid, c.metric_key, c.metric_step, c.artifact_path, c.model_name, c.model_version, c.body, c.created_time,
  f.reviewer_display, f.reviewer_fingerprint, f.decision AS review_decision, k.name AS trusted_name`;

function reviewerOf(row: { reviewer_display: string; reviewer_fingerprint: string; trusted_name: string | null }): Reviewer {
  return { displayName: row.reviewer_display, fingerprint: row.reviewer_fingerprint, trusted: row.trusted_name !== null, trustedName: row.trusted_name };
}

function targetOf(row: CommentRow): ReviewTarget {
  switch (row.target_kind) {
    case 'run':
      return { kind: 'run', runId: row.run_uuid! };
    case 'metric':
      return { kind: 'metric', runId: row.run_uuid!, key: row.metric_key!, step: row.metric_step };
    case 'artifact':
      return { kind: 'artifact', runId: row.run_uuid!, path: row.artifact_path! };
    case 'version':
      return { kind: 'version', name: row.model_name!, version: String(row.model_version), runId: row.run_uuid };
  }
}

const toComment = (row: CommentRow): StoredReviewComment => ({
  id: row.comment_pk,
  target: targetOf(row),
  text: row.body,
  time: row.created_time,
  reviewer: reviewerOf(row),
  reviewDecision: row.review_decision,
});

/** Imported comments on a run, its metrics and artifacts (not on versions registered from it), oldest first. */
export function runReviewComments(db: SqliteDatabase, runId: string): StoredReviewComment[] {
  if (!hasReviewTables(db)) return [];
  const rows = db
    .prepare(`SELECT ${COMMENT_COLUMNS} FROM review_comments c ${REVIEWER_JOIN} WHERE c.run_uuid = ? AND c.target_kind <> 'version' ORDER BY c.created_time, c.comment_pk`)
    .all(runId) as CommentRow[];
  return rows.map(toComment);
}

/** Imported comments and decisions on a model version of this store. */
export function versionReviewComments(db: SqliteDatabase, name: string, version: string): { comments: StoredReviewComment[]; decisions: StoredVersionDecision[] } {
  if (!hasReviewTables(db)) return { comments: [], decisions: [] };
  const comments = (
    db
      .prepare(`SELECT ${COMMENT_COLUMNS} FROM review_comments c ${REVIEWER_JOIN} WHERE c.model_name = ? AND c.model_version = ? ORDER BY c.created_time, c.comment_pk`)
      .all(name, Number(version)) as CommentRow[]
  ).map(toComment);
  const decisions = (
    db
      .prepare(
        `SELECT c.model_name, c.model_version, c.decision, c.review_pk, f.reviewed_time, f.reviewer_display, f.reviewer_fingerprint, k.name AS trusted_name
         FROM review_version_decisions c ${REVIEWER_JOIN} WHERE c.model_name = ? AND c.model_version = ? ORDER BY f.reviewed_time, c.import_pk`,
      )
      .all(name, Number(version)) as Array<{
      model_name: string;
      model_version: number;
      decision: 'approve' | 'request_changes';
      review_pk: number | null;
      reviewed_time: number;
      reviewer_display: string;
      reviewer_fingerprint: string;
      trusted_name: string | null;
    }>
  ).map((row) => ({ name: row.model_name, version: String(row.model_version), decision: row.decision, counted: row.review_pk !== null, reviewer: reviewerOf(row), time: row.reviewed_time }));
  return { comments, decisions };
}
