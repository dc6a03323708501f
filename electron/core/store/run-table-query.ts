import type { RunRow as AppRunRow, RunModel } from '../../../shared/app-api/entities.js';
import type { OperationInput, OperationOutput } from '../../../shared/app-api/operations.js';
import { defaultColumns } from '../../../shared/run-columns.js';
import { encodeMetricValue } from '../../../shared/tracking-types.js';
import type { SqliteDatabase } from './database.js';
import { metricQueueOf } from './metric-queue.js';
import { buildRunSelection, RUN_ROW_COLUMNS } from './run-search.js';
import type { RunRow } from './runs.js';

/**
 * The app's runs table: one window of rows (offset/limit) of a filtered, sorted selection, with
 * only the param/metric/tag columns the user shows. The table scrolls through windows, so 50,000
 * runs cost no more to open than 100.
 */
export function runsPage(db: SqliteDatabase, input: OperationInput<'runs.page'>, options: { foldQueue?: boolean } = {}): OperationOutput<'runs.page'> {
  if (input.pickColumns) {
    const keys = runColumns(db, input.experimentIds);
    const columns = defaultColumns(keys);
    return { ...runsPage(db, { ...input, columns, pickColumns: false }, options), picked: { columns, keys } };
  }
  const selection = buildRunSelection({
    experimentIds: input.experimentIds,
    filter: input.filter,
    viewType: input.includeDeleted ? 'ALL' : 'ACTIVE_ONLY',
    orderBy: (input.sort ?? []).map((s) => `${s.column} ${s.ascending ? 'ASC' : 'DESC'}`),
  });
  if (selection === null) return { total: 0, rows: [] };
  // Metric columns, filters and sorts read latest_metrics: points still queued must be there.
  // A read-only snapshot (the CSV export) cannot fold; its caller folded before taking it.
  if (options.foldQueue !== false) metricQueueOf(db).fold();
  // Counting needs no ORDER BY joins; the filter's params come after the join params in selection.params.
  const total = (db.prepare(`SELECT count(*) AS n ${selection.from}`).get(...selection.params) as { n: number }).n;
  const rows = db
    .prepare(`SELECT ${RUN_ROW_COLUMNS} ${selection.from} ORDER BY ${selection.orderBy} LIMIT ? OFFSET ?`)
    .all(...selection.params, input.limit, input.offset) as RunRow[];
  const byPk = new Map<number, AppRunRow>();
  for (const row of rows) {
    byPk.set(row.run_pk, {
      runId: row.run_uuid,
      runName: row.name,
      experimentId: String(row.experiment_id),
      status: row.status,
      lifecycleStage: row.lifecycle_stage,
      startTime: row.start_time,
      endTime: row.end_time,
      params: {},
      metrics: {},
      tags: {},
    });
  }
  if (rows.length > 0) {
    const pks = rows.map((row) => row.run_pk);
    const marks = pks.map(() => '?').join(',');
    const fill = (table: string, keys: string[], put: (run: AppRunRow, key: string, value: unknown, isNan: number) => void) => {
      if (keys.length === 0) return;
      const keyMarks = keys.map(() => '?').join(',');
      const nanColumn = table === 'latest_metrics' ? 'is_nan' : '0';
      const stmt = db.prepare(`SELECT run_pk, key, value, ${nanColumn} FROM ${table} WHERE run_pk IN (${marks}) AND key IN (${keyMarks})`);
      for (const [pk, key, value, isNan] of stmt.raw().iterate(...pks, ...keys) as IterableIterator<[number, string, unknown, number]>) {
        put(byPk.get(pk)!, key, value, isNan);
      }
    };
    fill('params', input.columns.params, (run, key, value) => (run.params[key] = value as string));
    fill('tags', input.columns.tags, (run, key, value) => (run.tags[key] = value as string));
    fill('latest_metrics', input.columns.metrics, (run, key, value, isNan) => (run.metrics[key] = isNan ? 'NaN' : encodeMetricValue(value as number)));
    const models = runModels(db, rows.map((row) => row.run_uuid));
    for (const run of byPk.values()) run.models = models.get(run.runId) ?? [];
  }
  return { total, rows: [...byPk.values()] };
}

