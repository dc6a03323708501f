/**
 * Reference profiles (issue 13): what a model version's monitoring compares its traffic with. When
 * a version is registered, the dataset version its run was trained on (lineage edge
 * `dataset_version name@v → run, trained_on`) becomes its reference, as a `pending` row; its profile
 * (per feature what the drift tests need, and the model's outputs on those rows) is computed once,
 * off the registering request, and kept in `monitoring_references.profile_json`. Views read the
 * stored profile; nothing reads the raw training rows again.
 */
import { PREDICTION_COLUMN, ReferenceProfileSchema, type ReferenceProfile } from '../../../shared/monitoring.js';
import type { DatasetVersion } from '../../../shared/datasets.js';
import type { DatasetStore } from '../data/dataset-store.js';
import { MLDeskError } from '../errors.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import { modelDirOf } from '../serving/serving-target.js';
import type { SqliteDatabase } from '../store/database.js';
import type { TrackingStore } from '../store/tracking-store.js';
import { loadBackend, type Tf } from '../training/backend.js';
import { loadModelDir, type LoadedModel, type SignatureInput } from '../training/model-files.js';
import type { CellValue } from '../training/table.js';
import { profileColumn, type MonitoredValue } from './drift.js';
import { datasetVersionRow, recordLineageReference } from './reference-lineage.js';

export type ReferenceStatus = 'pending' | 'ready' | 'failed';

export interface StoredReference {
  versionPk: number;
  datasetVersionId: number | null;
  /** `name@version`. */
  datasetRef: string;
  datasetSha256: string;
  source: 'lineage' | 'manual';
  status: ReferenceStatus;
  error: string | null;
  /** Null until the profile is computed. */
  profile: ReferenceProfile | null;
  updatedTime: number;
}

interface ReferenceRow {
  version_pk: number;
  dataset_version_id: number | null;
  dataset_ref: string;
  dataset_sha256: string;
  source: 'lineage' | 'manual';
  status: ReferenceStatus;
  error: string | null;
  profile_json: string | null;
  updated_time: number;
}

/** Gives a version a reference dataset by hand (replacing any), to be profiled next. */
export function setManualReference(db: SqliteDatabase, versionPk: number, dataset: DatasetVersion, now = Date.now()): void {
  const row = datasetVersionRow(db, dataset.ref);
  db.prepare(
    `INSERT INTO monitoring_references (version_pk, dataset_version_id, dataset_ref, dataset_sha256, source, status, error, profile_json, created_time, updated_time)
     VALUES (?, ?, ?, ?, 'manual', 'pending', NULL, NULL, ?, ?)
     ON CONFLICT (version_pk) DO UPDATE SET dataset_version_id = excluded.dataset_version_id, dataset_ref = excluded.dataset_ref,
       dataset_sha256 = excluded.dataset_sha256, source = 'manual', status = 'pending', error = NULL, profile_json = NULL, updated_time = excluded.updated_time`,
  ).run(versionPk, row?.version_id ?? null, dataset.ref, dataset.sha256, now, now);
}

export function readReference(db: SqliteDatabase, versionPk: number): StoredReference | null {
  const row = db.prepare('SELECT * FROM monitoring_references WHERE version_pk = ?').get(versionPk) as ReferenceRow | undefined;
  if (!row) return null;
  return {
    versionPk: row.version_pk,
    datasetVersionId: row.dataset_version_id,
    datasetRef: row.dataset_ref,
    datasetSha256: row.dataset_sha256,
    source: row.source,
    status: row.status,
    error: row.error,
    // Checked against the schema when it was stored (profileNow): a 30-feature profile holds some
    // 300,000 numbers, which zod would take ~0.3 s to walk again on every read.
    profile: row.profile_json === null ? null : (JSON.parse(row.profile_json) as ReferenceProfile),
    updatedTime: row.updated_time,
  };
}

/** Versions whose reference still waits for its profile. */
export function pendingReferences(db: SqliteDatabase): number[] {
  return (db.prepare("SELECT version_pk FROM monitoring_references WHERE status = 'pending' ORDER BY version_pk").all() as Array<{ version_pk: number }>).map(
    (r) => r.version_pk,
  );
}

export interface ReferenceDeps {
  store: TrackingStore;
  registry: ModelRegistry;
  datasets: DatasetStore;
  /** TensorFlow.js for scoring the reference rows; the fastest backend by default. */
  tf?: () => Promise<Tf>;
}

let sharedBackend: Promise<Tf> | undefined;
const defaultTf = () => (sharedBackend ??= loadBackend().then((loaded) => loaded.tf));

/** Rows are scored this many at a time: one tensor per batch stays small whatever the dataset's size. */
const SCORE_BATCH = 8192;

/** A dataset cell as serving would have logged it after checkRows (categories as text). */
function asLogged(input: SignatureInput, value: CellValue): MonitoredValue {
  if (value === null) return null;
  if (input.type === 'categorical' || input.type === 'text') return typeof value === 'string' ? value : String(value);
  return value;
}

