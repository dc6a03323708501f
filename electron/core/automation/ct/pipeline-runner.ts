/**
 * A pipeline run: trigger → data → train → evaluate → gate → promote, each step a job (kind
 * 'pipeline_step', parent the run's 'pipeline' job) with its log, and a row in pipeline_steps with
 * its detail (datasets and hashes, the run trained, the figures, the gates, the decision).
 * Steps run inline in this process, but for train: the policy's project runs as the step's own
 * project job on the executor (the local pool), as any project job does.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CtPolicy, PipelineStepName } from '../../../../shared/automation.js';
import type { PipelineRun } from '../../../../shared/app-api/pipelines.js';
import type { DataStepResult } from './pipeline-data.js';
import { buildTrainingData } from './pipeline-data.js';
import type { DatasetStore } from '../../data/dataset-store.js';
import { knownError, MLDeskError } from '../../errors.js';
import { trainingDatasetRef } from '../../monitoring/quality-tests.js';
import type { ModelRegistry } from '../../registry/model-registry.js';
import type { ModelVersion } from '../../registry/registry-types.js';
import { modelDirOf } from '../../serving/serving-target.js';
import type { TrackingStore } from '../../store/tracking-store.js';
import type { ModelSignature } from '../../training/model-files.js';
import type { JobExecutor } from '../executor.js';
import type { JobsService } from '../jobs-service.js';
import type { JobStore } from '../job-store.js';
import { evaluateOnHoldout, requireHeldOut, type EvaluateResult } from './pipeline-evaluate.js';
import { PipelineStore, type TriggerInfo } from './pipeline-store.js';
import { acceptChallenger, prepareChallenger, PIPELINE_ID_TAG, type ChallengerLaunch } from './pipeline-train.js';
import { judgeGates } from './gates.js';
import { requirePolicy } from './policy-store.js';
import { promote } from './promotion.js';
import { pidAlive } from '../process-identity.js';
import { FAILURE_REASON_TAG } from '../projects/project-lineage.js';

export interface PipelineServices {
  store: TrackingStore;
  registry: ModelRegistry;
  datasets: DatasetStore;
  /** The jobs table and the executor the train step's project job runs on (the local pool). */
  jobs: JobsService;
}

export const CHALLENGER_ALIAS = 'challenger';

/** Who the policy acts as in the registry's audit trail and reviews. */
export const policyActor = (model: string): string => `policy:${model}`;

class StepFailed extends Error {}
/** A step whose job was cancelled (from the Jobs page, `mldesk jobs cancel`): the run ends cancelled. */
class StepCancelled extends StepFailed {}


export class PipelineRunner {
  readonly jobs: JobStore;
  readonly pipelines: PipelineStore;
  private readonly workerId = `pipeline:${process.pid}`;

  get db() {
    return this.services.store.db;
  }

  /** Where the train step's project job runs: the local pool unless told otherwise (any JobExecutor, e.g. BullMQ). */
  private readonly executor: JobExecutor;

  constructor(
    private readonly services: PipelineServices,
    options: { executor?: JobExecutor } = {},
  ) {
    this.executor = options.executor ?? services.jobs.pool;
    // The service's own job store, so step jobs reach the jobs page as `jobs.changed` events.
    this.jobs = services.jobs.store;
    this.pipelines = new PipelineStore(services.store.db);
  }

  /**
   * Records a run and starts its steps; `done` settles with the run as it ended. Refused while
   * another run of the model is going on (one left 'running' by a process that died is closed first).
   */
  start(model: string, trigger: TriggerInfo): { id: string; done: Promise<PipelineRun> } {
    const policy = requirePolicy(this.services.store.db, model);
    this.closeAbandoned(model);
    const running = this.pipelines.running(model);
    if (running) throw new MLDeskError('INVALID_STATE', `A pipeline of model ${model} is already running (${running}); one runs at a time.`);
    const job = this.jobs.create({ kind: 'pipeline', name: `pipeline ${model} (${trigger.type})`, executor: 'inline', spec: { type: 'inline', action: 'ct.pipeline', input: { model, trigger } } });
    this.jobs.claim(job.id, { workerId: this.workerId });
    const id = this.pipelines.create(model, trigger, policy, job.id);
    const done = this.run(id, job.id, policy, trigger);
    return { id, done };
  }

  /** A run whose process died (its job's worker pid is gone) is marked failed, so the next can start. */
  private closeAbandoned(model: string): void {
    const id = this.pipelines.running(model);
    if (!id) return;
    const run = this.pipelines.get(id);
    const job = run.jobId ? this.jobs.get(run.jobId) : null;
    const pid = Number(/^pipeline:(\d+)$/.exec(job?.workerId ?? '')?.[1]);
    if (!job || !Number.isInteger(pid) || pidAlive(pid)) return;
    const reason = `its process (pid ${pid}) ended before the pipeline finished`;
    for (const step of run.steps) if (step.jobId && step.status === 'running') this.jobs.finish(step.jobId, { status: 'failed', reason, retry: false });
    this.jobs.finish(job.id, { status: 'failed', reason, retry: false });
    for (const step of run.steps) if (step.status === 'running') this.pipelines.endStep(id, step.step, 'failed', { ...step.detail, error: reason });
    this.pipelines.finish(id, 'failed', `Failed: ${reason}.`);
  }

