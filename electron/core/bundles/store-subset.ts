import Database from 'better-sqlite3';
import type { SqliteDatabase } from '../store/database.js';
import { migrate } from '../store/database.js';
import { collectOriginals, registerScrubFunctions, scrubExpression, type Scrubber } from './anonymize.js';

/**
 * Builds a bundle's store.sqlite: a fresh database in MLDesk's current schema holding only the
 * selected runs and what hangs off them, copied row for row with INSERT…SELECT through ATTACH (the
 * ten million metric points of a large bundle go in primary-key order, so the copy is append-only).
 * Primary keys are the source's; the importer remaps them.
 */

/** The dataset lineage tag naming the dataset version a run trained on (lineage-tags.ts). */
export const DATASET_VERSION_TAG = 'mldesk.lineage.data.dataset_version_id';

export interface SubsetSelection {
  experimentIds: number[];
  runPks: number[];
}

/** Creates `file` with every migration applied and the connection settings a one-shot bulk copy wants. */
export function createEmptyStore(file: string): void {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = DELETE');
    migrate(db, file);
  } finally {
    db.close();
  }
}

function columnsOf(db: SqliteDatabase, table: string): { names: string; values: string } {
  const cols = db.prepare('SELECT name, type, pk FROM pragma_table_info(?)').all(table) as { name: string; type: string; pk: number }[];
  if (cols.length === 0) throw new Error(`table ${table} is missing from the store`);
  return { names: cols.map((c) => `"${c.name}"`).join(', '), values: cols.map((c) => scrubExpression(table, c.name, c.type, c.pk > 0)).join(', ') };
}

/**
 * Copies the selection from `source` (the live store, read in one transaction: a consistent
 * snapshot even while a server writes) into the empty store at `file`.
 */