/** Profiles the dataset's rows for the model's features and the model's outputs on them. */
export async function computeProfile(model: LoadedModel, datasets: DatasetStore, dataset: DatasetVersion): Promise<ReferenceProfile> {
  const table = await datasets.readRows(dataset);
  const inputs = model.signature.inputs;
  const positions = inputs.map((input) => {
    const position = table.columns.findIndex((c) => c.name === input.name);
    if (position < 0) throw new MLDeskError('INVALID_STATE', `${dataset.ref} has no column '${input.name}', which the model takes: it cannot be this model's reference.`);
    return position;
  });
  const columns = inputs.map((input, j) => table.rows.map((row) => asLogged(input, row[positions[j]!] ?? null)));
  const outputs: MonitoredValue[] = [];
  for (let from = 0; from < table.rows.length; from += SCORE_BATCH) {
    const records = table.rows.slice(from, from + SCORE_BATCH).map((row) => {
      const record: Record<string, CellValue> = {};
      inputs.forEach((input, j) => (record[input.name] = asLogged(input, row[positions[j]!] ?? null)));
      return record;
    });
    // A category the model never saw (a manual reference) is encoded as zeros rather than refused.
    for (const prediction of model.predict(records, 'zeros')) outputs.push(prediction.label ?? prediction.value ?? null);
  }
  return {
    rows: table.rows.length,
    columns: inputs.map((input, j) => profileColumn(input.name, columns[j]!)),
    prediction: outputs.length > 0 ? profileColumn(PREDICTION_COLUMN, outputs) : null,
  };
}

const inFlight = new Map<string, Promise<StoredReference | null>>();

/**
 * Computes and stores the profile of a version's pending reference (once per process at a time).
 * Failures are stored on the row (`failed`, with the reason) rather than thrown: a view shows them.
 */
export function computeReference(deps: ReferenceDeps, versionPk: number): Promise<StoredReference | null> {
  // Keyed by the dataset too: a reference replaced by hand while the old one is profiled gets its own run.
  const key = `${versionPk}:${readReference(deps.store.db, versionPk)?.datasetSha256 ?? ''}`;
  let running = inFlight.get(key);
  if (!running) {
    running = profileNow(deps, versionPk).finally(() => inFlight.delete(key));
    inFlight.set(key, running);
  }
  return running;
}

async function profileNow(deps: ReferenceDeps, versionPk: number): Promise<StoredReference | null> {
  const { db } = deps.store;
  const reference = readReference(db, versionPk);
  if (!reference || reference.status !== 'pending') return reference;
  let profile: ReferenceProfile;
  try {
    const { name, version } = db
      .prepare('SELECT m.name, v.version FROM model_versions v JOIN registered_models m ON m.model_id = v.model_id WHERE v.version_pk = ?')
      .get(versionPk) as { name: string; version: number };
    const dataset = deps.datasets.getVersion(reference.datasetRef);
    const tf = await (deps.tf ?? defaultTf)();
    const model = await loadModelDir(tf, modelDirOf(deps.store, deps.registry, deps.registry.getVersion(name, version)));
    try {
      profile = await computeProfile(model, deps.datasets, dataset);
    } finally {
      model.dispose();
    }
  } catch (error) {
    db.prepare("UPDATE monitoring_references SET status = 'failed', error = ?, updated_time = ? WHERE version_pk = ? AND dataset_sha256 = ? AND status = 'pending'").run(
      (error as Error).message,
      Date.now(),
      versionPk,
      reference.datasetSha256,
    );
    return readReference(db, versionPk);
  }
  // Only if the reference is still the one profiled (a manual one may have replaced it meanwhile).
  db.prepare("UPDATE monitoring_references SET status = 'ready', error = NULL, profile_json = ?, updated_time = ? WHERE version_pk = ? AND dataset_sha256 = ? AND status = 'pending'").run(
    JSON.stringify(ReferenceProfileSchema.parse(profile)),
    Date.now(),
    versionPk,
    reference.datasetSha256,
  );
  return readReference(db, versionPk);
}

/**
 * The version's reference, made ready when it can be: a version registered before monitoring
 * existed gets its lineage reference now; a pending one is profiled now.
 */
export async function ensureReference(deps: ReferenceDeps, versionPk: number): Promise<StoredReference | null> {
  const { db } = deps.store;
  if (!readReference(db, versionPk)) {
    const run = db.prepare('SELECT run_id FROM model_versions WHERE version_pk = ?').get(versionPk) as { run_id: string | null } | undefined;
    if (run) recordLineageReference(db, versionPk, run.run_id);
  }
  const reference = readReference(db, versionPk);
  return reference?.status === 'pending' ? computeReference(deps, versionPk) : reference;
}

/**
 * Gives a model version a reference dataset by hand (`mldesk monitor reference`, the app) and
 * profiles it now. The version's windows computed against its former reference stay as they are;
 * new ones start a new series.
 */
export async function assignReference(deps: ReferenceDeps, model: string, version: string | number, datasetRef: string): Promise<StoredReference> {
  const row = deps.registry.versionRow(model, version);
  const dataset = deps.datasets.getVersion(datasetRef);
  setManualReference(deps.store.db, row.version_pk, dataset);
  const stored = await computeReference(deps, row.version_pk);
  if (!stored) throw new MLDeskError('INTERNAL_ERROR', `The reference of ${model}/${row.version} vanished while it was profiled.`);
  return stored;
}