  private async step<T>(id: string, parent: string, model: string, name: PipelineStepName, body: (log: (line: string) => void, jobId: string) => Promise<{ value: T; detail: Record<string, unknown>; status?: 'succeeded' | 'skipped' }>): Promise<T> {
    const job = this.jobs.create({ kind: 'pipeline_step', name: `${name} · pipeline ${model}`, executor: 'inline', parentId: parent, spec: { type: 'inline', action: `ct.${name}`, input: { pipelineId: id } } });
    this.jobs.claim(job.id, { workerId: this.workerId });
    this.pipelines.startStep(id, name, job.id);
    const log = (line: string) => this.jobs.appendLog(job.id, `${new Date().toISOString()} ${line}\n`);
    try {
      const result = await body(log, job.id);
      this.jobs.finish(job.id, { status: 'succeeded', exitCode: 0 });
      this.pipelines.endStep(id, name, result.status ?? 'succeeded', result.detail);
      return result.value;
    } catch (error) {
      const message = (error as Error).message;
      log(`failed: ${message}`);
      this.jobs.finish(job.id, { status: 'failed', reason: message, retry: false });
      this.pipelines.endStep(id, name, 'failed', { error: message, code: knownError(error)?.code ?? 'INTERNAL_ERROR' });
      throw new StepFailed(`${name}: ${message}`);
    }
  }

