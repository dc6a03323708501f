/**
 * Reading the prediction log (newest first, keyset-paginated, with the ground truth joined) and
 * recording ground truth by request id.
 */
import { invalidParameter, notFound } from '../errors.js';
import type { SqliteDatabase } from '../store/database.js';
import type { WirePrediction } from './prediction-journal.js';

export interface PredictionRecord {
  request_id: string;
  model_name: string;
  model_version: string;
  run_id: string | null;
  inputs: Record<string, unknown>;
  output: WirePrediction;
  latency_ms: number;
  endpoint: string;
  timestamp: number;
  feedback: { actual: string | number; timestamp: number } | null;
}

export type FeedbackFilter = 'any' | 'with' | 'without';

export interface PredictionQuery {
  model: string;
  version?: string;
  /** Inclusive lower bound on the prediction time, ms since the epoch. */
  since?: number;
  /** Exclusive upper bound on the prediction time. */
  until?: number;
  feedback?: FeedbackFilter;
  /** Predicted class (classifiers). */
  label?: string;
  requestId?: string;
  maxResults?: number;
  pageToken?: string;
}

export interface PredictionPage {
  predictions: PredictionRecord[];
  next_page_token?: string;
}

export const MAX_PREDICTIONS_PAGE = 1000;

interface PredictionRow {
  prediction_pk: number;
  request_id: string;
  model_name: string;
  model_version: number;
  run_id: string | null;
  inputs_json: string;
  output_json: string;
  latency_us: number;
  endpoint: string;
  created_time: number;
  actual_label: string | null;
  actual_value: number | null;
  feedback_time: number | null;
}

const encodeToken = (pk: number) => Buffer.from(JSON.stringify({ before: pk })).toString('base64url');

function decodeToken(token: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { before?: unknown };
    if (typeof parsed.before === 'number' && Number.isInteger(parsed.before)) return parsed.before;
  } catch {
    // Falls through to the error below.
  }
  throw invalidParameter(`Invalid value '${token}' for parameter 'page_token': use the next_page_token of a previous page.`);
}

function toRecord(row: PredictionRow): PredictionRecord {
  return {
    request_id: row.request_id,
    model_name: row.model_name,
    model_version: String(row.model_version),
    run_id: row.run_id,
    inputs: JSON.parse(row.inputs_json) as Record<string, unknown>,
    output: JSON.parse(row.output_json) as WirePrediction,
    latency_ms: row.latency_us / 1000,
    endpoint: row.endpoint,
    timestamp: row.created_time,
    feedback: row.feedback_time === null ? null : { actual: row.actual_label ?? row.actual_value!, timestamp: row.feedback_time },
  };
}

const SELECT = `SELECT p.prediction_pk, p.request_id, p.model_name, p.model_version, p.run_id, p.inputs_json, p.output_json, p.latency_us, p.endpoint,
  p.created_time, f.actual_label, f.actual_value, f.created_time AS feedback_time
  FROM predictions p LEFT JOIN prediction_feedback f ON f.prediction_pk = p.prediction_pk`;