/**
 * Distinct param, metric and tag keys across the experiments, for the column picker; which param
 * and metric keys hold different values in different runs (the table's default columns: a column
 * that is the same on every run answers nothing); and whether any run has a registered model.
 */
export function runColumns(db: SqliteDatabase, experimentIds: string[]): OperationOutput<'runs.columns'> {
  if (experimentIds.length === 0) return { params: [], metrics: [], tags: [], varying: { params: [], metrics: [] }, hasModels: false };
  const marks = experimentIds.map(() => '?').join(',');
  const ids = experimentIds.map(Number);
  metricQueueOf(db).fold();
  // Distinct keys first (few), then one indexed existence check per key: ~5x faster than a
  // DISTINCT over every row of 50,000 runs.
  const keys = (table: string) =>
    (
      db
        .prepare(
          `SELECT k.key FROM (SELECT DISTINCT key FROM ${table}) k
           WHERE EXISTS (SELECT 1 FROM ${table} x JOIN runs r ON r.run_pk = x.run_pk WHERE x.key = k.key AND r.experiment_id IN (${marks}))
           ORDER BY k.key`,
        )
        .raw()
        .all(...ids) as [string][]
    ).map(([key]) => key);
  // The smallest and largest value of a key in these experiments, each one walk of the (key, value)
  // index that stops at the first run of the experiments: the two differ when the runs do.
  const varying = (table: string, found: string[]) => {
    const edge = (order: 'ASC' | 'DESC') =>
      db.prepare(`SELECT x.value FROM ${table} x JOIN runs r ON r.run_pk = x.run_pk WHERE x.key = ? AND r.experiment_id IN (${marks}) ORDER BY x.value ${order} LIMIT 1`).pluck();
    const lowest = edge('ASC');
    const highest = edge('DESC');
    return found.filter((key) => lowest.get(key, ...ids) !== highest.get(key, ...ids));
  };
  const params = keys('params');
  const metrics = keys('latest_metrics');
  const hasModels = db.prepare(`SELECT EXISTS (SELECT 1 FROM model_versions mv JOIN runs r ON r.run_uuid = mv.run_id WHERE r.experiment_id IN (${marks}))`).pluck().get(...ids) === 1;
  return { params, metrics, tags: keys('tags'), varying: { params: varying('params', params), metrics: varying('latest_metrics', metrics) }, hasModels };
}

/** Registered versions of the given runs, with their aliases (the table's Models column). */
function runModels(db: SqliteDatabase, runIds: string[]): Map<string, RunModel[]> {
  const byRun = new Map<string, RunModel[]>();
  if (runIds.length === 0) return byRun;
  const rows = db
    .prepare(
      `SELECT mv.run_id, rm.name, mv.version, a.alias FROM model_versions mv
       JOIN registered_models rm ON rm.model_id = mv.model_id
       LEFT JOIN registered_model_aliases a ON a.model_id = mv.model_id AND a.version = mv.version
       WHERE mv.run_id IN (${runIds.map(() => '?').join(',')})
       ORDER BY rm.name, mv.version, a.alias`,
    )
    .raw()
    .all(...runIds) as [string, string, number, string | null][];
  for (const [runId, name, version, alias] of rows) {
    const models = byRun.get(runId) ?? [];
    let model = models.find((m) => m.name === name && m.version === String(version));
    if (!model) models.push((model = { name, version: String(version), aliases: [] }));
    if (alias !== null) model.aliases.push(alias);
    byRun.set(runId, models);
  }
  return byRun;
}

/**
 * The run's metric keys logged exactly once (a final test score, `restored_epoch`): the run page
 * shows these as values rather than one-point charts. Each key stops at its second point, so a
 * history of a million points costs no more than one of two.
 */
export function singlePointMetricKeys(db: SqliteDatabase, runPk: number): string[] {
  const keys = db.prepare('SELECT key FROM latest_metrics WHERE run_pk = ?').pluck().all(runPk) as string[];
  const points = db.prepare('SELECT count(*) FROM (SELECT 1 FROM metrics WHERE run_pk = ? AND key = ? LIMIT 2)').pluck();
  return keys.filter((key) => (points.get(runPk, key) as number) === 1).sort();
}
