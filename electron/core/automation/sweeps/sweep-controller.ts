import { isAbsolute } from 'node:path';
import { JOB_ID_TAG, PARENT_RUN_TAG, type Job, type ProjectSource, type SweepSpec, type SweepTrialState } from '../../../../shared/automation.js';
import type { SweepSummary } from '../../../../shared/app-api/sweeps.js';
import type { TrackingStore } from '../../store/tracking-store.js';
import { checkProjectRun, experimentIdFor, prepareProjectRun } from '../projects/prepare.js';
import type { JobExecutor } from '../executor.js';
import type { JobStore } from '../job-store.js';
import { ownerToken } from '../process-identity.js';
import { createPruner, type PruneDecision, type Pruner } from './pruners.js';
import { createSampler, type Observation, type Sampler } from './samplers.js';
import type { TrialParams } from './search-space.js';
import { SweepStore } from './sweep-store.js';

/** Run tags a sweep sets, so the runs page shows what happened without the sweep page. */
export const SWEEP_ID_TAG = 'mldesk.sweep_id';
export const SWEEP_TRIAL_TAG = 'mldesk.sweep_trial';
export const PRUNED_TAG = 'mldesk.pruned';
export const PRUNED_AT_STEP_TAG = 'mldesk.pruned_at_step';
export const STALE_TAG = 'mldesk.stale';

/** Random and TPE sweeps without a run_cap stop after this many trials (W&B's run forever; a desktop should not). */
export const DEFAULT_RUN_CAP = 20;

export interface SweepDeps {
  store: TrackingStore;
  jobs: JobStore;
  executor: JobExecutor;
  sweeps?: SweepStore;
}

export interface StartSweep {
  spec: SweepSpec;
  /** The project folder, absolute (the CLI resolves it against the spec file's folder). */
  projectPath: string;
  parallel: number;
  /** Progress lines for the CLI ("trial 3 pruned at step 3: …"). */
  onProgress?: (line: string) => void;
  /** How often running trials are checked for new reports and staleness (events make it faster). */
  tickMs?: number;
  /**
   * Ships the project to the trials some other way than its folder (a snapshot stored on the sweep's
   * parent run, for workers on other machines); called once with the parent run before any trial.
   */
  shipProject?: (parentRunId: string) => Promise<ProjectSource>;
}

interface LiveTrial {
  number: number;
  params: TrialParams;
  runId: string;
  jobId: string;
  state: SweepTrialState;
  lastStep: number | null;
  value: number | null;
  lastReportAt: number;
  startedAt: number | null;
  /** The trial's job is terminal: its process is gone and its slot free. */
  jobEnded: boolean;
}

const TERMINAL: ReadonlySet<SweepTrialState> = new Set(['completed', 'pruned', 'failed', 'stale', 'cancelled']);
const stringParams = (params: TrialParams): Record<string, string> => Object.fromEntries(Object.entries(params).map(([key, value]) => [key, String(value)]));
const fmt = (value: number): string => String(Number(value.toPrecision(6)));

/**
 * One running sweep: samples trials, runs each as a child run through a job on the executor
 * (at most `parallel` at once), feeds every objective report to the pruner the moment the store
 * announces it (the 'metrics.logged' event, also fired for metrics the MLflow client logs over
 * REST) and stops pruned and stale trials through executor.cancel. Every decision is stored.
 */
export class SweepController {
  readonly id: string;
  readonly runId: string;
  readonly experimentId: string;
  readonly done: Promise<SweepSummary>;
  private readonly sweeps: SweepStore;
  private readonly sampler: Sampler;
  private readonly pruner: Pruner;
  private readonly trials = new Map<number, LiveTrial>();
  private readonly byRun = new Map<string, LiveTrial>();
  private readonly byJob = new Map<string, LiveTrial>();
  private readonly cap: number;
  private readonly sweepJob: Job;
  private readonly unsubscribe: Array<() => void> = [];
  private readonly timer: NodeJS.Timeout;
  private exhausted = false;
  private cancelled: string | null = null;
  private finished = false;
  private best: LiveTrial | null = null;
  private completedCount = 0;
  private source: ProjectSource | undefined;
  private resolveDone!: (summary: SweepSummary) => void;

