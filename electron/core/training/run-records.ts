/**
 * What a training run writes to the lineage store besides metrics: tags describing the backend
 * and environment, the dataset input, derived params, and artifact files (recorded in the index).
 */
import { arch, cpus, platform, release } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { KeyValue } from '../../../shared/tracking-types.js';
import { MLDeskError } from '../errors.js';
import type { TrackingStore } from '../store/tracking-store.js';
import type { BackendInfo } from './backend.js';
import type { TrainingTable } from './table.js';

const TAG_LIMIT = 5000;

export const clip = (text: string, limit = TAG_LIMIT) => (text.length <= limit ? text : `${text.slice(0, limit - 1)}…`);

export function backendTags(info: BackendInfo): KeyValue[] {
  const cpuList = cpus();
  return [
    { key: 'mldesk.backend', value: info.name },
    { key: 'mldesk.backend_engine', value: info.engine },
    { key: 'mldesk.tfjs_version', value: info.tfVersion },
    { key: 'mldesk.backend_details', value: clip(JSON.stringify(info.details)) },
    { key: 'mldesk.backend_skipped', value: clip(JSON.stringify(info.skipped)) },
    { key: 'mldesk.node_version', value: process.versions.node },
    { key: 'mldesk.os', value: `${platform()} ${release()} ${arch()}` },
    { key: 'mldesk.cpu', value: `${cpuList.length} × ${cpuList[0]?.model ?? 'unknown'}` },
  ];
}

const MLFLOW_TYPES = { numeric: 'double', integer: 'long', boolean: 'boolean', categorical: 'string', text: 'string' } as const;

/** The dataset as MLflow records it (mlflow.data): schema as an MLflow colspec, a small profile. */
export function logDatasetInput(store: TrackingStore, runId: string, table: TrainingTable, dataset: { name: string; sha256?: string; source: string }): void {
  const digest = dataset.sha256 ? dataset.sha256.slice(0, 16) : 'unknown';
  store.logInputs(runId, [
    {
      tags: [{ key: 'mlflow.data.context', value: 'training' }, ...(dataset.sha256 ? [{ key: 'mldesk.sha256', value: dataset.sha256 }] : [])],
      dataset: {
        name: dataset.name,
        digest,
        source_type: 'local',
        source: JSON.stringify({ uri: dataset.source }),
        schema: JSON.stringify({ mlflow_colspec: table.columns.map((c) => ({ type: MLFLOW_TYPES[c.type], name: c.name, required: false })) }),
        profile: JSON.stringify({ num_rows: table.rows.length, num_elements: table.rows.length * table.columns.length }),
      },
    },
  ]);
}

/** Writes one file under the run's artifact root and records it in the artifacts index. */
export async function writeRunArtifact(store: TrackingStore, runId: string, path: string, bytes: Buffer | string): Promise<void> {
  const run = store.runs.row(runId);
  const root = store.artifacts.localDirOf(run.artifact_uri);
  if (root === null) {
    throw new MLDeskError('INVALID_STATE', `The artifact location of run ${runId} (${run.artifact_uri}) is not a local directory; training can only save models to local artifact stores.`);
  }
  const target = join(root, ...path.split('/'));
  const { size, sha256 } = await store.artifacts.write(target, Readable.from([typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes]));
  store.recordArtifact(store.artifacts.relativeToRoot(target), size, sha256);
}

export const ERROR_TAG = 'mldesk.error';
export const ERROR_ARTIFACT = 'error/stack.txt';

/** Marks a run FAILED with the message as a tag and the details (stack, stderr) as an artifact. */
export async function recordFailure(store: TrackingStore, runId: string, message: string, details: string): Promise<void> {
  store.setTag(runId, { key: ERROR_TAG, value: clip(message) });
  try {
    await writeRunArtifact(store, runId, ERROR_ARTIFACT, details);
  } finally {
    store.updateRun(runId, { status: 'FAILED', endTime: Date.now() });
  }
}
