import { uncountedReviewApprovals } from '../bundles/review-gate.js';
import { invalidParameter } from '../errors.js';
import type { SqliteDatabase } from '../store/database.js';
import { readRegistrySettings, versionAuthors } from './registry-settings.js';
import type { VersionRow } from './registry-search.js';
import type { AliasAuditEntry, ChangeContext, ModelVersionReview, ReviewDecision } from './registry-types.js';

export interface ReviewInput {
  /** The identity the transport authenticated (a token's name, the OS user); never a name the caller chose. */
  reviewer: string;
  /** A name the reviewer gave, kept for display only. */
  reviewerDisplay?: string;
  decision: ReviewDecision;
  comment?: string;
  /** Quality gates (metric thresholds and outcomes) the decision rests on; stored as JSON. */
  gates?: unknown;
}

/** A version's review state: its latest review decides; none means pending. */
export type ApprovalState = ReviewDecision | 'pending';

interface ReviewRow {
  reviewer_identity: string | null;
  reviewer_display: string;
  decision: ReviewDecision;
  comment: string;
  gates_json: string | null;
  created_time: number;
}

interface AuditRow {
  model_name: string;
  alias: string;
  from_version: number | null;
  to_version: number | null;
  actor_identity: string | null;
  actor_display: string;
  reason: string;
  created_time: number;
}

const UNKNOWN_ACTOR = 'unknown';
const REVIEW_COLUMNS = 'reviewer_identity, reviewer_display, decision, comment, gates_json, created_time';

/** How a reviewer is named in messages: the identity, else the unverified name of an old review. */
function reviewerName(review: Pick<ReviewRow, 'reviewer_identity' | 'reviewer_display'>): string {
  return review.reviewer_identity ?? `'${review.reviewer_display}' (unverified, recorded before identities were)`;
}

/**
 * Reviews of model versions (approve / reject, with the quality gates looked at) and the audit
 * trail of alias moves. The latest review of a version decides whether it may become champion;
 * with the four-eyes setting on, an approval by one of the version's authors does not count.
 */
