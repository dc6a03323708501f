/**
 * The runs table and the compare table as CSV, generated a chunk of rows at a time so an export
 * of 50,000 runs streams without being built in memory.
 */
import Database from 'better-sqlite3';
import type { RunRow } from '../../../shared/app-api/entities.js';
import type { CompareExport, RunsExport } from '../../../shared/app-api/exports.js';
import type { TrackingStore } from '../store/tracking-store.js';
import { metricQueueOf } from '../store/metric-queue.js';
import { runsPage } from '../store/run-table-query.js';
import { csvRow, csvTime, type CsvValue } from './csv.js';

/** Runs read per query: the table's own window size, one indexed page at a time. */
const RUNS_CHUNK = 1000;

/** Names of the file a download is saved as; `:` and `/` are what file systems refuse. */
export function safeFileName(name: string): string {
  const printable = [...name].map((char) => (char.charCodeAt(0) < 0x20 ? '_' : char)).join('');
  return printable.replace(/[\\/:*?"<>|]+/g, '_').slice(0, 120) || 'export';
}

/**
 * Rows of the runs table under the user's filter and sort with the columns shown, named as
 * MLflow's `search_runs` DataFrame names them (`metrics.loss`, `params.lr`, `tags.team`). Chunks
 * are read by offset inside one read transaction on a connection of the export's own, so they all
 * see the runs as they were when the export started: a run logged (or deleted) meanwhile cannot
 * shift a row into the next chunk, repeating it, or out of the one being read, skipping it. The
 * server's connection is not used for this: its writes would land inside the open transaction.
 */
export function* runsCsv(store: TrackingStore, query: RunsExport): Generator<string> {
  const { metrics, params, tags } = query.columns;
  const header = csvRow([
    'run_id', 'run_name', 'experiment_id', 'status', 'start_time', 'end_time', 'duration_s',
    ...metrics.map((key) => `metrics.${key}`), ...params.map((key) => `params.${key}`), ...tags.map((key) => `tags.${key}`),
  ]);
  const line = (run: RunRow) =>
    csvRow([
      run.runId, run.runName, run.experimentId, run.status, csvTime(run.startTime), csvTime(run.endTime),
      run.startTime !== null && run.endTime !== null ? (run.endTime - run.startTime) / 1000 : null,
      ...metrics.map((key) => run.metrics[key]), ...params.map((key) => run.params[key]), ...tags.map((key) => run.tags[key]),
    ]);
  // An in-memory database (tests) has no other connection to open, and no other writer.
  const db = store.db.memory ? store.db : new Database(store.db.name, { readonly: true, fileMustExist: true });
  try {
    if (db !== store.db) {
      db.pragma('busy_timeout = 5000');
      // Points the tracking server queued are stored through the store's own (writable)
      // connection first: the read-only snapshot cannot fold them itself.
      metricQueueOf(store.db).fold();
      // WAL: the snapshot is taken at the first read, and writers go on meanwhile.
      db.exec('BEGIN');
    }
    for (let offset = 0; ; offset += RUNS_CHUNK) {
      // The first page goes out with the header: a filter the parser refuses fails the first step.
      const { rows } = runsPage(db, { ...query, offset, limit: RUNS_CHUNK }, { foldQueue: db === store.db });
      yield (offset === 0 ? header : '') + rows.map(line).join('');
      if (rows.length < RUNS_CHUNK) return;
    }
  } finally {
    // Also when the download is cut short: the stream returns the generator.
    if (db !== store.db) db.close();
  }
}

export function runsCsvName(store: TrackingStore, query: RunsExport): string {
  const names = query.experimentIds.map((id) => {
    try {
      return store.experiments.get(id).name;
    } catch {
      return id;
    }
  });
  return `${safeFileName(names.length === 1 ? names[0]! : `${names.length}-experiments`)}-runs.csv`;
}

/**
 * The compare table as on screen: one column per run (its name; the first row holds the ids),
 * one row per run attribute, param and latest metric. Params and metrics a run lacks are empty.
 */
export function* compareCsv(store: TrackingStore, { runIds }: CompareExport): Generator<string> {
  // Unknown ids are a 404 before anything is sent: the generator's first step runs before the answer starts.
  const runs = runIds.map((id) => store.runs.get(id));
  const params = runs.map((run) => new Map(run.data.params.map((p) => [p.key, p.value])));
  const metrics = runs.map((run) => new Map(run.data.metrics.map((m) => [m.key, m.value])));
  const keys = (maps: Map<string, unknown>[]) => [...new Set(maps.flatMap((map) => [...map.keys()]))].sort();
  const row = (section: string, key: string, values: CsvValue[]) => csvRow([section, key, ...values]);
  yield csvRow(['section', 'key', ...runs.map((run) => run.info.run_name || run.info.run_id)]) +
    row('run', 'run_id', runs.map((run) => run.info.run_id)) +
    row('run', 'experiment_id', runs.map((run) => run.info.experiment_id)) +
    row('run', 'status', runs.map((run) => run.info.status)) +
    row('run', 'start_time', runs.map((run) => csvTime(run.info.start_time))) +
    row('run', 'end_time', runs.map((run) => csvTime(run.info.end_time))) +
    row('run', 'user', runs.map((run) => run.info.user_id));
  yield keys(params).map((key) => row('params', key, params.map((map) => map.get(key)))).join('');
  yield keys(metrics).map((key) => row('metrics', key, metrics.map((map) => map.get(key) as CsvValue))).join('');
}
