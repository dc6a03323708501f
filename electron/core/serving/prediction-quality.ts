/**
 * Live quality of a model from the prediction log's ground truth: the confusion matrix of its
 * classifier answers, accuracy (or mean absolute error) over time per version, and the figure
 * each version reached on its validation split when it was trained, to compare against.
 */
import type { SqliteDatabase } from '../store/database.js';
import { metricQueueOf } from '../store/metric-queue.js';
import { classesOf } from './prediction-records.js';

export interface QualityQuery {
  model: string;
  version?: string;
  since?: number;
}

export interface PredictionQuality {
  /** Rows with ground truth under the query. */
  labelled: number;
  /** Classes seen as a prediction or a truth, sorted; the matrix's rows and columns. */
  classes: string[];
  /** matrix[actual][predicted]: counts over labelled classifier rows. */
  matrix: number[][];
  trend: { bucketMs: number; points: { start: number; version: string; count: number; accuracy: number | null; mae: number | null }[] };
  /** Per version: `val_accuracy` (classifiers) or `val_mae` (regressors) of the run that trained it. */
  validation: { version: string; metric: string; value: number }[];
}

/** Bucket widths of the trend; the smallest giving at most MAX_BUCKETS points is used. */
const BUCKET_WIDTHS_MS = [60_000, 300_000, 900_000, 3_600_000, 21_600_000, 86_400_000, 604_800_000];
const MAX_BUCKETS = 40;
const VALIDATION_METRICS = ['val_accuracy', 'val_mae'];

export function predictionQuality(db: SqliteDatabase, { model, version, since = 0 }: QualityQuery): PredictionQuality {
  const where = `p.model_name = ? AND p.created_time >= ?${version ? ' AND p.model_version = ?' : ''}`;
  const args = [model, since, ...(version ? [Number(version)] : [])];
  // Driven from the feedback side: the cost follows the labelled rows, not the whole log.
  const from = `FROM prediction_feedback f CROSS JOIN predictions p ON p.prediction_pk = f.prediction_pk WHERE ${where}`;

  const cells = db.prepare(`SELECT f.actual_label AS actual, p.predicted_label AS predicted, COUNT(*) AS n ${from} AND f.actual_label IS NOT NULL GROUP BY 1, 2`).all(...args) as {
    actual: string;
    predicted: string;
    n: number;
  }[];
  // Every class the model can answer (its probabilities' keys), not only those seen with a label:
  // The newest row by its key (rows are logged in time order), read from the end of the model's index.
  // a class the model never got right, or never saw labelled yet, still gets its row and column.
  const newest = db.prepare(`SELECT p.output_json AS output FROM predictions p WHERE ${where} ORDER BY p.prediction_pk DESC LIMIT 1`).get(...args) as { output: string } | undefined;
  const modelClasses = newest ? (classesOf(newest.output) ?? []) : [];
  const classes = [...new Set([...modelClasses, ...cells.flatMap((c) => [c.actual, c.predicted])])].sort();
  const index = new Map(classes.map((name, i) => [name, i]));
  const matrix = classes.map(() => classes.map(() => 0));
  for (const cell of cells) matrix[index.get(cell.actual)!]![index.get(cell.predicted)!]! += cell.n;

  const span = db.prepare(`SELECT COUNT(*) AS n, MIN(p.created_time) AS first, MAX(p.created_time) AS last ${from}`).get(...args) as { n: number; first: number | null; last: number | null };
  let trend: PredictionQuality['trend'] = { bucketMs: BUCKET_WIDTHS_MS[0]!, points: [] };
  if (span.n > 0) {
    const width = Math.max(1, span.last! - span.first! + 1);
    const bucketMs = BUCKET_WIDTHS_MS.find((w) => width / w <= MAX_BUCKETS) ?? Math.ceil(width / MAX_BUCKETS);
    const start = Math.floor(span.first! / bucketMs) * bucketMs;
    const rows = db
      .prepare(
        `SELECT CAST((p.created_time - ?) / ? AS INTEGER) AS bucket, p.model_version AS version, COUNT(*) AS count,
           AVG(CASE WHEN f.actual_label IS NOT NULL THEN (f.actual_label = p.predicted_label) END) AS accuracy,
           AVG(CASE WHEN f.actual_value IS NOT NULL THEN ABS(f.actual_value - p.predicted_value) END) AS mae
         ${from} GROUP BY bucket, p.model_version ORDER BY bucket, p.model_version`,
      )
      .all(start, bucketMs, ...args) as { bucket: number; version: number; count: number; accuracy: number | null; mae: number | null }[];
    trend = { bucketMs, points: rows.map((r) => ({ start: start + r.bucket * bucketMs, version: String(r.version), count: r.count, accuracy: r.accuracy, mae: r.mae })) };
  }

  // The validation figures are latest metrics: points the tracking server still queues count.
  metricQueueOf(db).fold();
  const validation = (
    db
      .prepare(
        `SELECT mv.version AS version, lm.key AS metric, lm.value AS value FROM model_versions mv
           JOIN registered_models rm ON rm.model_id = mv.model_id
           JOIN runs r ON r.run_uuid = mv.run_id
           JOIN latest_metrics lm ON lm.run_pk = r.run_pk AND lm.key IN (${VALIDATION_METRICS.map(() => '?').join(',')}) AND lm.is_nan = 0
         WHERE rm.name = ?${version ? ' AND mv.version = ?' : ''} ORDER BY mv.version, lm.key`,
      )
      .all(...VALIDATION_METRICS, model, ...(version ? [Number(version)] : [])) as { version: number; metric: string; value: number }[]
  ).map((v) => ({ version: String(v.version), metric: v.metric, value: v.value }));

  return { labelled: span.n, classes, matrix, trend, validation };
}

export interface FeedbackEntry {
  actual: string | number;
  timestamp: number;
}

/** Every ground truth sent for one prediction, oldest first (the last one is the one that counts). */
export function feedbackHistory(db: SqliteDatabase, requestId: string): FeedbackEntry[] {
  return (
    db
      .prepare(
        `SELECT h.actual_label, h.actual_value, h.created_time FROM prediction_feedback_history h
           JOIN predictions p ON p.prediction_pk = h.prediction_pk WHERE p.request_id = ? ORDER BY h.created_time, h.rowid`,
      )
      .all(requestId) as { actual_label: string | null; actual_value: number | null; created_time: number }[]
  ).map((row) => ({ actual: row.actual_label ?? row.actual_value!, timestamp: row.created_time }));
}
