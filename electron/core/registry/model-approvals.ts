import { invalidParameter } from '../errors.js';
import type { SqliteDatabase } from '../store/database.js';
import type { VersionRow } from './registry-search.js';
import type { AliasAuditEntry, ChangeContext, ModelVersionReview, ReviewDecision } from './registry-types.js';

export interface ReviewInput {
  reviewer: string;
  decision: ReviewDecision;
  comment?: string;
  /** Quality gates (metric thresholds and outcomes) the decision rests on; stored as JSON. */
  gates?: unknown;
}

interface ReviewRow {
  reviewer: string;
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
  actor: string;
  reason: string;
  created_time: number;
}

const UNKNOWN_ACTOR = 'unknown';

/**
 * Reviews of model versions (approve / reject, with the quality gates looked at) and the audit
 * trail of alias moves. The latest review of a version decides whether it may become champion.
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
    const now = Date.now();
    const row = this.db.transaction(() => {
      const found = this.versionRow(name, version);
      this.db
        .prepare('INSERT INTO model_version_reviews (version_pk, reviewer, decision, comment, gates_json, created_time) VALUES (?, ?, ?, ?, ?, ?)')
        .run(found.version_pk, input.reviewer, input.decision, input.comment ?? '', gates, now);
      return found;
    }).immediate();
    return { name: row.name, version: String(row.version), reviewer: input.reviewer, decision: input.decision, comment: input.comment ?? '', gates: input.gates ?? null, created_time: now };
  }

  /** Reviews of a version, oldest first. */
  reviews(name: string, version: string | number): ModelVersionReview[] {
    const row = this.versionRow(name, version);
    const rows = this.db
      .prepare('SELECT reviewer, decision, comment, gates_json, created_time FROM model_version_reviews WHERE version_pk = ? ORDER BY created_time, review_pk')
      .all(row.version_pk) as ReviewRow[];
    return rows.map((r) => ({
      name: row.name,
      version: String(row.version),
      reviewer: r.reviewer,
      decision: r.decision,
      comment: r.comment,
      gates: r.gates_json === null ? null : (JSON.parse(r.gates_json) as unknown),
      created_time: r.created_time,
    }));
  }

  /** Throws unless the version's latest review approves it. */
  requireApproved(row: VersionRow): void {
    const latest = this.db
      .prepare('SELECT decision, reviewer FROM model_version_reviews WHERE version_pk = ? ORDER BY created_time DESC, review_pk DESC LIMIT 1')
      .get(row.version_pk) as { decision: ReviewDecision; reviewer: string } | undefined;
    if (latest?.decision === 'approved') return;
    const state = latest ? `its latest review (by ${latest.reviewer}) rejected it` : 'it has no review';
    throw invalidParameter(
      `Invalid value '${row.version}' for parameter 'version': model ${row.name} version ${row.version} needs an approval first ` +
        `before it can become champion (${state}). Approve it with \`mldesk models approve ${row.name} ${row.version} --reviewer NAME\`.`,
    );
  }

  recordAliasChange(modelId: number, modelName: string, alias: string, fromVersion: number | null, toVersion: number | null, context: ChangeContext): void {
    this.db
      .prepare(
        `INSERT INTO alias_audit (model_id, model_name, alias, from_version, to_version, actor, reason, created_time)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(modelId, modelName, alias, fromVersion, toVersion, context.actor?.trim() || UNKNOWN_ACTOR, context.reason ?? '', Date.now());
  }

  /** The alias moves of a model (of one alias, when given), oldest first. */
  aliasHistory(modelId: number, alias?: string): AliasAuditEntry[] {
    const columns = 'model_name, alias, from_version, to_version, actor, reason, created_time';
    const rows = (
      alias === undefined
        ? this.db.prepare(`SELECT ${columns} FROM alias_audit WHERE model_id = ? ORDER BY audit_pk`).all(modelId)
        : this.db.prepare(`SELECT ${columns} FROM alias_audit WHERE model_id = ? AND alias = ? ORDER BY audit_pk`).all(modelId, alias)
    ) as AuditRow[];
    return rows.map(toEntry);
  }

  /** One page of a model's alias moves, newest first, read as a page (a trail grows without end). */
  aliasHistoryPage(modelId: number, offset: number, limit: number): { total: number; entries: AliasAuditEntry[] } {
    const { total } = this.db.prepare('SELECT count(*) AS total FROM alias_audit WHERE model_id = ?').get(modelId) as { total: number };
    const rows = this.db
      .prepare(
        `SELECT model_name, alias, from_version, to_version, actor, reason, created_time FROM alias_audit WHERE model_id = ?
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
    actor: r.actor,
    reason: r.reason,
    time: r.created_time,
  };
}
