/**
 * Quality tests on demand (issue 13): evaluate a model version on a dataset version and keep the
 * result in `quality_tests` with its lineage: the model version, the evaluated dataset version and
 * its sha256, the dataset version the model was trained on (lineage: dataset_version -trained_on->
 * run, model_versions.run_id), and how many evaluated rows are training rows too (row hashes).
 */
import { parseDatasetRef } from '../../../shared/datasets.js';
import type { QualityTest } from '../../../shared/app-api/quality-tests.js';
import type { DatasetVersion } from '../../../shared/datasets.js';
import type { DatasetStore } from '../data/dataset-store.js';
import { knownError } from '../errors.js';
import { edgesTouching } from '../lineage/edges.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import { modelDirOf } from '../serving/serving-target.js';
import type { SqliteDatabase } from '../store/database.js';
import type { TrackingStore } from '../store/tracking-store.js';
import { loadBackend, type Tf } from '../training/backend.js';
import { loadModelDir } from '../training/model-files.js';
import { scoreDataset } from './quality-evaluation.js';
import { countOverlap, overlapWarning, tableRowHashes } from './row-hashes.js';

export interface QualityTestServices {
  store: TrackingStore;
  registry: ModelRegistry;
  datasets: DatasetStore;
}

export interface QualityTestRequest {
  model: string;
  version: string;
  /** `name` (its latest version) or `name@version`. */
  dataset: string;
}

let backend: Promise<Tf> | undefined;
/** One TensorFlow.js backend per process, loaded on the first test (it takes a moment). */
function tfOnce(): Promise<Tf> {
  backend ??= loadBackend().then(
    (loaded) => loaded.tf,
    (error: unknown) => {
      backend = undefined;
      throw error;
    },
  );
  return backend;
}

/** The dataset version a run trained on, from its lineage edges; null for runs logged elsewhere. */
export function trainingDatasetRef(db: SqliteDatabase, runId: string | null): string | null {
  if (!runId) return null;
  const edge = edgesTouching(db, 'run', runId).find((e) => e.relation === 'trained_on' && e.targetId === runId && e.sourceKind === 'dataset_version');
  return edge?.sourceId ?? null;
}

/** A training dataset version lineage names, unless it was deleted since (then nothing to compare with). */
function storedVersion(datasets: DatasetStore, ref: string): DatasetVersion | null {
  const parsed = parseDatasetRef(ref);
  if ('error' in parsed || parsed.version === undefined) return null;
  try {
    return datasets.getVersion(ref);
  } catch (error) {
    if (knownError(error)?.code === 'RESOURCE_DOES_NOT_EXIST') return null;
    throw error;
  }
}

export async function runQualityTest({ store, registry, datasets }: QualityTestServices, request: QualityTestRequest): Promise<QualityTest> {
  const versionRow = registry.versionRow(request.model, request.version);
  const modelVersion = registry.getVersion(request.model, request.version);
  // Refused before the model loads: a wrong dataset name costs nothing.
  const evaluatedVersion = datasets.getVersion(request.dataset);
  const trainingRef = trainingDatasetRef(store.db, versionRow.run_id);

  const model = await loadModelDir(await tfOnce(), modelDirOf(store, registry, modelVersion));
  try {
    const table = await datasets.readRows(evaluatedVersion);
    const scored = scoreDataset(model, table);
    const hashColumns = [...model.signature.inputs.map((i) => i.name), model.signature.output.name];

    let training: QualityTest['training'] = null;
    let overlapRows = 0;
    const trainingVersion = trainingRef ? storedVersion(datasets, trainingRef) : null;
    if (trainingVersion) {
      training = { ref: trainingVersion.ref, sha256: trainingVersion.sha256, rows: trainingVersion.rows };
      // The same bytes are the same rows: no need to read them twice.
      const trainingHashes = trainingVersion.sha256 === evaluatedVersion.sha256 ? null : tableRowHashes(await datasets.readRows(trainingVersion), hashColumns);
      const evaluatedHashes = tableRowHashes(table, hashColumns);
      overlapRows = countOverlap(evaluatedHashes, trainingHashes ?? evaluatedHashes);
    }
    const rows = table.rows.length;
    const test: Omit<QualityTest, 'id' | 'createdTime'> = {
      model: modelVersion.name,
      version: modelVersion.version,
      task: scored.task,
      dataset: { ref: evaluatedVersion.ref, sha256: evaluatedVersion.sha256, rows },
      training,
      rows: scored.rows,
      skipped: scored.skipped,
      metrics: scored.metrics,
      evaluation: scored.evaluation,
      overlap: { rows: overlapRows, share: rows === 0 ? 0 : overlapRows / rows, warning: training ? overlapWarning(overlapRows, rows, training.ref) : null, checked: training !== null },
    };
    return storeQualityTest(store.db, versionRow.version_pk, test);
  } finally {
    model.dispose();
  }
}

function storeQualityTest(db: SqliteDatabase, versionPk: number, test: Omit<QualityTest, 'id' | 'createdTime'>): QualityTest {
  const { name, version } = parseDatasetRef(test.dataset.ref) as { name: string; version: number };
  const datasetVersionId = (
    db.prepare('SELECT v.version_id FROM dataset_versions v JOIN named_datasets d ON d.dataset_id = v.dataset_id WHERE d.name = ? AND v.version = ?').get(name, version) as {
      version_id: number;
    }
  ).version_id;
  const createdTime = Date.now();
  const { model: _model, version: _version, ...result } = test;
  const info = db
    .prepare(
      `INSERT INTO quality_tests (version_pk, dataset_version_id, dataset_ref, dataset_sha256, training_ref, training_sha256, result_json, overlap_rows, created_time)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(versionPk, datasetVersionId, test.dataset.ref, test.dataset.sha256, test.training?.ref ?? null, test.training?.sha256 ?? null, JSON.stringify(result), test.overlap.rows, createdTime);
  return { ...test, id: Number(info.lastInsertRowid), createdTime };
}

/** A version's tests, newest first. */
export function listQualityTests(registry: ModelRegistry, db: SqliteDatabase, model: string, version: string): QualityTest[] {
  const versionRow = registry.versionRow(model, version);
  const rows = db.prepare('SELECT test_pk, result_json, created_time FROM quality_tests WHERE version_pk = ? ORDER BY created_time DESC, test_pk DESC').all(versionRow.version_pk) as {
    test_pk: number;
    result_json: string;
    created_time: number;
  }[];
  return rows.map((row) => ({
    ...(JSON.parse(row.result_json) as Omit<QualityTest, 'id' | 'createdTime' | 'model' | 'version'>),
    id: row.test_pk,
    model: versionRow.name,
    version: String(versionRow.version),
    createdTime: row.created_time,
  }));
}