export function copyStoreSubset(source: SqliteDatabase, file: string, selection: SubsetSelection, scrubber: Scrubber): void {
  registerScrubFunctions(source, scrubber);
  source.prepare('ATTACH DATABASE ? AS bundle').run(file);
  try {
    source.pragma('bundle.journal_mode = OFF');
    source.pragma('bundle.synchronous = OFF');
    source.transaction(() => {
      source.exec('DROP TABLE IF EXISTS temp.sel_runs; DROP TABLE IF EXISTS temp.sel_exps; DROP TABLE IF EXISTS temp.sel_versions; DROP TABLE IF EXISTS temp.sel_dv');
      source.exec('CREATE TEMP TABLE sel_exps (experiment_id INTEGER PRIMARY KEY)');
      source.exec('CREATE TEMP TABLE sel_runs (run_pk INTEGER PRIMARY KEY, run_uuid TEXT NOT NULL UNIQUE)');
      const addExp = source.prepare('INSERT OR IGNORE INTO temp.sel_exps VALUES (?)');
      for (const id of selection.experimentIds) addExp.run(id);
      const addRun = source.prepare('INSERT INTO temp.sel_runs SELECT run_pk, run_uuid FROM main.runs WHERE run_pk = ?');
      for (const pk of selection.runPks) addRun.run(pk);
      source.exec(`CREATE TEMP TABLE sel_versions AS
        SELECT version_pk, model_id, version FROM main.model_versions WHERE run_id IN (SELECT run_uuid FROM temp.sel_runs)`);
      // Dataset versions the runs trained on: by the lineage tag, and by the trained_on edges (name@version).
      source.exec(`CREATE TEMP TABLE sel_dv AS
        SELECT DISTINCT v.version_id FROM main.dataset_versions v WHERE v.version_id IN (
          SELECT CAST(t.value AS INTEGER) FROM main.tags t JOIN temp.sel_runs s ON s.run_pk = t.run_pk WHERE t.key = '${DATASET_VERSION_TAG}'
          UNION
          SELECT v3.version_id FROM main.lineage_edges e
            JOIN main.dataset_versions v3
            JOIN main.named_datasets n3 ON n3.dataset_id = v3.dataset_id AND e.source_id = n3.name || '@' || v3.version
            WHERE e.source_kind = 'dataset_version' AND e.target_kind = 'run' AND e.target_id IN (SELECT run_uuid FROM temp.sel_runs))`);

      collectOriginals(source, 'SELECT run_pk FROM temp.sel_runs', 'SELECT version_pk FROM temp.sel_versions', 'SELECT version_id FROM temp.sel_dv');
      const copy = (table: string, where: string) => {
        const cols = columnsOf(source, table);
        source.exec(`INSERT INTO bundle."${table}" (${cols.names}) SELECT ${cols.values} FROM main."${table}" WHERE ${where}`);
      };
      const byRun = 'run_pk IN (SELECT run_pk FROM temp.sel_runs)';
      copy('experiments', 'experiment_id IN (SELECT experiment_id FROM temp.sel_exps)');
      copy('experiment_tags', 'experiment_id IN (SELECT experiment_id FROM temp.sel_exps)');
      copy('runs', byRun);
      for (const table of ['params', 'tags', 'latest_metrics', 'artifacts']) copy(table, byRun);
      // ORDER BY the primary key: the bundle's B-trees then only ever grow at their right edge.
      const metricColumns = columnsOf(source, 'metrics');
      source.exec(`INSERT INTO bundle.metrics (${metricColumns.names}) SELECT ${metricColumns.values} FROM main.metrics
        WHERE ${byRun} ORDER BY run_pk, key, step, timestamp, value, is_nan`);
      copy('metric_blocks', byRun);
      copy('datasets', 'dataset_pk IN (SELECT dataset_pk FROM main.run_inputs WHERE run_pk IN (SELECT run_pk FROM temp.sel_runs))');
      copy('run_inputs', byRun);
      copy('run_input_tags', byRun);
      copy('named_datasets', 'dataset_id IN (SELECT dataset_id FROM main.dataset_versions WHERE version_id IN (SELECT version_id FROM temp.sel_dv))');
      copy('dataset_versions', 'version_id IN (SELECT version_id FROM temp.sel_dv)');
      copy('registered_models', 'model_id IN (SELECT model_id FROM temp.sel_versions)');
      copy('registered_model_tags', 'model_id IN (SELECT model_id FROM temp.sel_versions)');
      copy('model_versions', 'version_pk IN (SELECT version_pk FROM temp.sel_versions)');
      copy('model_version_tags', 'version_pk IN (SELECT version_pk FROM temp.sel_versions)');
      copy('model_version_reviews', 'version_pk IN (SELECT version_pk FROM temp.sel_versions)');
      copy('registered_model_aliases', '(model_id, version) IN (SELECT model_id, version FROM temp.sel_versions)');
      copy('alias_audit', `model_id IN (SELECT model_id FROM temp.sel_versions)
        AND (to_version IN (SELECT version FROM temp.sel_versions s WHERE s.model_id = alias_audit.model_id)
          OR from_version IN (SELECT version FROM temp.sel_versions s WHERE s.model_id = alias_audit.model_id))`);
      const versionIds = `SELECT r.name || '/' || s.version FROM temp.sel_versions s JOIN main.registered_models r ON r.model_id = s.model_id`;
      copy('lineage_edges', `(source_kind = 'run' AND source_id IN (SELECT run_uuid FROM temp.sel_runs))
        OR (target_kind = 'run' AND target_id IN (SELECT run_uuid FROM temp.sel_runs))
        OR (source_kind = 'model_version' AND source_id IN (${versionIds}))
        OR (target_kind = 'model_version' AND target_id IN (${versionIds}))`);
      source.exec('DROP TABLE temp.sel_runs; DROP TABLE temp.sel_exps; DROP TABLE temp.sel_versions; DROP TABLE temp.sel_dv');
    })();
  } finally {
    source.exec('DETACH DATABASE bundle');
  }
}
