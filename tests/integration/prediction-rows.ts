import Database from 'better-sqlite3';
import { join } from 'node:path';

/**
 * Writes prediction-log rows straight into a data dir's database (WAL: a running server sees
 * them), as a model server's log writer would, so export tests need no trained model.
 */
export interface SeedPredictions {
  model: string;
  count: number;
  /** Version of row i. */
  version?: (i: number) => number;
  /** Time of row i, ms. */
  time?: (i: number) => number;
  /** Ground truth of row i; undefined leaves it without. */
  actual?: (i: number) => string | undefined;
}

export const CLASSES = ['no', 'yes'] as const;

export function seedPredictions(dataDir: string, seed: SeedPredictions, batch = 50_000): void {
  const db = new Database(join(dataDir, 'mldesk.db'));
  db.pragma('busy_timeout = 10000');
  try {
    const insert = db.prepare(
      `INSERT INTO predictions (request_id, model_name, model_version, run_id, inputs_json, output_json, predicted_label, latency_us, endpoint, created_time)
       VALUES (?, ?, ?, NULL, ?, ?, ?, ?, 'predict', ?)`,
    );
    const feedback = db.prepare('INSERT INTO prediction_feedback (prediction_pk, actual_label, created_time) VALUES (?, ?, ?)');
    const history = db.prepare('INSERT INTO prediction_feedback_history (prediction_pk, actual_label, created_time) VALUES (?, ?, ?)');
    const start = Date.now() - seed.count;
    for (let from = 0; from < seed.count; from += batch) {
      db.transaction(() => {
        for (let i = from; i < Math.min(seed.count, from + batch); i++) {
          const yes = (i * 7919) % 100 / 100;
          const label = yes >= 0.5 ? 'yes' : 'no';
          const time = seed.time?.(i) ?? start + i;
          const { lastInsertRowid } = insert.run(
            `${seed.model}-${String(i).padStart(9, '0')}`,
            seed.model,
            seed.version?.(i) ?? 1,
            JSON.stringify({ tenure_months: i % 72, plan: i % 3 === 0 ? 'pro, annual' : 'basic', note: i % 5 === 0 ? '=cmd|" /C calc"!A0' : 'ok' }),
            JSON.stringify({ label, probabilities: { no: 1 - yes, yes } }),
            label,
            1000 + (i % 500),
            time,
          );
          const actual = seed.actual?.(i);
          if (actual !== undefined) {
            feedback.run(lastInsertRowid, actual, time + 1000);
            history.run(lastInsertRowid, actual, time + 1000);
          }
        }
      })();
    }
  } finally {
    db.close();
  }
}
