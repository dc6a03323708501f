import { readFile } from 'node:fs/promises';
import type { RunDetail } from '../../shared/app-api/entities.js';
import { REPRODUCTION_ARTIFACT, ReproductionResultSchema } from '../../shared/lineage.js';
import type { OperationName, OperationOutput, OperationParsedInput } from '../../shared/app-api/operations.js';
import { lineageGraph, readLineage } from '../core/lineage/index.js';
import { readRunEvaluation } from '../core/training/evaluation-artifacts.js';
import { forwardLineage, withForwardNodes } from '../core/lineage/forward-lineage.js';
import { checkReproducible } from '../core/training/reproduce.js';
import { backendAvailability } from '../core/training/backend.js';
import { experimentSummaries } from '../core/store/experiment-summaries.js';
import { readMetricSeries } from '../core/store/metric-series.js';
import type { Services } from '../core/services.js';
import type { TrackingStore } from '../core/store/tracking-store.js';
import type { Caller } from '../core/caller-identity.js';
import { previewArtifact, runArtifactFile } from './artifact-preview.js';
import { createDatasetHandlers } from './dataset-handlers.js';
import { createModelHandlers } from './model-handlers.js';
import { monitoringSettingsOperations } from '../../shared/app-api/monitoring-settings.js';
import { predictionOperations } from '../../shared/app-api/predictions.js';
import { qualityTestOperations } from '../../shared/app-api/quality-tests.js';
import { alertOperations } from '../../shared/app-api/alerts.js';
import { monitoringOperations } from '../../shared/app-api/monitoring.js';
import { createBundleViewHandlers } from './bundle-view-handlers.js';
import { readOnlyHandlers } from '../core/bundles/read-only.js';
import { createKeyHandlers } from './keys-handlers.js';
import { createReviewHandlers } from './review-handlers.js';
import { handoffOperations } from '../../shared/app-api/handoff.js';
import { bundleOperations } from '../../shared/app-api/bundles.js';
import { jobOperations } from '../../shared/app-api/jobs.js';
import { pipelineOperations } from '../../shared/app-api/pipelines.js';
import { sweepOperations } from '../../shared/app-api/sweeps.js';
import { lazyHandlers } from './lazy-handlers.js';
import { runColumns, runsPage, singlePointMetricKeys } from '../core/store/run-table-query.js';

/** `caller` is who the transport authenticated (see core/caller-identity.ts). */
export type AppHandlers = { [K in OperationName]: (input: OperationParsedInput<K>, caller: Caller) => Promise<OperationOutput<K>> | OperationOutput<K> };

export const DESCRIPTION_TAG = 'mlflow.note.content';

/** The app's operations over the lineage store; transports (IPC, HTTP) call these and nothing else. */
export function createAppHandlers(services: Services): AppHandlers {
  const handlers = allAppHandlers(services);
  // Over an opened bundle only the operations listed as reads run (core/bundles/read-only.ts).
  return services.bundle ? readOnlyHandlers(handlers) : handlers;
}

function allAppHandlers(services: Services): AppHandlers {
  const { store, datasets, training } = services;
  const db = store.db;
  return {
    ...createDatasetHandlers(datasets),
    ...createModelHandlers(services),
    ...lazyHandlers(predictionOperations, async () => (await import('./prediction-handlers.js')).createPredictionHandlers(services)),
    ...lazyHandlers(monitoringSettingsOperations, async () => (await import('./monitoring-handlers.js')).createMonitoringHandlers(services)),
    ...lazyHandlers(qualityTestOperations, async () => (await import('./quality-test-handlers.js')).createQualityTestHandlers(services)),
    ...lazyHandlers(alertOperations, async () => (await import('./alert-handlers.js')).createAlertHandlers(services)),
    ...lazyHandlers(monitoringOperations, async () => (await import('./monitoring-read-handlers.js')).createMonitoringReadHandlers(services)),
    ...createBundleViewHandlers(services),
    ...lazyHandlers(handoffOperations, async () => (await import('./handoff-handlers.js')).createHandoffHandlers(services)),
    ...createKeyHandlers(services),
    ...createReviewHandlers(services),
    ...lazyHandlers(bundleOperations, async () => (await import('./bundle-handlers.js')).createBundleHandlers(services)),
    ...lazyHandlers(jobOperations, async () => (await import('./jobs-handlers.js')).createJobHandlers(services)),
    ...lazyHandlers(pipelineOperations, async () => (await import('./pipeline-handlers.js')).createPipelineHandlers(services)),
    ...lazyHandlers(sweepOperations, async () => (await import('./sweeps-handlers.js')).createSweepHandlers(services)),
    'session.get': (_input, caller) => ({ identity: caller.identity, via: caller.via }),
    'training.start': (request) => training.start(request),
    'training.cancel': async ({ runId }) => {
      await training.cancel(runId);
      return {};
    },
    'training.jobs': () => ({ jobs: training.list() }),
    'training.backends': () => ({ backends: backendAvailability() }),
    'runs.lineage': async ({ runId }) => {
      const graph = lineageGraph(store, runId);
      const forward = forwardLineage(db, runId, services.deployments.list());
      return { lineage: await readLineage(store, runId), graph: withForwardNodes(graph, runId, forward), reproduction: await readReproduction(store, runId), forward };
    },
    'runs.reproduceCheck': ({ runId }) => checkReproducible(store, runId),
    'runs.reproduce': ({ runId, tolerance }) => training.reproduce(runId, tolerance),
    'experiments.list': (query) => ({ experiments: experimentSummaries(db, query) }),
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
    'runs.evaluation': async ({ runIds }) => ({ evaluations: await Promise.all(runIds.map(async (runId) => ({ runId, evaluation: await readRunEvaluation(store, runId) }))) }),
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
    singlePointMetrics: singlePointMetricKeys(store.db, store.runs.row(runId).run_pk),
    datasets: run.inputs.dataset_inputs.map((input) => ({
      name: input.dataset.name,
      digest: input.dataset.digest,
      sourceType: input.dataset.source_type,
      source: input.dataset.source,
      context: input.tags.find((t) => t.key === 'mlflow.data.context')?.value ?? null,
    })),
  };
}