export function searchPredictions(db: SqliteDatabase, query: PredictionQuery): PredictionPage {
  if (!query.model) throw invalidParameter("Missing value for required parameter 'model'.");
  const limit = query.maxResults ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PREDICTIONS_PAGE) {
    throw invalidParameter(`Invalid value ${limit} for parameter 'max_results': expected an integer from 1 to ${MAX_PREDICTIONS_PAGE}.`);
  }
  const where = ['p.model_name = ?'];
  const args: (string | number)[] = [query.model];
  if (query.version !== undefined) {
    if (!/^[1-9]\d*$/.test(query.version)) throw invalidParameter(`Invalid value '${query.version}' for parameter 'version': a model version is a positive integer.`);
    where.push('p.model_version = ?');
    args.push(Number(query.version));
  }
  if (query.since !== undefined) {
    where.push('p.created_time >= ?');
    args.push(query.since);
  }
  if (query.until !== undefined) {
    where.push('p.created_time < ?');
    args.push(query.until);
  }
  if (query.feedback === 'with') where.push('f.prediction_pk IS NOT NULL');
  if (query.feedback === 'without') where.push('f.prediction_pk IS NULL');
  if (query.label !== undefined) {
    where.push('p.predicted_label = ?');
    args.push(query.label);
  }
  if (query.requestId !== undefined) {
    where.push('p.request_id = ?');
    args.push(query.requestId);
  }
  if (query.pageToken) {
    where.push('p.prediction_pk < ?');
    args.push(decodeToken(query.pageToken));
  }
  const rows = db.prepare(`${SELECT} WHERE ${where.join(' AND ')} ORDER BY p.prediction_pk DESC LIMIT ?`).all(...args, limit + 1) as PredictionRow[];
  const page = rows.slice(0, limit);
  return { predictions: page.map(toRecord), ...(rows.length > limit ? { next_page_token: encodeToken(page.at(-1)!.prediction_pk) } : {}) };
}

export interface PredictionStats {
  model: string;
  total: number;
  with_feedback: number;
  first_timestamp: number | null;
  last_timestamp: number | null;
  /** accuracy: share of classifier rows with ground truth whose label matched; mae: regression rows' mean |error|. */
  by_version: { version: string; count: number; with_feedback: number; mean_latency_ms: number; accuracy: number | null; mae: number | null }[];
}

/**
 * Counts, latency and span come from the by-version index alone; ground truth is joined from the
 * feedback side (CROSS JOIN keeps SQLite from walking every prediction to probe for feedback), so
 * the cost follows the labelled rows, not the log. Both take (model, since); exported for their plans' test.
 */
export const STATS_COUNTS_SQL = `SELECT model_version AS version, COUNT(*) AS count, AVG(latency_us) AS mean_latency_us, MIN(created_time) AS first, MAX(created_time) AS last
  FROM predictions INDEXED BY predictions_by_model_version
  WHERE model_name = ? AND created_time >= ? GROUP BY model_version ORDER BY model_version`;
export const STATS_LABELLED_SQL = `SELECT p.model_version AS version, COUNT(*) AS with_feedback,
    AVG(CASE WHEN f.actual_label IS NOT NULL THEN (f.actual_label = p.predicted_label) END) AS accuracy,
    AVG(CASE WHEN f.actual_value IS NOT NULL THEN ABS(f.actual_value - p.predicted_value) END) AS mae
  FROM prediction_feedback f CROSS JOIN predictions p ON p.prediction_pk = f.prediction_pk
  WHERE p.model_name = ? AND p.created_time >= ? GROUP BY p.model_version`;

export function predictionStats(db: SqliteDatabase, model: string, since = 0): PredictionStats {
  const rows = db
    .prepare(
      STATS_COUNTS_SQL,
    )
    .all(model, since) as { version: number; count: number; mean_latency_us: number; first: number; last: number }[];
  const labelled = new Map(
    (
      db
        .prepare(
          STATS_LABELLED_SQL,
        )
        .all(model, since) as { version: number; with_feedback: number; accuracy: number | null; mae: number | null }[]
    ).map((r) => [r.version, r]),
  );
  const byVersion = rows.map((r) => {
    const truth = labelled.get(r.version);
    return { version: String(r.version), count: r.count, with_feedback: truth?.with_feedback ?? 0, mean_latency_ms: r.mean_latency_us / 1000, accuracy: truth?.accuracy ?? null, mae: truth?.mae ?? null };
  });
  return {
    model,
    total: rows.reduce((sum, r) => sum + r.count, 0),
    with_feedback: byVersion.reduce((sum, r) => sum + r.with_feedback, 0),
    first_timestamp: rows.length ? Math.min(...rows.map((r) => r.first)) : null,
    last_timestamp: rows.length ? Math.max(...rows.map((r) => r.last)) : null,
    by_version: byVersion,
  };
}

