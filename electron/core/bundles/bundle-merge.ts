import type { SqliteDatabase } from '../store/database.js';
import { invalidParameter } from '../errors.js';
import { PROXY_SCHEME } from '../store/artifact-files.js';
import { DATASET_VERSION_TAG } from './store-subset.js';

/**
 * The database half of `mldesk bundle import`: merges the bundle's store (attached as `b`) into
 * this one, inside the caller's transaction. Objects are matched by what names them everywhere,
 * never by the bundle's primary keys: experiments by name, runs by their global UUID, dataset
 * versions by (dataset name, content hash), model versions by (model, run, source). What matches is
 * left as it is here; what is new gets this store's ids, keeping the bundle's experiment id or
 * version number when it is free. So importing a bundle twice, or another bundle holding some of
 * the same runs, adds nothing twice.
 */
export interface MergeReport {
  experiments: { name: string; id: string; created: boolean }[];
  runs: { runId: string; name: string; experimentId: string; imported: boolean }[];
  datasetVersions: { ref: string; importedAs: string; created: boolean }[];
  modelVersions: { name: string; version: string; importedAs: string; created: boolean }[];
  /** Name clashes settled, each said in a sentence (a renumbered version, an alias left where it was). */
  conflicts: string[];
  /** Runs whose artifact folders move into place: bundle path → this store's path, both under the artifact root. */
  artifactMoves: { from: string; to: string }[];
}

const runUri = (experimentId: number, uuid: string) => `${PROXY_SCHEME}/${experimentId}/${uuid}/artifacts`;
const RUN_ID = /^[0-9a-f]{32}$/;

/**
 * A bundle's signature says who wrote it, not that they mean well: its store must not point this
 * store at local files. A run id becomes a folder name, so it must be one; an artifact URI or a
 * model version's source must be the bundle's own (`mlflow-artifacts:`), a `runs:`/`models:` URI,
 * or a remote store, never a local path.
 */
function refuseLocal(value: string, what: string): void {
  if (/^file:/i.test(value) || value.startsWith('/') || value.startsWith('\\') || /^[A-Za-z]:[\\/]/.test(value) || !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value)) {
    throw invalidParameter(`The bundle's ${what} is '${value}': a local path, refused (a bundle may only name its own files or remote stores).`);
  }
}