export class ModelApprovals {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly versionRow: (name: string, version: string | number) => VersionRow,
  ) {}

  review(name: string, version: string | number, input: ReviewInput): ModelVersionReview {
    if (input.reviewer.trim() === '') throw invalidParameter("Missing value for required parameter 'reviewer'.");
    if (input.decision !== 'approved' && input.decision !== 'rejected') {
      throw invalidParameter(`Invalid value '${String(input.decision)}' for parameter 'decision': expected 'approved' or 'rejected'.`);
    }
    const gates = input.gates === undefined ? null : JSON.stringify(input.gates);
    const display = input.reviewerDisplay?.trim() ?? '';
    const now = Date.now();
    const row = this.db.transaction(() => {
      const found = this.versionRow(name, version);
      this.db
        .prepare('INSERT INTO model_version_reviews (version_pk, reviewer_identity, reviewer_display, decision, comment, gates_json, created_time) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(found.version_pk, input.reviewer, display, input.decision, input.comment ?? '', gates, now);
      return found;
    }).immediate();
    return {
      name: row.name,
      version: String(row.version),
      reviewer_identity: input.reviewer,
      reviewer_display: display,
      decision: input.decision,
      comment: input.comment ?? '',
      gates: input.gates ?? null,
      created_time: now,
    };
  }

  private reviewRows(row: VersionRow): ReviewRow[] {
    return this.db.prepare(`SELECT ${REVIEW_COLUMNS} FROM model_version_reviews WHERE version_pk = ? ORDER BY created_time, review_pk`).all(row.version_pk) as ReviewRow[];
  }

  /** Reviews of a version, oldest first. */
  reviews(name: string, version: string | number): ModelVersionReview[] {
    const row = this.versionRow(name, version);
    return this.reviewRows(row).map((r) => ({
      name: row.name,
      version: String(row.version),
      reviewer_identity: r.reviewer_identity,
      reviewer_display: r.reviewer_display,
      decision: r.decision,
      comment: r.comment,
      gates: r.gates_json === null ? null : (JSON.parse(r.gates_json) as unknown),
      created_time: r.created_time,
    }));
  }

  /** The review that decides a version's state: its latest. */
  private latestReview(row: VersionRow): ReviewRow | undefined {
    return this.db
      .prepare(`SELECT ${REVIEW_COLUMNS} FROM model_version_reviews WHERE version_pk = ? ORDER BY created_time DESC, review_pk DESC LIMIT 1`)
      .get(row.version_pk) as ReviewRow | undefined;
  }

  approvalState(name: string, version: string | number): ApprovalState {
    return this.latestReview(this.versionRow(name, version))?.decision ?? 'pending';
  }

  /**
   * Why the version may not become champion, as a clause for a message; null when it may. Its
   * latest review must approve it and, with four-eyes on, an approval since its last rejection must
   * come from an identified reviewer who is none of its authors.
   */
  championRefusal(row: VersionRow): string | null {
    const latest = this.latestReview(row);
    if (!latest) {
      const uncounted = uncountedReviewApprovals(this.db, row);
      return `it needs an approval first and has no review${uncounted ? `; ${uncounted}` : ''}`;
    }
    if (latest.decision !== 'approved') return `it needs an approval first: its latest review (by ${reviewerName(latest)}) rejected it`;
    if (!readRegistrySettings(this.db).four_eyes) return null;
    const authors = versionAuthors(this.db, row);
    const isAuthor = (identity: string) => authors.some((author) => author.toLowerCase() === identity.trim().toLowerCase());
    const rows = this.reviewRows(row);
    const since = rows.slice(rows.findLastIndex((r) => r.decision === 'rejected') + 1);
    if (since.some((r) => r.reviewer_identity !== null && !isAuthor(r.reviewer_identity))) return null;
    const by = [...new Set(since.map(reviewerName))].join(', ');
    return (
      `four-eyes review is on: a reviewer must differ from the version's author (${authors.join(', ') || 'unknown'}), ` +
      `and its approvals come only from ${by}; someone else must approve it`
    );
  }

  /** Throws unless the version may become champion (see championRefusal). */
  requireChampionReady(row: VersionRow): void {
    const refusal = this.championRefusal(row);
    if (refusal === null) return;
    throw invalidParameter(
      `Invalid value '${row.version}' for parameter 'version': model ${row.name} version ${row.version} cannot become champion: ${refusal}. ` +
        `A reviewer approves it with \`mldesk models approve ${row.name} ${row.version}\` (recorded as the OS user running it).`,
    );
  }

  recordAliasChange(modelId: number, modelName: string, alias: string, fromVersion: number | null, toVersion: number | null, context: ChangeContext): void {
    this.db
      .prepare(
        `INSERT INTO alias_audit (model_id, model_name, alias, from_version, to_version, actor_identity, actor_display, reason, created_time)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(modelId, modelName, alias, fromVersion, toVersion, context.actor?.trim() || UNKNOWN_ACTOR, context.actorDisplay?.trim() ?? '', context.reason ?? '', Date.now());
  }

  /**
   * The alias moves of a model (of one alias, when given), oldest first; `page` reads a slice
   * (the REST route pages it: a trail grows without end).
   */
  aliasHistory(modelId: number, alias?: string, page: { offset: number; limit: number } = { offset: 0, limit: -1 }): AliasAuditEntry[] {
    const columns = 'model_name, alias, from_version, to_version, actor_identity, actor_display, reason, created_time';
    const rows = (
      alias === undefined
        ? this.db.prepare(`SELECT ${columns} FROM alias_audit WHERE model_id = ? ORDER BY audit_pk LIMIT ? OFFSET ?`).all(modelId, page.limit, page.offset)
        : this.db
            .prepare(`SELECT ${columns} FROM alias_audit WHERE model_id = ? AND alias = ? ORDER BY audit_pk LIMIT ? OFFSET ?`)
            .all(modelId, alias, page.limit, page.offset)
    ) as AuditRow[];
    return rows.map(toEntry);
  }

  /** One page of a model's alias moves, newest first, read as a page (a trail grows without end). */
  aliasHistoryPage(modelId: number, offset: number, limit: number): { total: number; entries: AliasAuditEntry[] } {
    const { total } = this.db.prepare('SELECT count(*) AS total FROM alias_audit WHERE model_id = ?').get(modelId) as { total: number };
    const rows = this.db
      .prepare(
        `SELECT model_name, alias, from_version, to_version, actor_identity, actor_display, reason, created_time FROM alias_audit WHERE model_id = ?
         ORDER BY audit_pk DESC LIMIT ? OFFSET ?`,
      )
      .all(modelId, limit, offset) as AuditRow[];
    return { total, entries: rows.map(toEntry) };
  }
}

function toEntry(r: AuditRow): AliasAuditEntry {
  return {
    name: r.model_name,
    alias: r.alias,
    from_version: r.from_version === null ? null : String(r.from_version),
    to_version: r.to_version === null ? null : String(r.to_version),
    actor_identity: r.actor_identity,
    actor_display: r.actor_display,
    reason: r.reason,
    time: r.created_time,
  };
}
