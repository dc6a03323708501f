import type { AppEventBus } from './app-events.js';
import { JobsService } from './automation/jobs-service.js';
import { DatasetStore } from './data/dataset-store.js';
import { ModelRegistry } from './registry/model-registry.js';
import { DeploymentManager } from './serving/deployment-manager.js';
import { TrackingStore } from './store/tracking-store.js';
import { TrainingManager } from './training/training-manager.js';
import type { OpenBundleContext } from './bundles/open-bundle.js';

/**
 * The services of one data directory, built once per process by each entry point (the desktop
 * app, `mldesk serve`, the CLI commands); handlers and routes receive them instead of building
 * their own, so every caller sees the same registry, the same running deployments and jobs.
 */
export interface Services {
  readonly store: TrackingStore;
  /** Push events of the app (the store's bus: the store emits run and experiment changes itself). */
  readonly events: AppEventBus;
  readonly registry: ModelRegistry;
  readonly datasets: DatasetStore;
  /** Prediction servers running in this process. */
  readonly deployments: DeploymentManager;
  /** Training and reproduction jobs started from this process. */
  readonly training: TrainingManager;
  /** The jobs table and this machine's process pool (issue 15): training, trials, pipeline steps. */
  readonly jobs: JobsService;
  /** The bundle these services show read-only, or null over a normal data dir. */
  readonly bundle: OpenBundleContext | null;
  /** Stops the job pool and the deployments, then closes the store when these services opened it. */
  close(): Promise<void>;
}

/** Opens the data directory, or builds on a store the caller opened (and keeps closing). */
export type ServiceSource =
  /** `background`: a worker thread checkpoints the WAL and folds metric summaries (long-lived servers). */
  | { dataDir: string; background?: boolean; bundle?: OpenBundleContext }
  | { store: TrackingStore };

export function createServices(source: ServiceSource): Services {
  const ownsStore = 'dataDir' in source;
  const store = ownsStore ? TrackingStore.open(source.dataDir, { background: source.background }) : source.store;
  const registry = new ModelRegistry(store.db);
  const datasets = new DatasetStore(store.db, store.dataDir);
  const deployments = new DeploymentManager(store, registry);
  const jobs = new JobsService(store);
  // Long-lived processes (the app, `mldesk serve`) judge what a previous run left running and take
  // the queued jobs; one-shot CLI commands leave that to them.
  if ('dataDir' in source && source.background && !source.bundle) jobs.recover();
  const training = new TrainingManager(store, datasets, jobs);
  let closing: Promise<void> | undefined;
  return {
    store,
    events: store.events,
    registry,
    datasets,
    deployments,
    training,
    jobs,
    bundle: 'dataDir' in source ? (source.bundle ?? null) : null,
    close() {
      closing ??= Promise.all([jobs.close(), deployments.stopAll()]).then(() => {
        if (ownsStore) store.close();
      });
      return closing;
    },
  };
}