export function mergeBundleStore(db: SqliteDatabase): MergeReport {
  const report: MergeReport = { experiments: [], runs: [], datasetVersions: [], modelVersions: [], conflicts: [], artifactMoves: [] };
  const one = <T>(sql: string, ...args: unknown[]) => db.prepare(sql).get(...args) as T | undefined;
  const all = <T>(sql: string, ...args: unknown[]) => db.prepare(sql).all(...args) as T[];
  db.exec(`DROP TABLE IF EXISTS temp.imp_exp; DROP TABLE IF EXISTS temp.imp_run; DROP TABLE IF EXISTS temp.imp_ds; DROP TABLE IF EXISTS temp.imp_dv; DROP TABLE IF EXISTS temp.imp_mv;
    CREATE TEMP TABLE imp_exp (old INTEGER PRIMARY KEY, new INTEGER NOT NULL);
    CREATE TEMP TABLE imp_run (old INTEGER PRIMARY KEY, new INTEGER NOT NULL);
    CREATE TEMP TABLE imp_ds (old INTEGER PRIMARY KEY, new INTEGER NOT NULL);
    CREATE TEMP TABLE imp_dv (old INTEGER PRIMARY KEY, new INTEGER NOT NULL, old_ref TEXT NOT NULL, new_ref TEXT NOT NULL, new_version INTEGER NOT NULL);
    CREATE TEMP TABLE imp_mv (old INTEGER PRIMARY KEY, new INTEGER NOT NULL, old_ref TEXT NOT NULL, new_ref TEXT NOT NULL, created INTEGER NOT NULL);`);

  // Experiments: the same name is the same experiment (its runs join it); a new one keeps its id if free.
  for (const e of all<{ experiment_id: number; name: string; creation_time: number; last_update_time: number }>('SELECT * FROM b.experiments ORDER BY experiment_id')) {
    const here = one<{ experiment_id: number; lifecycle_stage: string }>('SELECT experiment_id, lifecycle_stage FROM main.experiments WHERE name = ?', e.name);
    let id: number;
    if (here) {
      if (here.lifecycle_stage !== 'active') throw invalidParameter(`Experiment '${e.name}' exists here in deleted state: restore it (or delete it for good) before importing the bundle into it.`);
      id = here.experiment_id;
      db.prepare('INSERT OR IGNORE INTO main.experiment_tags (experiment_id, key, value) SELECT ?, key, value FROM b.experiment_tags WHERE experiment_id = ?').run(id, e.experiment_id);
    } else {
      const taken = one('SELECT 1 FROM main.experiments WHERE experiment_id = ?', e.experiment_id);
      id = taken ? (one<{ id: number }>('SELECT COALESCE(MAX(experiment_id), 0) + 1 AS id FROM main.experiments')!.id) : e.experiment_id;
      db.prepare('INSERT INTO main.experiments (experiment_id, name, artifact_location, creation_time, last_update_time) VALUES (?, ?, ?, ?, ?)').run(id, e.name, `${PROXY_SCHEME}/${id}`, e.creation_time, e.last_update_time);
      db.prepare('INSERT INTO main.experiment_tags (experiment_id, key, value) SELECT ?, key, value FROM b.experiment_tags WHERE experiment_id = ?').run(id, e.experiment_id);
      if (id !== e.experiment_id) report.conflicts.push(`Experiment '${e.name}': its id ${e.experiment_id} is taken here, imported as experiment ${id}.`);
    }
    db.prepare('INSERT INTO temp.imp_exp VALUES (?, ?)').run(e.experiment_id, id);
    report.experiments.push({ name: e.name, id: String(id), created: !here });
  }

  // Runs: a UUID already here is the same run, kept as it is (its data here may have moved on).
  type BundleRun = { run_pk: number; run_uuid: string; experiment_id: number; name: string; user_id: string; status: string; start_time: number | null; end_time: number | null; lifecycle_stage: string; artifact_uri: string; deleted_time: number | null };
  const insertRun = db.prepare(`INSERT INTO main.runs (run_uuid, experiment_id, name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri, deleted_time)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const uriOf = new Map<string, { old: string; now: string }>();
  for (const r of all<BundleRun>('SELECT * FROM b.runs ORDER BY run_pk')) {
    if (!RUN_ID.test(r.run_uuid)) throw invalidParameter(`The bundle's store names a run '${r.run_uuid.slice(0, 80)}': not a run id (32 hex digits), refused.`);
    const experimentId = one<{ new: number }>('SELECT new FROM temp.imp_exp WHERE old = ?', r.experiment_id)!.new;
    const here = one<{ experiment_id: number; artifact_uri: string }>('SELECT experiment_id, artifact_uri FROM main.runs WHERE run_uuid = ?', r.run_uuid);
    if (here) {
      if (here.experiment_id !== experimentId) report.conflicts.push(`Run ${r.run_uuid} ('${r.name}') is already here in another experiment (${here.experiment_id}): left there as it is.`);
      uriOf.set(r.run_uuid, { old: r.artifact_uri, now: here.artifact_uri });
      report.runs.push({ runId: r.run_uuid, name: r.name, experimentId: String(here.experiment_id), imported: false });
      continue;
    }
    const bundled = r.artifact_uri === runUri(r.experiment_id, r.run_uuid);
    if (!bundled) {
      refuseLocal(r.artifact_uri, `artifact URI of run ${r.run_uuid}`);
      if (r.artifact_uri.startsWith(PROXY_SCHEME)) throw invalidParameter(`The bundle's artifact URI of run ${r.run_uuid} is '${r.artifact_uri}': not the run's own folder, refused.`);
    }
    const uri = bundled ? runUri(experimentId, r.run_uuid) : r.artifact_uri;
    const info = insertRun.run(r.run_uuid, experimentId, r.name, r.user_id, r.status, r.start_time, r.end_time, r.lifecycle_stage, uri, r.deleted_time);
    db.prepare('INSERT INTO temp.imp_run VALUES (?, ?)').run(r.run_pk, Number(info.lastInsertRowid));
    uriOf.set(r.run_uuid, { old: r.artifact_uri, now: uri });
    if (bundled) report.artifactMoves.push({ from: `${r.experiment_id}/${r.run_uuid}`, to: `${experimentId}/${r.run_uuid}` });
    report.runs.push({ runId: r.run_uuid, name: r.name, experimentId: String(experimentId), imported: true });
  }
  const copyByRun = (table: string, columns: string[], order = '') => {
    const list = columns.join(', ');
    db.exec(`INSERT INTO main.${table} (run_pk, ${list}) SELECT m.new, ${columns.map((c) => `x.${c}`).join(', ')}
      FROM b.${table} x JOIN temp.imp_run m ON m.old = x.run_pk ${order}`);
  };
  copyByRun('params', ['key', 'value']);
  copyByRun('tags', ['key', 'value']);
  // In the bundle's key order: new run pks follow the bundle's, so the B-tree grows at its edge.
  copyByRun('metrics', ['key', 'step', 'timestamp', 'value', 'is_nan'], 'ORDER BY x.run_pk, x.key, x.step, x.timestamp, x.value, x.is_nan');
  copyByRun('latest_metrics', ['key', 'value', 'is_nan', 'step', 'timestamp']);
  copyByRun('metric_blocks', ['key', 'level', 'block', 'count', 'sum', 'min', 'max', 'first_step', 'last_step', 'first_timestamp', 'last_timestamp']);
  copyByRun('artifacts', ['path', 'file_size', 'sha256', 'created_time']);
  // latest_metrics has no trigger (see migration 12): cached run documents must still see the new values.
  db.exec('UPDATE main.runs SET data_version = data_version + 1 WHERE run_pk IN (SELECT new FROM temp.imp_run)');

  // MLflow's per-experiment dataset records, by (experiment, name, digest).
  for (const d of all<{ dataset_pk: number; experiment_id: number; name: string; digest: string; source_type: string; source: string; schema: string | null; profile: string | null }>('SELECT * FROM b.datasets')) {
    const experimentId = one<{ new: number }>('SELECT new FROM temp.imp_exp WHERE old = ?', d.experiment_id)!.new;
    db.prepare('INSERT OR IGNORE INTO main.datasets (experiment_id, name, digest, source_type, source, schema, profile) VALUES (?, ?, ?, ?, ?, ?, ?)').run(experimentId, d.name, d.digest, d.source_type, d.source, d.schema, d.profile);
    const pk = one<{ dataset_pk: number }>('SELECT dataset_pk FROM main.datasets WHERE experiment_id = ? AND name = ? AND digest = ?', experimentId, d.name, d.digest)!.dataset_pk;
    db.prepare('INSERT INTO temp.imp_ds VALUES (?, ?)').run(d.dataset_pk, pk);
  }
  db.exec(`INSERT INTO main.run_inputs (run_pk, dataset_pk) SELECT r.new, d.new FROM b.run_inputs x JOIN temp.imp_run r ON r.old = x.run_pk JOIN temp.imp_ds d ON d.old = x.dataset_pk;
    INSERT INTO main.run_input_tags (run_pk, dataset_pk, key, value) SELECT r.new, d.new, x.key, x.value FROM b.run_input_tags x JOIN temp.imp_run r ON r.old = x.run_pk JOIN temp.imp_ds d ON d.old = x.dataset_pk;`);

  mergeDatasetVersions(db, report);
  mergeRegistry(db, report, uriOf);

  // Edges name things by their user-facing ids: dataset versions and model versions renumbered here are renamed.
  db.exec(`INSERT OR IGNORE INTO main.lineage_edges (source_kind, source_id, target_kind, target_id, relation, created_time)
    SELECT e.source_kind, COALESCE(sd.new_ref, sm.new_ref, e.source_id), e.target_kind, COALESCE(td.new_ref, tm.new_ref, e.target_id), e.relation, e.created_time
    FROM b.lineage_edges e
    LEFT JOIN temp.imp_dv sd ON e.source_kind = 'dataset_version' AND sd.old_ref = e.source_id
    LEFT JOIN temp.imp_mv sm ON e.source_kind = 'model_version' AND sm.old_ref = e.source_id
    LEFT JOIN temp.imp_dv td ON e.target_kind = 'dataset_version' AND td.old_ref = e.target_id
    LEFT JOIN temp.imp_mv tm ON e.target_kind = 'model_version' AND tm.old_ref = e.target_id
    ORDER BY e.edge_pk`);
  db.exec('DROP TABLE temp.imp_exp; DROP TABLE temp.imp_run; DROP TABLE temp.imp_ds; DROP TABLE temp.imp_dv; DROP TABLE temp.imp_mv');
  return report;
}

