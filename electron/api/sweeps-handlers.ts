import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { OperationOutput, OperationParsedInput } from '../../shared/app-api/operations.js';
import { parseSweepSpecObject } from '../core/automation/sweeps/sweep-spec.js';
import { projectFolder, SweepManager } from '../core/automation/sweeps/sweep-manager.js';
import type { StartSweep, SweepDeps } from '../core/automation/sweeps/sweep-controller.js';
import { snapshotProject } from '../core/automation/projects/snapshot.js';
import { TrackingClient } from '../core/automation/projects/tracking-client.js';
import { MLDeskError, invalidParameter } from '../core/errors.js';
import type { Services } from '../core/services.js';
import type { Caller } from '../core/caller-identity.js';

type SweepOperation = 'sweeps.list' | 'sweeps.get' | 'sweeps.create' | 'sweeps.cancel' | 'sweeps.promoteBest';
type Handler<K extends SweepOperation> = (input: OperationParsedInput<K>, caller: Caller) => OperationOutput<K> | Promise<OperationOutput<K>>;

export const SWEEP_BEST_TAG = 'mldesk.sweep_best';
/** Where a trial's model is looked for: MLflow's `log_model(..., "model")` and MLDesk's own training both write there. */
const MODEL_DIR = 'model';

const managers = new WeakMap<Services, SweepManager>();
const executors = new WeakMap<Services, Omit<SweepDeps, 'store' | 'sweeps'>>();
const shippers = new WeakMap<Services, (projectPath: string) => StartSweep['shipProject']>();

/** The sweeps of these services, built once (the handlers are built per transport). */
export function sweepManagerOf(services: Services): SweepManager {
  let manager = managers.get(services);
  if (!manager) {
    manager = new SweepManager(services.store, () => executors.get(services) ?? null);
    managers.set(services, manager);
  }
  return manager;
}

/**
 * Lets a long-lived process (`mldesk serve`, the desktop app, which starts the same server) run
 * sweeps from the app: trials are jobs of `services.jobs` (its table, so the jobs page sees them
 * live, and its trials pool) whose project jobs log into `trackingUri`. Sweeps a previous launch
 * left running end as failed. Answers the shutdown step: cancel the sweeps (the pool closes with
 * the services).
 */
export function attachSweepExecutor(services: Services, tracking: { trackingUri: string; token?: string }): () => Promise<void> {
  services.jobs.trials.setTrackingServer(tracking);
  const remote = services.jobs.remoteExecutor;
  executors.set(services, { jobs: services.jobs.store, executor: remote ?? services.jobs.trials });
  // BullMQ workers share no disk with this process: the project goes to them as a snapshot on the sweep's run.
  if (remote) shippers.set(services, (projectPath) => (runId) => snapshotProject(new TrackingClient(tracking.trackingUri, tracking.token), projectPath, runId));
  const manager = sweepManagerOf(services);
  manager.recover();
  return () => manager.stopAll('MLDesk stopped');
}

/** Sweeps (contract in shared/app-api/sweeps.ts). */
export function createSweepHandlers(services: Services): { [K in SweepOperation]: Handler<K> } {
  const manager = sweepManagerOf(services);
  const { store, registry } = services;
  return {
    'sweeps.list': ({ limit }) => ({ sweeps: manager.store.list(limit) }),
    'sweeps.get': ({ id }) => ({ sweep: manager.store.detail(id) }),
    'sweeps.create': ({ spec: input, parallel }) => {
      const spec = parseSweepSpecObject(input);
      const projectPath = projectFolder(spec.project);
      const controller = manager.start({ ...spec, project: projectPath }, { parallel, projectPath, shipProject: shippers.get(services)?.(projectPath) });
      return { sweep: manager.store.get(controller.id) };
    },
    'sweeps.cancel': ({ id }, caller) => ({ sweep: manager.cancel(id, `cancelled from the app by ${caller.identity}`) }),
    'sweeps.promoteBest': ({ id, model }, caller) => {
      const sweep = manager.store.get(id);
      const best = sweep.bestTrial === null ? undefined : manager.store.trials(id).find((trial) => trial.number === sweep.bestTrial);
      if (!best?.runId) throw new MLDeskError('INVALID_STATE', `Sweep ${sweep.name} has no completed trial to promote yet.`);
      const run = store.runs.get(best.runId);
      const root = store.artifacts.localDirOf(run.info.artifact_uri);
      const hasModel = root !== null && (existsSync(join(root, MODEL_DIR, 'MLmodel')) || existsSync(join(root, MODEL_DIR, 'model.json')));
      let registered: { name: string; version: string } | null = null;
      if (model !== undefined) {
        if (!hasModel) throw invalidParameter(`Field 'model': the best trial's run ${best.runId} logged no model under '${MODEL_DIR}/' to register; promote without a model name to tag it instead.`);
        try {
          registry.getModel(model);
        } catch (error) {
          if (!(error instanceof MLDeskError) || error.code !== 'RESOURCE_DOES_NOT_EXIST') throw error;
          registry.createModel(model);
        }
        const version = registry.createVersion(model, { source: `runs:/${best.runId}/${MODEL_DIR}`, runId: best.runId, creator: caller.identity });
        registry.setVersionTag(model, version.version, SWEEP_BEST_TAG, `${sweep.name} (${sweep.id}) trial ${best.number}`);
        registered = { name: model, version: version.version };
        store.events.emit('models.changed', { name: model });
      }
      store.setTag(best.runId, { key: SWEEP_BEST_TAG, value: `promoted by ${caller.identity} as the best of sweep ${sweep.name} (${sweep.metric.name} ${best.value})` });
      store.setTag(sweep.runId, { key: 'mldesk.promoted_run_id', value: best.runId });
      return { runId: best.runId, trial: best.number, registered, tagged: true };
    },
  };
}