/** Bucket widths a volume chart may use: the smallest giving at most `maxBuckets` is taken. */
const BUCKET_WIDTHS_MS = [1_000, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000, 21_600_000, 86_400_000, 604_800_000];

export interface PredictionVolume {
  bucketMs: number;
  buckets: { start: number; counts: Record<string, number>; meanLatencyMs: number }[];
}

/** Requests per time bucket and version between `from` and `to` (inclusive), for a chart. */
export function predictionVolume(db: SqliteDatabase, model: string, from: number, to: number, maxBuckets = 60): PredictionVolume {
  const span = Math.max(1, to - from + 1);
  const bucketMs = BUCKET_WIDTHS_MS.find((width) => span / width <= maxBuckets) ?? Math.ceil(span / maxBuckets);
  const start = Math.floor(from / bucketMs) * bucketMs;
  const rows = db
    .prepare(
      `SELECT CAST((created_time - ?) / ? AS INTEGER) AS bucket, model_version AS version, COUNT(*) AS count, SUM(latency_us) AS latency_us
       FROM predictions INDEXED BY predictions_by_model_version WHERE model_name = ? AND created_time >= ? AND created_time <= ? GROUP BY bucket, model_version ORDER BY bucket`,
    )
    .all(start, bucketMs, model, from, to) as { bucket: number; version: number; count: number; latency_us: number }[];
  const buckets = new Map<number, { start: number; counts: Record<string, number>; latencyUs: number; total: number }>();
  for (const row of rows) {
    let bucket = buckets.get(row.bucket);
    if (!bucket) buckets.set(row.bucket, (bucket = { start: start + row.bucket * bucketMs, counts: {}, latencyUs: 0, total: 0 }));
    bucket.counts[String(row.version)] = row.count;
    bucket.latencyUs += row.latency_us;
    bucket.total += row.count;
  }
  // Empty buckets are kept so a chart shows quiet periods as zero, not as a line across them.
  const last = Math.floor((to - start) / bucketMs);
  return {
    bucketMs,
    buckets: Array.from({ length: last + 1 }, (_, i) => {
      const bucket = buckets.get(i);
      return { start: start + i * bucketMs, counts: bucket?.counts ?? {}, meanLatencyMs: bucket ? bucket.latencyUs / bucket.total / 1000 : 0 };
    }),
  };
}

export interface FeedbackItem {
  request_id: string;
  actual: string | number;
}

export interface FeedbackResult {
  accepted: number;
  /** Of those, rows that already had ground truth (replaced by this one). */
  replaced: number;
}

const MAX_FEEDBACK_ITEMS = 10_000;

/**
 * Parses a feedback body: `{"request_id": ..., "actual": ...}` or `{"feedback": [...]}`; the truth
 * may also be sent as `label` (a class) or `value` (a number). Errors name the item and field.
 */
export function parseFeedbackBody(body: unknown): FeedbackItem[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidParameter('The feedback body must be a JSON object: {"request_id": "...", "actual": ...} or {"feedback": [...]}.');
  }
  const object = body as Record<string, unknown>;
  const batch = 'feedback' in object;
  const items = batch ? object.feedback : [object];
  if (!Array.isArray(items)) throw invalidParameter("Invalid value for 'feedback': expected an array of {request_id, actual} objects.");
  if (items.length === 0) throw invalidParameter("Invalid value for 'feedback': the array is empty.");
  if (items.length > MAX_FEEDBACK_ITEMS) throw invalidParameter(`Invalid value for 'feedback': at most ${MAX_FEEDBACK_ITEMS} items per request, got ${items.length}.`);
  return items.map((item, i) => {
    const where = batch ? `feedback[${i}].` : '';
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalidParameter(`Invalid value for '${batch ? `feedback[${i}]` : 'body'}': expected an object.`);
    const fields = item as Record<string, unknown>;
    if (typeof fields.request_id !== 'string' || fields.request_id === '') throw invalidParameter(`Missing value for required field '${where}request_id' (a string from a prediction response).`);
    const given = (['actual', 'label', 'value'] as const).filter((key) => fields[key] !== undefined && fields[key] !== null);
    if (given.length !== 1) {
      throw invalidParameter(`Field '${where}actual' is required (or 'label' / 'value'), exactly one of them; got ${given.length ? given.join(', ') : 'none'}.`);
    }
    const actual = fields[given[0]!];
    if (typeof actual === 'number' ? !Number.isFinite(actual) : typeof actual !== 'string' && typeof actual !== 'boolean') {
      throw invalidParameter(`Invalid value for '${where}${given[0]}': expected a class (string) or a finite number.`);
    }
    return { request_id: fields.request_id, actual: typeof actual === 'boolean' ? String(actual) : (actual as string | number) };
  });
}

