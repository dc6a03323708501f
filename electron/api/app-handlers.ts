import { readFile } from 'node:fs/promises';
import type { ExperimentSummary, RunDetail } from '../../shared/app-api/entities.js';
import { REPRODUCTION_ARTIFACT, ReproductionResultSchema } from '../../shared/lineage.js';
import type { OperationName, OperationOutput, OperationParsedInput } from '../../shared/app-api/operations.js';
import { DatasetStore } from '../core/data/dataset-store.js';
import { lineageGraph, readLineage } from '../core/lineage/index.js';
import { checkReproducible } from '../core/training/reproduce.js';
import { readMetricSeries } from '../core/store/metric-series.js';
import type { TrackingStore } from '../core/store/tracking-store.js';
import { previewArtifact, runArtifactFile } from './artifact-preview.js';
import { createDatasetHandlers } from './dataset-handlers.js';
import { createModelHandlers } from './model-handlers.js';
import { createPredictionHandlers } from './prediction-handlers.js';
import { runColumns, runsPage } from '../core/store/run-table-query.js';
import { TrainingManager } from './training-manager.js';

export type AppHandlers = { [K in OperationName]: (input: OperationParsedInput<K>) => Promise<OperationOutput<K>> | OperationOutput<K> };

export const DESCRIPTION_TAG = 'mlflow.note.content';

interface ExperimentRow {
  experiment_id: number;
  name: string;
  lifecycle_stage: 'active' | 'deleted';
  creation_time: number;
  last_update_time: number;
  run_count: number;
  last_run_time: number | null;
}

/** The app's operations over the lineage store; transports (IPC, HTTP) call these and nothing else. */
export function createAppHandlers(store: TrackingStore, datasets = new DatasetStore(store.db, store.dataDir), training = new TrainingManager(store, datasets)): AppHandlers {
  const db = store.db;
  return {
    ...createDatasetHandlers(datasets),
    ...createModelHandlers(store),
    ...createPredictionHandlers(store),
    'training.start': (request) => training.start(request),
    'training.cancel': async ({ runId }) => {
      await training.cancel(runId);
      return {};
    },
    'training.jobs': () => ({ jobs: training.list() }),
    'runs.lineage': async ({ runId }) => ({
      lineage: await readLineage(store, runId),
      graph: lineageGraph(store, runId),
      reproduction: await readReproduction(store, runId),
    }),
    'runs.reproduceCheck': ({ runId }) => checkReproducible(store, runId),
    'runs.reproduce': ({ runId, tolerance }) => training.reproduce(runId, tolerance),
    'experiments.list': ({ search, viewType }) => {
      const stage = viewType === 'DELETED_ONLY' ? "= 'deleted'" : viewType === 'ALL' ? "IN ('active', 'deleted')" : "= 'active'";
      const rows = db
        .prepare(
          `SELECT e.experiment_id, e.name, e.lifecycle_stage, e.creation_time, e.last_update_time,
             (SELECT count(*) FROM runs r WHERE r.experiment_id = e.experiment_id AND r.lifecycle_stage = 'active') AS run_count,
             (SELECT max(start_time) FROM runs r WHERE r.experiment_id = e.experiment_id AND r.lifecycle_stage = 'active') AS last_run_time
           FROM experiments e
           WHERE e.lifecycle_stage ${stage} AND (? IS NULL OR instr(lower(e.name), lower(?)) > 0)
           ORDER BY coalesce(last_run_time, e.creation_time) DESC, e.experiment_id`,
        )
        .all(search || null, search || null) as ExperimentRow[];
      const tagRows = db.prepare('SELECT experiment_id, key, value FROM experiment_tags ORDER BY key').all() as Array<{ experiment_id: number; key: string; value: string }>;
      const tagsByExperiment = new Map<number, Array<{ key: string; value: string }>>();
      for (const { experiment_id, key, value } of tagRows) {
        const tags = tagsByExperiment.get(experiment_id);
        if (tags) tags.push({ key, value });
        else tagsByExperiment.set(experiment_id, [{ key, value }]);
      }
      const experiments: ExperimentSummary[] = rows.map((row) => ({
        experimentId: String(row.experiment_id),
        name: row.name,
        lifecycleStage: row.lifecycle_stage,
        creationTime: row.creation_time,
        lastUpdateTime: row.last_update_time,
        runCount: row.run_count,
        lastRunTime: row.last_run_time,
        tags: tagsByExperiment.get(row.experiment_id) ?? [],
      }));
      return { experiments };
    },
    'experiments.create': ({ name }) => ({ experimentId: store.experiments.create(name.trim(), undefined, []) }),
    'experiments.rename': ({ experimentId, name }) => {
      store.experiments.update(experimentId, name.trim());
      return {};
    },
    'experiments.delete': ({ experimentId }) => {
      store.experiments.setLifecycle(experimentId, 'deleted');
      return {};
    },
    'runs.columns': ({ experimentIds }) => runColumns(db, experimentIds),
    'runs.page': (input) => runsPage(db, input),
    'runs.get': ({ runId }) => ({ run: runDetail(store, runId) }),
    'runs.setDescription': ({ runId, description }) => {
      store.setTag(runId, { key: DESCRIPTION_TAG, value: description });
      return {};
    },
    'metrics.series': ({ runIds, keys, xAxis, maxPoints }) => {
      const series = [];
      for (const runId of runIds) {
        const row = store.runs.row(runId, 'runIds');
        for (const key of keys) {
          series.push(readMetricSeries(db, { runPk: row.run_pk, runId, startTime: row.start_time }, key, xAxis, maxPoints));
        }
      }
      return { series };
    },
    'artifacts.list': async ({ runId, path }) => {
      const { files } = await store.listRunArtifacts(runId, path);
      return { files: files.map((f) => ({ path: f.path, isDir: f.is_dir, size: f.file_size ?? null })) };
    },
    'artifacts.preview': ({ runId, path }) => previewArtifact(store, runId, path),
  };
}

/** The verdict a reproduction run carries (reproduction.json), or null for other runs. */
async function readReproduction(store: TrackingStore, runId: string) {
  try {
    const parsed = ReproductionResultSchema.safeParse(JSON.parse(await readFile(runArtifactFile(store, runId, REPRODUCTION_ARTIFACT), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function runDetail(store: TrackingStore, runId: string): RunDetail {
  const run = store.runs.get(runId);
  const tags = Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
  return {
    runId: run.info.run_id,
    runName: run.info.run_name,
    experimentId: run.info.experiment_id,
    status: run.info.status,
    lifecycleStage: run.info.lifecycle_stage,
    startTime: run.info.start_time ?? null,
    endTime: run.info.end_time ?? null,
    userId: run.info.user_id,
    artifactUri: run.info.artifact_uri,
    description: tags[DESCRIPTION_TAG] ?? '',
    params: Object.fromEntries(run.data.params.map((p) => [p.key, p.value])),
    metrics: Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value])),
    tags,
    latestMetrics: run.data.metrics.map((m) => ({ key: m.key, value: m.value, step: m.step, timestamp: m.timestamp })),
    datasets: run.inputs.dataset_inputs.map((input) => ({
      name: input.dataset.name,
      digest: input.dataset.digest,
      sourceType: input.dataset.source_type,
      source: input.dataset.source,
      context: input.tags.find((t) => t.key === 'mlflow.data.context')?.value ?? null,
    })),
  };
}

