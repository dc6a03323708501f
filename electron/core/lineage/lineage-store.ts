/**
 * Writing and reading a run's lineage: one structured record kept three ways, each for its
 * readers. The lineage.json artifact is the full record (bundles, the UI); the tags make it
 * visible to MLflow clients and run search; the lineage_edges rows link runs to the dataset
 * versions they read, the models they produced and the runs they reproduce.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatasetVersion } from '../../../shared/datasets.js';
import { LINEAGE_ARTIFACT, LINEAGE_SCHEMA_VERSION, REPRODUCTION_OF_TAG, RunLineageSchema, type DataLineage, type RunLineage, type TrainingConfig } from '../../../shared/lineage.js';
import type { TrackingStore } from '../store/tracking-store.js';
import type { BackendInfo } from '../training/backend.js';
import { writeRunArtifact } from '../training/run-records.js';
import type { CodeState } from './code-lineage.js';
import { addEdge, modelUri } from './edges.js';
import { environmentWithBackend, type HostEnvironment } from './environment.js';
import { lineageFromTags, lineageTags } from './lineage-tags.js';
import { configSha256 } from './training-config.js';

export interface LineageParts {
  runId: string;
  code: CodeState;
  host: HostEnvironment;
  backend: BackendInfo;
  data: DataLineage;
  config: TrainingConfig;
  reproductionOf?: string | null;
}

/** Assembles the record from what the worker collected; the config hash is computed here. */
export function buildLineage(parts: LineageParts): RunLineage {
  return {
    schemaVersion: LINEAGE_SCHEMA_VERSION,
    runId: parts.runId,
    recordedTime: Date.now(),
    code: { ...parts.code, configSha256: configSha256(parts.config) },
    environment: environmentWithBackend(parts.host, parts.backend),
    data: parts.data,
    config: parts.config,
    reproductionOf: parts.reproductionOf ?? null,
  };
}

/** The data lineage of a dataset version of this data directory (its row id looked up here). */
export function datasetLineage(store: TrackingStore, version: DatasetVersion): DataLineage {
  const row = store.db
    .prepare('SELECT v.version_id AS id FROM dataset_versions v JOIN named_datasets d ON d.dataset_id = v.dataset_id WHERE d.name = ? AND v.version = ?')
    .get(version.name, version.version) as { id: number } | undefined;
  return {
    kind: 'dataset',
    name: version.name,
    ref: version.ref,
    version: version.version,
    datasetVersionId: row?.id ?? null,
    sha256: version.sha256,
    rows: version.rows,
    source: `mldesk-dataset:${version.ref}`,
  };
}

/** Tags, the lineage.json artifact and the edges of a run (trained_on, reproduces). */
export async function recordLineage(store: TrackingStore, record: RunLineage): Promise<void> {
  const parsed = RunLineageSchema.parse(record);
  store.logBatch(parsed.runId, { metrics: [], params: [], tags: lineageTags(parsed) });
  await writeRunArtifact(store, parsed.runId, LINEAGE_ARTIFACT, `${JSON.stringify(parsed, null, 2)}\n`);
  if (parsed.data.kind === 'dataset' && parsed.data.ref) {
    addEdge(store.db, { sourceKind: 'dataset_version', sourceId: parsed.data.ref, targetKind: 'run', targetId: parsed.runId, relation: 'trained_on' });
  }
  if (parsed.reproductionOf) recordReproductionEdge(store, parsed.runId, parsed.reproductionOf);
}

/** Marks a run as a reproduction of another: the tag at once, the edge for the graph. */
export function recordReproductionEdge(store: TrackingStore, runId: string, originalRunId: string): void {
  store.setTag(runId, { key: REPRODUCTION_OF_TAG, value: originalRunId });
  addEdge(store.db, { sourceKind: 'run', sourceId: runId, targetKind: 'run', targetId: originalRunId, relation: 'reproduces' });
}

/** After the model files are written: run → model. */
export function recordProducedModel(store: TrackingStore, runId: string): void {
  addEdge(store.db, { sourceKind: 'run', sourceId: runId, targetKind: 'model', targetId: modelUri(runId), relation: 'produced' });
}

async function lineageFile(store: TrackingStore, runId: string, artifactUri: string): Promise<RunLineage | null> {
  const root = store.artifacts.localDirOf(artifactUri);
  if (root === null) return null;
  let text: string;
  try {
    text = await readFile(join(root, LINEAGE_ARTIFACT), 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = RunLineageSchema.safeParse(JSON.parse(text));
    // A record copied from another run (a hand-made bundle) does not describe this one.
    return parsed.success && parsed.data.runId === runId ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * The lineage MLDesk recorded for a run: from lineage.json, else rebuilt from the run's
 * `mldesk.lineage.*` tags; null for a run MLDesk did not train (logged through the MLflow API)
 * or one that failed before its lineage was recorded. Throws when the run does not exist.
 */
export async function readLineage(store: TrackingStore, runId: string): Promise<RunLineage | null> {
  const run = store.runs.get(runId);
  const fromFile = await lineageFile(store, runId, run.info.artifact_uri);
  if (fromFile) return fromFile;
  const fromTags = lineageFromTags(run.data.tags);
  return fromTags ? { ...fromTags, runId } : null;
}