  constructor(
    private readonly deps: SweepDeps,
    private readonly input: StartSweep,
  ) {
    if (!isAbsolute(input.projectPath)) throw new Error('projectPath must be absolute');
    const { store, jobs } = deps;
    const { spec } = input;
    this.sweeps = deps.sweeps ?? new SweepStore(store.db);
    this.sampler = createSampler(spec);
    this.pruner = createPruner(spec);
    this.cap = Math.min(spec.run_cap ?? Infinity, this.sampler.size ?? DEFAULT_RUN_CAP);
    // A parameter the project does not take, or one of the wrong type, is refused before anything exists.
    const first = this.sampler.next(0, []);
    if (first) checkProjectRun({ path: input.projectPath, entry: spec.entry, parameters: stringParams(first) });
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    const name = spec.name ?? `sweep-${spec.method}-${spec.metric.name}`;
    this.experimentId = experimentIdFor(store, spec.experiment ?? 'Default');
    const parent = store.createRun({ experimentId: this.experimentId, runName: name, tags: [{ key: 'mldesk.sweep_method', value: spec.method }] });
    this.runId = parent.info.run_id;
    this.sweepJob = jobs.create({ kind: 'sweep', name: `sweep ${name}`, executor: 'inline', spec: { type: 'inline', action: 'sweep', input: { runId: this.runId } }, runId: this.runId, experimentId: this.experimentId });
    // The owner identity lets another MLDesk process on this data dir tell a live sweep from one whose process died.
    jobs.claim(this.sweepJob.id, { workerId: `sweep-controller:${process.pid}`, owner: ownerToken() });
    this.id = this.sweeps.create({ name, spec, runId: this.runId, experimentId: this.experimentId, jobId: this.sweepJob.id, parallel: input.parallel });
    store.setTag(this.runId, { key: SWEEP_ID_TAG, value: this.id });
    store.setTag(this.runId, { key: JOB_ID_TAG, value: this.sweepJob.id });
    store.logBatch(this.runId, {
      metrics: [],
      tags: [],
      params: [
        { key: 'sweep.method', value: spec.method },
        { key: 'sweep.metric', value: `${spec.metric.goal} ${spec.metric.name}` },
        { key: 'sweep.parallel', value: String(input.parallel) },
        { key: 'sweep.early_terminate', value: spec.early_terminate ? JSON.stringify(spec.early_terminate) : 'none' },
      ],
    });
    this.unsubscribe.push(
      store.events.subscribe((event) => {
        if (event.type !== 'metrics.logged' || !event.payload.keys.includes(spec.metric.name)) return;
        const trial = this.byRun.get(event.payload.runId);
        if (trial) this.guard(() => this.poll(trial));
      }),
      jobs.onChange((job) => {
        const trial = this.byJob.get(job.id);
        if (!trial) return;
        // A retried attempt (its worker was lost) logs into a new run: the trial follows it.
        if (job.runId && job.runId !== trial.runId) this.guard(() => this.followRun(trial, job.runId!));
        if (job.status === 'running' && trial.state === 'queued') this.guard(() => this.markRunning(trial));
      }),
    );
    this.timer = setInterval(() => this.guard(() => this.tick()), input.tickMs ?? 500);
    this.timer.unref?.();
    this.progress(`sweep ${this.id} (${name}): ${spec.method}, up to ${Number.isFinite(this.cap) ? this.cap : '∞'} trials, ${input.parallel} at a time; parent run ${this.runId}`);
    const ship = input.shipProject;
    if (ship) {
      ship(this.runId).then(
        (source) => {
          this.source = source;
          this.guard(() => this.fill());
        },
        (error: unknown) => this.fail(`could not ship the project to the trials: ${(error as Error).message}`),
      );
    } else queueMicrotask(() => this.guard(() => this.fill()));
  }

  private followRun(trial: LiveTrial, runId: string): void {
    this.byRun.delete(trial.runId);
    trial.runId = runId;
    this.byRun.set(runId, trial);
    this.sweeps.updateTrial(this.id, trial.number, { runId });
    this.progress(`trial ${trial.number} continues in run ${runId} (attempt retried)`);
  }