function mergeDatasetVersions(db: SqliteDatabase, report: MergeReport): void {
  type Version = { version_id: number; name: string; created: number; version: number; sha256: string; format: string; row_count: number; byte_size: number; schema_json: string; stats_json: string; original_file_name: string; created_time: number };
  const versions = db.prepare(`SELECT v.*, n.name, n.created_time AS created FROM b.dataset_versions v JOIN b.named_datasets n ON n.dataset_id = v.dataset_id ORDER BY v.version_id`).all() as Version[];
  for (const v of versions) {
    let dataset = db.prepare('SELECT dataset_id FROM main.named_datasets WHERE name = ?').pluck().get(v.name) as number | undefined;
    if (dataset === undefined) dataset = Number(db.prepare('INSERT INTO main.named_datasets (name, created_time) VALUES (?, ?)').run(v.name, v.created).lastInsertRowid);
    const same = db.prepare('SELECT version_id, version FROM main.dataset_versions WHERE dataset_id = ? AND sha256 = ?').get(dataset, v.sha256) as { version_id: number; version: number } | undefined;
    let id: number;
    let number: number;
    if (same) {
      id = same.version_id;
      number = same.version;
    } else {
      const taken = db.prepare('SELECT 1 FROM main.dataset_versions WHERE dataset_id = ? AND version = ?').get(dataset, v.version);
      number = taken ? (db.prepare('SELECT MAX(version) + 1 FROM main.dataset_versions WHERE dataset_id = ?').pluck().get(dataset) as number) : v.version;
      id = Number(
        db
          .prepare(`INSERT INTO main.dataset_versions (dataset_id, version, sha256, format, row_count, byte_size, schema_json, stats_json, original_file_name, created_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
          .run(dataset, number, v.sha256, v.format, v.row_count, v.byte_size, v.schema_json, v.stats_json, v.original_file_name, v.created_time).lastInsertRowid,
      );
    }
    const oldRef = `${v.name}@${v.version}`;
    const newRef = `${v.name}@${number}`;
    if (number !== v.version) report.conflicts.push(`Dataset version ${oldRef} is ${newRef} here${same ? ' (the same content)' : ` (version ${v.version} here holds other content)`}.`);
    db.prepare('INSERT INTO temp.imp_dv VALUES (?, ?, ?, ?, ?)').run(v.version_id, id, oldRef, newRef, number);
    report.datasetVersions.push({ ref: oldRef, importedAs: newRef, created: !same });
  }
  // The imported runs' lineage tags name the dataset version by id and reference: this store's.
  db.exec(`UPDATE main.tags SET value = (SELECT CAST(d.new AS TEXT) FROM temp.imp_dv d WHERE CAST(d.old AS TEXT) = tags.value)
      WHERE key = '${DATASET_VERSION_TAG}' AND run_pk IN (SELECT new FROM temp.imp_run) AND value IN (SELECT CAST(old AS TEXT) FROM temp.imp_dv);
    UPDATE main.tags SET value = (SELECT d.new_ref FROM temp.imp_dv d WHERE d.old_ref = tags.value)
      WHERE key = 'mldesk.lineage.data.ref' AND run_pk IN (SELECT new FROM temp.imp_run) AND value IN (SELECT old_ref FROM temp.imp_dv);
    UPDATE main.tags SET value = (SELECT 'mldesk-dataset:' || d.new_ref FROM temp.imp_dv d WHERE 'mldesk-dataset:' || d.old_ref = tags.value)
      WHERE key = 'mldesk.lineage.data.source' AND run_pk IN (SELECT new FROM temp.imp_run) AND value IN (SELECT 'mldesk-dataset:' || old_ref FROM temp.imp_dv);
    UPDATE main.tags SET value = (SELECT CAST(d.new_version AS TEXT) FROM temp.imp_dv d JOIN main.tags r ON r.run_pk = tags.run_pk AND r.key = 'mldesk.lineage.data.ref' AND r.value = d.new_ref)
      WHERE key = 'mldesk.lineage.data.version' AND run_pk IN (SELECT new FROM temp.imp_run)
        AND EXISTS (SELECT 1 FROM temp.imp_dv d JOIN main.tags r ON r.run_pk = tags.run_pk AND r.key = 'mldesk.lineage.data.ref' AND r.value = d.new_ref);`);
}

function mergeRegistry(db: SqliteDatabase, report: MergeReport, uriOf: Map<string, { old: string; now: string }>): void {
  type Version = { version_pk: number; model_id: number; model_name: string; version: number; source: string; run_id: string | null; run_link: string; description: string; status: string; current_stage: string; creation_timestamp: number; last_updated_timestamp: number; creator_identity: string | null };
  const models = new Map<number, number>();
  for (const m of db.prepare('SELECT * FROM b.registered_models ORDER BY model_id').all() as { model_id: number; name: string; description: string; creation_timestamp: number; last_updated_timestamp: number }[]) {
    let id = db.prepare('SELECT model_id FROM main.registered_models WHERE name = ?').pluck().get(m.name) as number | undefined;
    if (id === undefined) {
      id = Number(db.prepare('INSERT INTO main.registered_models (name, description, next_version, creation_timestamp, last_updated_timestamp) VALUES (?, ?, 1, ?, ?)').run(m.name, m.description, m.creation_timestamp, m.last_updated_timestamp).lastInsertRowid);
      db.prepare('INSERT INTO main.registered_model_tags (model_id, key, value) SELECT ?, key, value FROM b.registered_model_tags WHERE model_id = ?').run(id, m.model_id);
    }
    models.set(m.model_id, id);
  }
  const versions = db.prepare('SELECT v.*, m.name AS model_name FROM b.model_versions v JOIN b.registered_models m ON m.model_id = v.model_id ORDER BY v.model_id, v.version').all() as Version[];
  for (const v of versions) {
    const modelId = models.get(v.model_id)!;
    const uris = v.run_id ? uriOf.get(v.run_id) : undefined;
    const underRun = uris !== undefined && (v.source === uris.old || v.source.startsWith(`${uris.old}/`));
    const source = underRun ? uris.now + v.source.slice(uris.old.length) : v.source;
    if (!underRun) refuseLocal(v.source, `source of model version ${v.model_name}/${v.version}`);
    if ((!underRun && v.source.startsWith(PROXY_SCHEME)) || v.source.split('/').includes('..')) {
      throw invalidParameter(`The bundle's source of model version ${v.model_name}/${v.version} is '${v.source}': not under its run's artifacts, refused.`);
    }
    const same = db.prepare('SELECT version_pk, version FROM main.model_versions WHERE model_id = ? AND run_id IS ? AND source = ?').get(modelId, v.run_id, source) as { version_pk: number; version: number } | undefined;
    const oldRef = `${v.model_name}/${v.version}`;
    if (same) {
      db.prepare('INSERT INTO temp.imp_mv VALUES (?, ?, ?, ?, 0)').run(v.version_pk, same.version_pk, oldRef, `${v.model_name}/${same.version}`);
      report.modelVersions.push({ name: v.model_name, version: String(v.version), importedAs: String(same.version), created: false });
      continue;
    }
    const taken = db.prepare('SELECT run_id FROM main.model_versions WHERE model_id = ? AND version = ?').get(modelId, v.version) as { run_id: string | null } | undefined;
    const next = db.prepare('SELECT MAX(next_version, COALESCE((SELECT MAX(version) + 1 FROM main.model_versions WHERE model_id = ?), 1)) FROM main.registered_models WHERE model_id = ?').pluck().get(modelId, modelId) as number;
    const number = taken ? next : v.version;
    if (taken) report.conflicts.push(`Model version ${oldRef} is taken here (by ${taken.run_id ? `run ${taken.run_id}` : 'a version from outside any run'}): imported as ${v.model_name}/${number}.`);
    const pk = Number(
      db
        .prepare(`INSERT INTO main.model_versions (model_id, version, source, run_id, run_link, description, status, current_stage, creation_timestamp, last_updated_timestamp, creator_identity)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(modelId, number, source, v.run_id, v.run_link, v.description, v.status, v.current_stage, v.creation_timestamp, v.last_updated_timestamp, v.creator_identity).lastInsertRowid,
    );
    db.prepare('UPDATE main.registered_models SET next_version = MAX(next_version, ?) WHERE model_id = ?').run(number + 1, modelId);
    db.prepare('INSERT INTO main.model_version_tags (version_pk, key, value) SELECT ?, key, value FROM b.model_version_tags WHERE version_pk = ?').run(pk, v.version_pk);
    db.prepare(`INSERT INTO main.model_version_reviews (version_pk, reviewer_identity, reviewer_display, decision, comment, gates_json, created_time)
      SELECT ?, reviewer_identity, reviewer_display, decision, comment, gates_json, created_time FROM b.model_version_reviews WHERE version_pk = ? ORDER BY review_pk`).run(pk, v.version_pk);
    db.prepare('INSERT INTO temp.imp_mv VALUES (?, ?, ?, ?, 1)').run(v.version_pk, pk, oldRef, `${v.model_name}/${number}`);
    report.modelVersions.push({ name: v.model_name, version: String(v.version), importedAs: String(number), created: true });
  }
  // Aliases and their audit trail come along for the versions this import created.
  const numberOf = (oldModel: number, version: number | null) =>
    version === null ? null : ((db.prepare(`SELECT CAST(substr(m.new_ref, length(r.name) + 2) AS INTEGER) FROM temp.imp_mv m JOIN b.model_versions v ON v.version_pk = m.old JOIN b.registered_models r ON r.model_id = v.model_id WHERE v.model_id = ? AND v.version = ?`).pluck().get(oldModel, version) as number | undefined) ?? version);
  for (const a of db.prepare('SELECT a.model_id, a.alias, a.version, r.name FROM b.registered_model_aliases a JOIN b.registered_models r ON r.model_id = a.model_id JOIN b.model_versions v ON v.model_id = a.model_id AND v.version = a.version JOIN temp.imp_mv m ON m.old = v.version_pk AND m.created = 1').all() as { model_id: number; alias: string; version: number; name: string }[]) {
    const modelId = models.get(a.model_id)!;
    const number = numberOf(a.model_id, a.version)!;
    const here = db.prepare('SELECT version FROM main.registered_model_aliases WHERE model_id = ? AND alias = ?').pluck().get(modelId, a.alias) as number | undefined;
    if (here === undefined) db.prepare('INSERT INTO main.registered_model_aliases (model_id, alias, version) VALUES (?, ?, ?)').run(modelId, a.alias, number);
    else if (here !== number) report.conflicts.push(`Alias ${a.name}@${a.alias} stays on version ${here} here (the bundle has it on version ${a.version}, imported as ${number}).`);
  }
  for (const a of db.prepare(`SELECT DISTINCT x.* FROM b.alias_audit x JOIN b.model_versions v ON v.model_id = x.model_id AND (v.version = x.to_version OR v.version = x.from_version)
      JOIN temp.imp_mv m ON m.old = v.version_pk AND m.created = 1 ORDER BY x.audit_pk`).all() as { model_id: number; model_name: string; alias: string; from_version: number | null; to_version: number | null; actor_identity: string | null; actor_display: string; reason: string; created_time: number }[]) {
    db.prepare(`INSERT INTO main.alias_audit (model_id, model_name, alias, from_version, to_version, actor_identity, actor_display, reason, created_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      models.get(a.model_id)!, a.model_name, a.alias, numberOf(a.model_id, a.from_version), numberOf(a.model_id, a.to_version), a.actor_identity, a.actor_display, a.reason, a.created_time,
    );
  }
}
