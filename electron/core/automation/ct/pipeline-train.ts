/**
 * The pipeline's train step: runs the policy's training project (see challenger-project.ts) as a
 * project job through the same executor and launcher every project job uses (the local pool, or
 * any JobExecutor), so the step's job shows its command, live log tail and pid on the Jobs page and
 * cancels like any other. The data step's dataset version goes into the policy's data parameter:
 * as a CSV (or JSON lines) copy of its stored bytes, or as `dataset:NAME@N` to a `uri` parameter;
 * the run records it by hash (tags at creation, and the project lineage of the launcher).
 */
import { constants, statSync } from 'node:fs';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { JOB_ID_TAG, type CtPolicy, type Job } from '../../../../shared/automation.js';
import type { DatasetStore } from '../../data/dataset-store.js';
import { invalidParameter, knownError, MLDeskError } from '../../errors.js';
import { addEdge } from '../../lineage/edges.js';
import type { TrackingStore } from '../../store/tracking-store.js';
import type { JobExecutor } from '../executor.js';
import type { JobStore } from '../job-store.js';
import { prepareProjectRun } from '../projects/prepare.js';
import { DATASET_REF, PROJECT_TAG } from '../projects/project-lineage.js';
import { planChallenger, type ChallengerPlan } from './challenger-project.js';

export const PIPELINE_ID_TAG = 'mldesk.pipeline_id';
export const CHAMPION_RUN_TAG = 'mldesk.ct.champion_run';
/** What the evaluate step loads: the TF.js model MLDesk's trainer writes under artifacts/model. */
const MODEL_DIR = 'model';
const MODEL_FILES = ['model.json', 'signature.json'] as const;

export interface TrainStepDeps {
  store: TrackingStore;
  datasets: DatasetStore;
  jobs: JobStore;
  executor: JobExecutor;
}

export interface TrainStepInput {
  policy: CtPolicy;
  championRunId: string;
  /** The dataset version the data step wrote. */
  data: { ref: string; sha256: string };
  pipelineId: string;
  /** The pipeline's own job: the train job's parent. */
  parentJobId: string;
  /** Lines for the step's log before its job exists (the job then starts with them). */
  log: (line: string) => void;
}

/** A challenger run created and its job queued (not yet submitted). */
export interface ChallengerLaunch {
  job: Job;
  runId: string;
  experimentId: string;
  command: string;
  plan: ChallengerPlan;
  /** The parameter values given (the data path among them), as the step's detail shows them. */
  parameters: Record<string, string>;
  /** Removes the copy of the training data once the job has ended. */
  cleanup(): Promise<void>;
}

/** The data step's version as the value of the data parameter. */
async function dataValue(deps: TrainStepDeps, plan: ChallengerPlan, ref: string, folder: string): Promise<string> {
  if (plan.dataType === 'uri') return `${DATASET_REF}${ref}`;
  const version = deps.datasets.getVersion(ref);
  await mkdir(folder, { recursive: true });
  const file = join(folder, `${version.name}-v${version.version}.${version.format}`);
  // A copy (a reflink where the file system can), never a link: a project writing to its input must not touch the stored bytes.
  await copyFile(deps.datasets.blobPath(version), file, constants.COPYFILE_FICLONE);
  return file;
}

/**
 * Plans the run, checks every parameter (a bad one is refused here, naming the policy field, before
 * any run exists), creates the challenger run tagged with the pipeline and the job that will run it.
 */
export async function prepareChallenger(deps: TrainStepDeps, input: TrainStepInput): Promise<ChallengerLaunch> {
  const { store, jobs, executor } = deps;
  const { policy, log } = input;
  const plan = await planChallenger(store, policy, input.championRunId);
  log(`project ${policy.project}${plan.builtIn ? ` (built-in, ${plan.dir})` : ''}, entry point ${plan.entry}`);
  for (const [key, value] of Object.entries(plan.parameters)) log(`  ${key} = ${value} (${plan.sources[key] ?? 'policy'})`);
  const folder = join(store.dataDir, 'pipelines', input.pipelineId);
  const cleanup = () => rm(folder, { recursive: true, force: true });
  try {
    const data = await dataValue(deps, plan, input.data.ref, folder);
    log(`  ${policy.dataParameter} = ${data} (pipeline: dataset ${input.data.ref}, sha256 ${input.data.sha256})`);
    const parameters = { ...plan.parameters, [policy.dataParameter]: data };
    let prepared;
    try {
      prepared = prepareProjectRun(store, {
        path: plan.dir,
        entry: plan.entry,
        parameters,
        experiment: `ct-${policy.model}`,
        runName: `challenger for ${policy.model}`,
        // `mldesk train --run-id` (the built-in MLP) logs into this data directory's run.
        env: { MLDESK_HOME: store.dataDir },
        tags: [
          { key: PIPELINE_ID_TAG, value: input.pipelineId },
          { key: CHAMPION_RUN_TAG, value: input.championRunId },
          { key: `${PROJECT_TAG}dataset.${policy.dataParameter}`, value: input.data.sha256 },
          { key: `${PROJECT_TAG}dataset_version.${policy.dataParameter}`, value: input.data.ref },
        ],
      });
    } catch (error) {
      if (knownError(error)?.code === 'INVALID_PARAMETER_VALUE') throw invalidParameter(`policy.parameters: ${(error as Error).message}`);
      throw error;
    }
    const job = jobs.create({
      kind: 'pipeline_step',
      name: `train · pipeline ${policy.model}`,
      executor: executor.kind,
      spec: prepared.spec,
      parentId: input.parentJobId,
      runId: prepared.runId,
      experimentId: prepared.experimentId,
      // A retry would train into a new run behind the pipeline's back: the pipeline decides instead.
      maxAttempts: 1,
    });
    store.setTag(prepared.runId, { key: JOB_ID_TAG, value: job.id });
    log(`run ${prepared.runId} in experiment ct-${policy.model}, job ${job.id}`);
    log(`$ ${prepared.command}`);
    return { job, runId: prepared.runId, experimentId: prepared.experimentId, command: prepared.command, plan, parameters, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * After the project's job succeeded: the run must have logged a model the evaluate step can load,
 * and it is linked to the data it trained on (the next pipeline's reference). Answers its metrics.
 */
export function acceptChallenger(store: TrackingStore, launch: ChallengerLaunch, dataRef: string): Record<string, number> {
  const run = store.runs.get(launch.runId);
  const root = store.artifacts.localDirOf(run.info.artifact_uri);
  const missing = MODEL_FILES.filter((file) => root === null || !statSync(join(root, MODEL_DIR, file), { throwIfNoEntry: false })?.isFile());
  if (missing.length > 0) {
    throw new MLDeskError(
      'INVALID_STATE',
      `The project ${launch.plan.dir} (entry point ${launch.plan.entry}) ended without logging a model: run ${launch.runId} has no ${missing.map((f) => `${MODEL_DIR}/${f}`).join(', ')} ` +
        '(a TF.js model as `mldesk train --run-id "$MLFLOW_RUN_ID"` writes it).',
    );
  }
  addEdge(store.db, { sourceKind: 'dataset_version', sourceId: dataRef, targetKind: 'run', targetId: launch.runId, relation: 'trained_on' });
  // System metrics (cpu, memory) are left out, as `mldesk run --json` does.
  return Object.fromEntries((run.data.metrics ?? []).filter((m) => !m.key.startsWith('system/')).map((m) => [m.key, Number(m.value)]));
}