  private progress(line: string): void {
    this.input.onProgress?.(line);
  }

  /** A fault in one callback must end the sweep as failed, not leave it 'running' with nobody driving it. */
  private guard(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.fail(`sweep controller error: ${(error as Error).message}`);
    }
  }

  private get active(): LiveTrial[] {
    return [...this.trials.values()].filter((trial) => !TERMINAL.has(trial.state));
  }

  /** Trials whose process may still run: a pruned trial holds its slot until its job has ended, so never more than `parallel` run. */
  private get occupying(): LiveTrial[] {
    return [...this.trials.values()].filter((trial) => !trial.jobEnded);
  }

  private observations(): Observation[] {
    const loss = (value: number) => (this.input.spec.metric.goal === 'maximize' ? -value : value);
    return [...this.trials.values()].map((trial) => ({
      params: trial.params,
      // Pruned and stale trials count with their last value: they tell the sampler where not to go.
      loss: trial.state === 'completed' || trial.state === 'pruned' || trial.state === 'stale' ? (trial.value === null ? null : loss(trial.value)) : null,
    }));
  }

  private fill(): void {
    while (!this.cancelled && !this.exhausted && this.occupying.length < this.input.parallel) {
      const number = this.trials.size;
      const params = number < this.cap ? this.sampler.next(number, this.observations()) : null;
      if (!params) {
        this.exhausted = true;
        break;
      }
      this.launch(number, params);
    }
    this.maybeFinish();
  }

  private launch(number: number, params: TrialParams): void {
    const { store, jobs, executor } = this.deps;
    const { spec, projectPath } = this.input;
    const name = this.sweeps.get(this.id).name;
    let prepared;
    try {
      prepared = prepareProjectRun(store, {
        path: projectPath,
        entry: spec.entry,
        parameters: stringParams(params),
        experimentId: this.experimentId,
        runName: `${name}-trial-${number}`,
        source: this.source,
        tags: [
          { key: PARENT_RUN_TAG, value: this.runId },
          { key: SWEEP_ID_TAG, value: this.id },
          { key: SWEEP_TRIAL_TAG, value: String(number) },
        ],
      });
    } catch (error) {
      // The sampler drew something the project refuses (e.g. an int parameter given 2.5): the trial fails, the sweep goes on.
      this.sweeps.addTrial(this.id, number, params, { state: 'failed', reason: `refused before start: ${(error as Error).message}`, endedAt: Date.now() });
      this.trials.set(number, { number, params, runId: '', jobId: '', state: 'failed', lastStep: null, value: null, lastReportAt: Date.now(), startedAt: null, jobEnded: true });
      this.progress(`trial ${number} refused before start: ${(error as Error).message}`);
      return;
    }
    const runId = prepared.runId;
    const job = jobs.create({
      kind: 'trial',
      name: `trial ${number} of sweep ${name}`,
      executor: executor.kind,
      spec: prepared.spec,
      parentId: this.sweepJob.id,
      runId,
      experimentId: this.experimentId,
    });
    store.setTag(runId, { key: JOB_ID_TAG, value: job.id });
    const trial: LiveTrial = { number, params, runId, jobId: job.id, state: 'queued', lastStep: null, value: null, lastReportAt: Date.now(), startedAt: null, jobEnded: false };
    this.trials.set(number, trial);
    this.byRun.set(runId, trial);
    this.byJob.set(job.id, trial);
    this.sweeps.addTrial(this.id, number, params, { jobId: job.id, runId });
    this.progress(`trial ${number} queued: ${Object.entries(params).map(([key, value]) => `${key}=${String(value)}`).join(' ')} (run ${runId})`);
    executor.submit(job).then(
      () => executor.waitFor(job.id).then((ended) => this.guard(() => this.ended(trial, ended))),
      (error: unknown) =>
        this.guard(() => {
          trial.jobEnded = true;
          this.endTrial(trial, 'failed', `could not submit the trial's job: ${(error as Error).message}`);
        }),
    );
  }

  private markRunning(trial: LiveTrial): void {
    trial.state = 'running';
    trial.startedAt = Date.now();
    trial.lastReportAt = trial.startedAt;
    this.sweeps.updateTrial(this.id, trial.number, { state: 'running', lastReportAt: trial.lastReportAt });
  }

  /** Reads the objective's points logged since the last look and decides on each, in step order. */
  private poll(trial: LiveTrial, final = false): void {
    // A stopped trial keeps the value and step it was judged on, whatever its dying process still logged.
    if (TERMINAL.has(trial.state)) return;
    const { metric } = this.input.spec;
    const { metrics } = this.deps.store.runData.metricHistory(trial.runId, metric.name, undefined, undefined);
    // One value per step: the last logged wins, as in MLflow's charts.
    const bySteps = new Map<number, number>();
    for (const point of metrics) {
      const value = Number(point.value);
      if (Number.isFinite(value) && (trial.lastStep === null || point.step > trial.lastStep)) bySteps.set(point.step, value);
    }
    if (bySteps.size === 0) return;
    if (trial.state === 'queued') this.markRunning(trial);
    for (const [step, value] of [...bySteps].sort((a, b) => a[0] - b[0])) {
      trial.lastStep = step;
      trial.value = value;
      trial.lastReportAt = Date.now();
      this.sweeps.updateTrial(this.id, trial.number, { value, step, lastReportAt: trial.lastReportAt });
      if (final) continue;
      const decisions = this.pruner.report(trial.number, step, metric.goal === 'maximize' ? -value : value);
      for (const decision of decisions) this.sweeps.addDecision(this.id, decision);
      const prune = decisions.find((decision) => decision.decision === 'prune');
      if (prune) {
        this.prune(trial, prune);
        break;
      }
    }
  }

  private prune(trial: LiveTrial, decision: PruneDecision): void {
    const reason = `pruned at step ${decision.step}: ${decision.detail}`;
    this.stop(trial, 'pruned', reason, decision.step);
    this.progress(`trial ${trial.number} ${reason}`);
  }

  /** Ends a live trial early (pruned, stale, cancelled): recorded first, then its job is cancelled. */
  private stop(trial: LiveTrial, state: 'pruned' | 'stale' | 'cancelled', reason: string, step: number | null): void {
    const { store, executor } = this.deps;
    trial.state = state;
    this.sweeps.updateTrial(this.id, trial.number, { state, reason, prunedAtStep: state === 'pruned' ? step : null, endedAt: Date.now() });
    if (state === 'pruned') {
      store.setTag(trial.runId, { key: PRUNED_TAG, value: reason });
      store.setTag(trial.runId, { key: PRUNED_AT_STEP_TAG, value: String(step) });
    }
    if (state === 'stale') store.setTag(trial.runId, { key: STALE_TAG, value: reason });
    executor.cancel(trial.jobId, reason).catch(() => undefined);
  }

  private tick(): void {
    const staleMs = this.input.spec.stale_after_s * 1000;
    const now = Date.now();
    for (const trial of this.active) {
      // Events are the fast path; this catches reports that reached the store another way.
      this.poll(trial);
      if (trial.state !== 'running' || now - trial.lastReportAt <= staleMs) continue;
      const since = trial.lastStep === null ? 'since it started' : `since step ${trial.lastStep}`;
      const reason = `stale: no ${this.input.spec.metric.name} reported for ${Math.round((now - trial.lastReportAt) / 1000)} s ${since} (stale_after_s ${this.input.spec.stale_after_s})`;
      this.stop(trial, 'stale', reason, trial.lastStep);
      this.progress(`trial ${trial.number} ${reason}`);
    }
  }

  private ended(trial: LiveTrial, job: Job): void {
    trial.jobEnded = true;
    if (this.finished) {
      this.settleRun(trial, 'KILLED');
      return;
    }
    this.poll(trial, true);
    if (TERMINAL.has(trial.state)) {
      this.settleRun(trial, 'KILLED');
      this.fill();
      return;
    }
    if (job.status === 'succeeded') {
      if (trial.value === null) this.endTrial(trial, 'failed', `the trial finished without reporting ${this.input.spec.metric.name}`);
      else this.endTrial(trial, 'completed', null);
    } else {
      this.endTrial(trial, job.status === 'cancelled' ? 'cancelled' : 'failed', job.reason ?? `job ${job.status}`);
    }
  }

  private endTrial(trial: LiveTrial, state: 'completed' | 'failed' | 'cancelled', reason: string | null): void {
    trial.state = state;
    this.sweeps.updateTrial(this.id, trial.number, { state, reason, endedAt: Date.now() });
    this.settleRun(trial, state === 'completed' ? 'FINISHED' : state === 'failed' ? 'FAILED' : 'KILLED');
    if (state === 'completed') {
      this.pruner.complete(trial.number);
      this.completedCount++;
      const better = (a: number, b: number) => (this.input.spec.metric.goal === 'minimize' ? a < b : a > b);
      if (!this.best || better(trial.value!, this.best.value!)) {
        this.best = trial;
        this.sweeps.setBest(this.id, trial.number);
      }
      this.deps.store.logBatch(this.runId, { metrics: [{ key: `best_${this.input.spec.metric.name}`, value: this.best.value!, timestamp: Date.now(), step: this.completedCount }], params: [], tags: [] });
    }
    this.progress(`trial ${trial.number} ${state}${trial.value !== null ? `: ${this.input.spec.metric.name} ${fmt(trial.value)} at step ${trial.lastStep}` : ''}${reason ? ` (${reason})` : ''}`);
    this.fill();
  }

  /** The run ends with the trial even when its process never got to say so (killed before it could). */
  private settleRun(trial: LiveTrial, status: 'FINISHED' | 'FAILED' | 'KILLED'): void {
    const { store } = this.deps;
    const run = store.runs.get(trial.runId);
    if (run.info.status === 'RUNNING' || run.info.status === 'SCHEDULED') store.updateRun(trial.runId, { status, endTime: Date.now() });
  }

  private maybeFinish(): void {
    if (this.finished || this.occupying.length > 0 || !(this.exhausted || this.cancelled)) return;
    const state = this.cancelled ? 'cancelled' : this.best ? 'finished' : 'failed';
    const reason = this.cancelled ?? (this.best ? null : 'no trial completed');
    this.close(state, reason);
  }

  private fail(reason: string): void {
    if (this.finished) return;
    for (const trial of this.active) this.stop(trial, 'cancelled', reason, trial.lastStep);
    this.close('failed', reason);
  }

  private close(state: 'finished' | 'failed' | 'cancelled', reason: string | null): void {
    this.finished = true;
    clearInterval(this.timer);
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    const { store, jobs } = this.deps;
    this.sweeps.finish(this.id, state, reason);
    if (this.best) {
      store.setTag(this.runId, { key: 'mldesk.best_trial', value: String(this.best.number) });
      store.setTag(this.runId, { key: 'mldesk.best_run_id', value: this.best.runId });
    }
    store.updateRun(this.runId, { status: state === 'finished' ? 'FINISHED' : state === 'failed' ? 'FAILED' : 'KILLED', endTime: Date.now() });
    jobs.finish(this.sweepJob.id, { status: state === 'finished' ? 'succeeded' : state === 'failed' ? 'failed' : 'cancelled', reason, retry: false });
    const summary = this.sweeps.get(this.id);
    this.progress(
      `sweep ${state}${reason ? ` (${reason})` : ''}: ${this.trials.size} trials` +
        (this.best ? `; best trial ${this.best.number} (${this.input.spec.metric.name} ${fmt(this.best.value!)}, run ${this.best.runId})` : ''),
    );
    this.resolveDone(summary);
  }

  /** Stops every queued and running trial (their jobs are cancelled with the reason) and ends the sweep as cancelled. */
  cancel(reason = 'sweep cancelled'): void {
    if (this.finished || this.cancelled) return;
    this.cancelled = reason;
    for (const trial of this.active) this.stop(trial, 'cancelled', reason, trial.lastStep);
    this.guard(() => this.maybeFinish());
  }
}