/** The classes a logged classifier prediction could have been (its probabilities' keys), else null. */
export function classesOf(outputJson: string): string[] | null {
  try {
    const output = JSON.parse(outputJson) as { probabilities?: unknown };
    return output.probabilities && typeof output.probabilities === 'object' ? Object.keys(output.probabilities) : null;
  } catch {
    return null;
  }
}

/**
 * Stores ground truth joined to its predictions, all or nothing: an unknown request id, or a
 * truth that does not fit the prediction (a class for a regression, a label that is not one of
 * the model's classes), refuses the whole batch, so a refused label never replaces a stored one.
 */
export function recordFeedback(db: SqliteDatabase, items: FeedbackItem[], now = Date.now()): FeedbackResult {
  const find = db.prepare('SELECT prediction_pk, model_name, predicted_label, output_json FROM predictions WHERE request_id = ?');
  const hasFeedback = db.prepare('SELECT 1 FROM prediction_feedback WHERE prediction_pk = ?');
  const remember = db.prepare('INSERT INTO prediction_feedback_history (prediction_pk, actual_label, actual_value, created_time) VALUES (?, ?, ?, ?)');
  const upsert = db.prepare(
    `INSERT INTO prediction_feedback (prediction_pk, actual_label, actual_value, created_time) VALUES (?, ?, ?, ?)
     ON CONFLICT (prediction_pk) DO UPDATE SET actual_label = excluded.actual_label, actual_value = excluded.actual_value, created_time = excluded.created_time`,
  );
  return db.transaction(() => {
    const unknown: string[] = [];
    const resolved = items.map((item, i) => {
      const row = find.get(item.request_id) as { prediction_pk: number; model_name: string; predicted_label: string | null; output_json: string } | undefined;
      if (!row) {
        unknown.push(item.request_id);
        return null;
      }
      const classifier = row.predicted_label !== null;
      const field = items.length > 1 ? `feedback[${i}].actual` : 'actual';
      if (!classifier && typeof item.actual !== 'number') {
        throw invalidParameter(`Invalid value '${item.actual}' for '${field}': request ${item.request_id} was a regression prediction, so the truth must be a number.`);
      }
      const classes = classifier ? classesOf(row.output_json) : null;
      if (classes && !classes.includes(String(item.actual))) {
        const allowed = classes.map((c) => JSON.stringify(c)).join(', ');
        throw invalidParameter(`Invalid value ${JSON.stringify(item.actual)} for '${field}': model ${row.model_name}'s classes are ${allowed}; no feedback was stored.`);
      }
      return { pk: row.prediction_pk, label: classifier ? String(item.actual) : null, value: classifier ? null : (item.actual as number) };
    });
    if (unknown.length > 0) {
      const shown = unknown.slice(0, 5).join(', ');
      throw notFound(`No prediction with request_id ${shown}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}; no feedback was stored.`);
    }
    let replaced = 0;
    for (const entry of resolved) {
      if (hasFeedback.get(entry!.pk)) replaced++;
      upsert.run(entry!.pk, entry!.label, entry!.value, now);
      remember.run(entry!.pk, entry!.label, entry!.value, now);
    }
    return { accepted: resolved.length, replaced };
  }).immediate();
}
