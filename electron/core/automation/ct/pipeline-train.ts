/**
 * The pipeline's train step. SEAM: the policy names the model's training project (`policy.project`,
 * `policy.entry`, `policy.parameters`). Until the built-in TF.js templates are projects
 * ("milestone: projects"), the step trains through the existing TF.js training (startTraining)
 * with the champion run's recorded template, target, task, backend and hyperparameters, the
 * policy's parameters overriding them; `trainChallenger` is the one function to switch to
 * launchProjectRun (automation/project-launch.ts) once projects land.
 */
import type { CtPolicy } from '../../../../shared/automation.js';
import { invalidParameter, MLDeskError } from '../../errors.js';
import { readLineage } from '../../lineage/lineage-store.js';
import type { TrackingStore } from '../../store/tracking-store.js';
import { parseBackendName, type BackendName } from '../../training/backend.js';
import { MODEL_TEMPLATES, parseParamOverrides, resolveHyperparameters, type Hyperparameters, type ModelTemplate } from '../../training/hyperparams.js';
import { startTraining } from '../../training/training-run.js';

export interface TrainStepInput {
  store: TrackingStore;
  policy: CtPolicy;
  championRunId: string;
  /** The dataset version the data step wrote. */
  dataRef: string;
  pipelineId: string;
  jobId: string;
  log: (line: string) => void;
  /** Called once the run exists (the step job records it). */
  onRun: (runId: string, experimentId: string) => void;
  signal?: AbortSignal;
}

export interface TrainStepResult {
  runId: string;
  experimentId: string;
  template: string;
  hyperparameters: Hyperparameters;
  metrics: Record<string, number>;
}

export async function trainChallenger(input: TrainStepInput): Promise<TrainStepResult> {
  const { store, policy, log } = input;
  const lineage = await readLineage(store, input.championRunId);
  if (!lineage) throw new MLDeskError('INVALID_STATE', `The champion's run ${input.championRunId} has no MLDesk lineage (it was logged elsewhere): the pipeline cannot retrain it the same way.`);
  const { config } = lineage;
  if (!(MODEL_TEMPLATES as readonly string[]).includes(config.template)) {
    throw new MLDeskError('INVALID_STATE', `The champion was trained with the template '${config.template}', which this MLDesk cannot train.`);
  }
  let overrides: Partial<Hyperparameters>;
  try {
    overrides = parseParamOverrides(Object.entries(policy.parameters).map(([k, v]) => `${k}=${v}`));
  } catch (error) {
    throw invalidParameter(`policy.parameters: ${(error as Error).message}`);
  }
  const hyperparameters = resolveHyperparameters({ ...(config.hyperparameters as Partial<Hyperparameters>), ...overrides }, overrides.seed ?? config.hyperparameters.seed);
  let backend: BackendName | undefined;
  try {
    backend = parseBackendName(lineage.environment.backend);
  } catch {
    backend = undefined;
  }
  log(`training project '${policy.project}' (entry ${policy.entry}) as the TF.js template '${config.template}' on ${input.dataRef}, target '${config.target}'`);
  log(`hyperparameters: ${JSON.stringify(hyperparameters)}`);
  const experimentName = `ct-${policy.model}`;
  const handle = startTraining({
    store,
    data: { kind: 'dataset', ref: input.dataRef },
    target: config.target,
    task: config.task ?? undefined,
    experimentName,
    runName: `challenger for ${policy.model}`,
    template: config.template as ModelTemplate,
    hyperparameters,
    backend,
    source: 'mldesk pipeline',
    tags: [
      { key: 'mldesk.pipeline_id', value: input.pipelineId },
      { key: 'mldesk.job_id', value: input.jobId },
      { key: 'mldesk.ct.champion_run', value: input.championRunId },
    ],
    progressIntervalMs: 500,
    onMessage: (message) => {
      if (message.type === 'progress' && message.progress.phase === 'epoch') {
        const loss = message.progress.metrics.loss;
        log(`epoch ${message.progress.epoch}/${message.progress.epochs}${loss === undefined ? '' : ` loss ${loss.toFixed(4)}`}`);
      }
    },
  });
  input.onRun(handle.runId, handle.experimentId);
  log(`run ${handle.runId} in experiment ${experimentName}`);
  const abort = () => void handle.cancel('pipeline cancelled');
  input.signal?.addEventListener('abort', abort, { once: true });
  const outcome = await handle.done;
  input.signal?.removeEventListener('abort', abort);
  if (outcome.status !== 'FINISHED') throw new MLDeskError('INVALID_STATE', `Training run ${outcome.runId} ended ${outcome.status}${outcome.error ? `: ${outcome.error}` : ''}.`);
  return { runId: outcome.runId, experimentId: outcome.experimentId, template: config.template, hyperparameters, metrics: outcome.metrics };
}