  private async run(id: string, jobId: string, policy: CtPolicy, trigger: TriggerInfo): Promise<PipelineRun> {
    const { store, registry, datasets } = this.services;
    const model = policy.model;
    try {
      const { champion, holdout, reference, hashColumns } = await this.step(id, jobId, model, 'trigger', async (log) => {
        log(`trigger: ${trigger.type}: ${trigger.detail}`);
        let champion: ModelVersion;
        try {
          champion = registry.versionByAlias(model, policy.alias);
        } catch {
          throw new MLDeskError('INVALID_STATE', `Model ${model} has no '${policy.alias}' version to retrain and compare against.`);
        }
        // Pinned now: the whole run evaluates on exactly these bytes.
        const holdout = datasets.getVersion(policy.holdout);
        this.pipelines.setVersions(id, { champion: Number(champion.version) });
        log(`champion: ${model} version ${champion.version}; held-out data ${holdout.ref} (${holdout.rows} rows)`);
        const referenceRef = trainingDatasetRef(store.db, champion.run_id || null);
        if (!referenceRef) throw new MLDeskError('INVALID_STATE', `The champion (version ${champion.version}) has no training dataset in its lineage: there is no reference data to retrain on.`);
        const reference = datasets.getVersion(referenceRef);
        const signature = JSON.parse(await readFile(join(modelDirOf(store, registry, champion), 'signature.json'), 'utf8')) as ModelSignature;
        const hashColumns = [...signature.inputs.map((i) => i.name), signature.output.name];
        await requireHeldOut(datasets, holdout, reference, hashColumns, 'champion');
        log(`no row of ${holdout.ref} is in the champion's training data ${reference.ref} (row hashes over ${hashColumns.length} columns)`);
        return {
          value: { champion, holdout, reference, hashColumns },
          detail: { ...trigger, champion: champion.version, holdout: { ref: holdout.ref, sha256: holdout.sha256, rows: holdout.rows }, reference: reference.ref },
        };
      });

      const data = await this.step(id, jobId, model, 'data', async (log) => {
        const result: DataStepResult = await buildTrainingData({
          db: store.db,
          datasets,
          model,
          reference,
          holdout,
          hashColumns,
          includeLabelledRows: policy.includeLabelledRows,
          log,
        });
        return { value: result, detail: { ...result } };
      });

      const challenger = await this.trainStep(id, jobId, policy, champion.run_id, data);

      const evaluation: EvaluateResult = await this.step(id, jobId, model, 'evaluate', async (log) => {
        const result = await evaluateOnHoldout({ store, registry, datasets }, model, champion.version, challenger.version, holdout, log);
        return { value: result, detail: { ...result } };
      });

      const gates = await this.step(id, jobId, model, 'gate', async (log) => {
        const results = judgeGates(policy, evaluation.champion.metrics, evaluation.challenger.metrics);
        for (const gate of results) log(`${gate.passed ? 'PASS' : 'FAIL'} ${gate.name}: ${gate.message}`);
        const passed = results.every((g) => g.passed);
        return { value: results, detail: { gates: results, passed } };
      });

      const outcome = await this.step(id, jobId, model, 'promote', async (log) => {
        const result = promote({ registry, policy, pipelineId: id, champion: champion.version, challenger: challenger.version, metric: policy.metric.name, evaluation, gates });
        log(result.decision);
        return { value: result, detail: { decision: result.decision, state: result.state }, status: result.state === 'promoted' ? 'succeeded' : 'skipped' };
      });
      this.jobs.finish(jobId, { status: 'succeeded', exitCode: 0, reason: outcome.decision });
      this.pipelines.finish(id, outcome.state, outcome.decision);
    } catch (error) {
      const message = error instanceof StepFailed ? error.message : `internal: ${(error as Error).message}`;
      const cancelled = error instanceof StepCancelled;
      this.jobs.finish(jobId, { status: cancelled ? 'cancelled' : 'failed', reason: message, retry: false });
      this.pipelines.finish(id, cancelled ? 'cancelled' : 'failed', `${cancelled ? 'Cancelled' : 'Failed'} at ${message}`);
    }
    return this.pipelines.get(id);
  }
  /**
   * The train step: the policy's project runs as the step's own job on the executor (see
   * pipeline-train.ts); what it trained is registered as the challenger once it logged a model.
   */
  private async trainStep(id: string, parent: string, policy: CtPolicy, championRunId: string, data: DataStepResult): Promise<ModelVersion> {
    const { store, registry, datasets } = this.services;
    const executor = this.executor;
    const model = policy.model;
    const early: string[] = [];
    let launch: ChallengerLaunch;
    try {
      launch = await prepareChallenger(
        { store, datasets, jobs: this.jobs, executor },
        { policy, championRunId, data: { ref: data.ref, sha256: data.sha256 }, pipelineId: id, parentJobId: parent, log: (line) => early.push(line) },
      );
    } catch (error) {
      // Refused before anything ran: the step still gets a job, holding what was checked and why it stopped.
      return this.step(id, parent, model, 'train', async (log) => {
        for (const line of early) log(line);
        throw error;
      });
    }
    const job = launch.job;
    this.jobs.appendLog(job.id, early.map((line) => `${new Date().toISOString()} ${line}\n`).join(''));
    this.pipelines.startStep(id, 'train', job.id);
    const detail = {
      runId: launch.runId,
      experimentId: launch.experimentId,
      jobId: job.id,
      project: policy.project,
      projectDir: launch.plan.dir,
      entry: launch.plan.entry,
      command: launch.command,
      parameters: launch.parameters,
      data: data.ref,
      dataSha256: data.sha256,
    };
    let ended;
    try {
      await executor.submit(job);
      ended = await executor.waitFor(job.id);
    } catch (error) {
      ended = this.jobs.finish(job.id, { status: 'failed', reason: `could not run the project's job: ${(error as Error).message}`, retry: false }).job;
    } finally {
      await launch.cleanup();
    }
    // What the pipeline did with the job's result ends the job's log, so the step log tells it all.
    const epilogue = (line: string) => this.jobs.appendEpilogue(job.id, `${new Date().toISOString()} [pipeline] ${line}\n`);
    try {
      if (ended.status !== 'succeeded') throw new MLDeskError('INVALID_STATE', `the project's job ${job.id} ended ${ended.status}: ${ended.reason ?? 'no reason given'}.`);
      const metrics = acceptChallenger(store, launch, data.ref);
      const actor = policyActor(model);
      const version = registry.createVersion(model, {
        source: `runs:/${launch.runId}/model`,
        runId: launch.runId,
        creator: actor,
        description: `Challenger trained by pipeline ${id} on ${data.ref}.`,
        tags: [{ key: PIPELINE_ID_TAG, value: id }],
      });
      registry.setAlias(model, CHALLENGER_ALIAS, version.version, { actor, reason: `pipeline ${id}: trained on ${data.ref} (run ${launch.runId})` });
      this.pipelines.setVersions(id, { challenger: Number(version.version) });
      epilogue(`registered run ${launch.runId} as ${model} version ${version.version}, alias '${CHALLENGER_ALIAS}'`);
      this.pipelines.endStep(id, 'train', 'succeeded', { ...detail, version: version.version, trainingMetrics: metrics });
      return version;
    } catch (error) {
      const message = (error as Error).message;
      const cancelled = ended.status === 'cancelled';
      epilogue(`step ${cancelled ? 'cancelled' : 'failed'}: ${message}`);
      // A job that never reached the launcher (no tracking server, the pool closed) left its run open.
      endOpenRun(store, launch.runId, cancelled ? 'KILLED' : 'FAILED', message);
      this.pipelines.endStep(id, 'train', cancelled ? 'cancelled' : 'failed', { ...detail, error: message, code: knownError(error)?.code ?? 'INTERNAL_ERROR' });
      throw new (cancelled ? StepCancelled : StepFailed)(`train: ${message}`);
    }
  }
}

function endOpenRun(store: TrackingStore, runId: string, status: 'FAILED' | 'KILLED', reason: string): void {
  if (store.runs.get(runId).info.status !== 'RUNNING') return;
  store.setTag(runId, { key: FAILURE_REASON_TAG, value: reason.slice(0, 5000) });
  store.updateRun(runId, { status, endTime: Date.now() });
}
