/**
 * Shadow rows (shadow_predictions, migration 21): the challenger's answers to live requests the
 * champion answered, kept apart from the prediction log so the champion's monitoring, quality and
 * exports never see them; and the live comparison they give (agreement, and both models' accuracy
 * on the rows that came back labelled).
 */
import type { ShadowComparison } from '../../../../shared/app-api/pipelines.js';
import type { SqliteDatabase } from '../../store/database.js';

export interface ShadowRow {
  requestId: string;
  model: string;
  version: number;
  servedVersion: number;
  outputJson: string;
  label: string | null;
  value: number | null;
  time: number;
}

/** Writes a batch in one transaction (called after the answers went out, off the request path). */
export function insertShadowRows(db: SqliteDatabase, rows: readonly ShadowRow[]): void {
  if (rows.length === 0) return;
  const insert = db.prepare(
    'INSERT INTO shadow_predictions (request_id, model_name, model_version, served_version, output_json, predicted_label, predicted_value, created_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  db.transaction(() => {
    for (const r of rows) insert.run(r.requestId, r.model, r.version, r.servedVersion, r.outputJson, r.label, r.value, r.time);
  })();
}

/** The live comparison for the model's current challenger (or the given version); null without shadow rows. */
export function shadowComparison(db: SqliteDatabase, model: string, version?: number): ShadowComparison | null {
  const challenger =
    version ??
    (
      db
        .prepare(`SELECT a.version FROM registered_model_aliases a JOIN registered_models m ON m.model_id = a.model_id WHERE m.name = ? AND a.alias = 'challenger'`)
        .get(model) as { version: number } | undefined
    )?.version;
  if (challenger === undefined) return null;
  const row = db
    .prepare(
      `SELECT count(*) AS rows,
              sum(CASE WHEN s.predicted_label IS NOT NULL AND p.predicted_label IS NOT NULL THEN 1 ELSE 0 END) AS comparable,
              sum(CASE WHEN s.predicted_label = p.predicted_label THEN 1 ELSE 0 END) AS agree,
              sum(CASE WHEN f.actual_label IS NOT NULL THEN 1 ELSE 0 END) AS labelled,
              sum(CASE WHEN f.actual_label IS NOT NULL AND p.predicted_label = f.actual_label THEN 1 ELSE 0 END) AS champion_right,
              sum(CASE WHEN f.actual_label IS NOT NULL AND s.predicted_label = f.actual_label THEN 1 ELSE 0 END) AS challenger_right
       FROM shadow_predictions s
       LEFT JOIN predictions p ON p.request_id = s.request_id
       LEFT JOIN prediction_feedback f ON f.prediction_pk = p.prediction_pk
       WHERE s.model_name = ? AND s.model_version = ?`,
    )
    .get(model, challenger) as { rows: number; comparable: number | null; agree: number | null; labelled: number | null; champion_right: number | null; challenger_right: number | null };
  if (row.rows === 0) return null;
  const labelled = row.labelled ?? 0;
  return {
    model,
    challengerVersion: String(challenger),
    rows: row.rows,
    agreement: row.comparable ? (row.agree ?? 0) / row.comparable : null,
    labelledRows: labelled,
    championAccuracy: labelled ? (row.champion_right ?? 0) / labelled : null,
    challengerAccuracy: labelled ? (row.challenger_right ?? 0) / labelled : null,
  };
}
