import type { TrainingJob, TrainingProgressInfo, TrainingRequestSchema } from '../../../shared/app-api/training.js';
import type { z } from 'zod';
import type { JobKind } from '../../../shared/automation.js';
import type { JobsService } from '../automation/jobs-service.js';
import type { DatasetStore } from '../data/dataset-store.js';
import { MLDeskError } from '../errors.js';
import type { TrackingStore } from '../store/tracking-store.js';
import type { WorkerMessage } from './messages.js';
import { reproduceRun } from './reproduce.js';
import { startTraining, type TrainingOutcome } from './training-run.js';

interface Job {
  info: TrainingJob;
  cancel(): Promise<unknown>;
  /** Its row in the jobs table (kind 'train' or 'reproduce', executor 'inline'). */
  jobId: string | null;
  /** Epoch lines not yet in the job's log tail (written at most every LOG_FLUSH_MS). */
  log?: { pending: string; timer?: NodeJS.Timeout };
}

const LOG_FLUSH_MS = 500;

const KEEP_FINISHED_MS = 10 * 60_000;

/**
 * Training jobs started from the app. Each trains in its own child process (startTraining); this
 * keeps their handles for cancel and turns their messages into `training.progress` events, and
 * records each as a job (its run, pid, status, reason and a log tail of its epochs), so the jobs
 * page lists it and a restart judges it.
 */
export class TrainingManager {
  private readonly jobs = new Map<string, Job>();

  constructor(
    private readonly store: TrackingStore,
    private readonly datasets: DatasetStore,
    private readonly jobTable: JobsService | null = null,
  ) {}

  start(request: z.output<typeof TrainingRequestSchema>): { runId: string; experimentId: string } {
    // Checked here so a wrong choice in the form is a field error, not a FAILED run in the table.
    let version;
    try {
      version = this.datasets.getVersion(request.dataset);
    } catch (error) {
      throw new MLDeskError('INVALID_PARAMETER_VALUE', `Field 'dataset': ${(error as Error).message}`);
    }
    const column = version.schema.find((c) => c.name === request.target);
    if (!column) {
      throw new MLDeskError('INVALID_PARAMETER_VALUE', `Field 'target': '${request.target}' is not a column of ${version.ref}; its columns are ${version.schema.map((c) => c.name).join(', ')}.`);
    }
    if (column.type === 'text') {
      throw new MLDeskError('INVALID_PARAMETER_VALUE', `Field 'target': '${request.target}' is free text (${version.ref}); pick a numeric, integer, boolean or categorical column.`);
    }
    // The handle's messages can only be matched to the job once startTraining has returned it.
    const current: { job?: Job } = {};
    const handle = startTraining({
      store: this.store,
      // Pinned to the version resolved now, so the job and its lineage name the exact bytes.
      data: { kind: 'dataset', ref: version.ref },
      target: request.target,
      task: request.task,
      experimentName: request.experimentName,
      runName: request.runName || undefined,
      template: request.template,
      backend: request.backend,
      hyperparameters: request.hyperparameters,
      source: 'MLDesk app',
      onMessage: (message) => current.job && this.onMessage(current.job, message),
    });
    current.job = this.track(handle.runId, handle.experimentId, version.ref, handle.hyperparameters.epochs, (reason = 'cancelled from the app') => handle.cancel(reason), {
      kind: 'train',
      input: { dataset: version.ref, target: request.target, template: request.template },
      pid: handle.pid,
    });
    this.follow(current.job, handle.done);
    return { runId: handle.runId, experimentId: handle.experimentId };
  }

  /** Re-runs a run from its lineage as a job; answers once the reproduction's run exists. */
  reproduce(runId: string, tolerance: number | undefined): Promise<{ runId: string; experimentId: string }> {
    const abort = new AbortController();
    const current: { job?: Job } = {};
    return new Promise((resolve, reject) => {
      const done = reproduceRun({
        store: this.store,
        runId,
        tolerance,
        signal: abort.signal,
        onMessage: (message) => current.job && this.onMessage(current.job, message),
        onStarted: ({ runId: newRunId, experimentId }) => {
          const lineageEpochs = Number(this.store.runs.get(runId).data.params.find((p) => p.key === 'epochs')?.value ?? 0);
          current.job = this.track(newRunId, experimentId, `reproduction of ${runId}`, lineageEpochs, async (reason = 'cancelled from the app') => abort.abort(reason), {
            kind: 'reproduce',
            input: { runId },
          });
          resolve({ runId: newRunId, experimentId });
        },
      });
      done.then(
        (result) => current.job && this.finish(current.job, { status: result.status === 'FINISHED' ? 'FINISHED' : result.status === 'KILLED' ? 'KILLED' : 'FAILED', error: result.error }),
        (error: unknown) => (current.job ? this.finish(current.job, { status: 'FAILED', error: (error as Error).message }) : reject(error)),
      );
    });
  }

  private track(
    runId: string,
    experimentId: string,
    dataset: string,
    epochs: number,
    cancel: (reason?: string) => Promise<unknown>,
    record: { kind: JobKind; input: unknown; pid?: number },
  ): Job {
    const runName = this.store.runs.row(runId).name;
    const initial: TrainingProgressInfo = { phase: 'starting', epoch: 0, epochs, batch: 0, batches: 0, elapsedMs: 0, etaMs: null, metrics: {} };
    const jobId =
      this.jobTable?.startInline(
        { kind: record.kind, name: `${record.kind === 'train' ? 'train' : 'reproduce'} ${runName}`, spec: { type: 'inline', action: record.kind, input: record.input }, runId, experimentId },
        (reason) => cancel(reason),
        record.pid,
      ).id ?? null;
    const job: Job = { cancel, jobId, info: { runId, experimentId, runName, dataset, startedAt: Date.now(), progress: initial } };
    this.jobs.set(runId, job);
    this.store.events.emit('training.progress', job.info);
    return job;
  }

  private onMessage(job: Job, message: WorkerMessage): void {
    const progress = job.info.progress;
    if (message.type === 'progress') {
      const p = message.progress;
      job.info.progress = { ...progress, phase: p.phase, epoch: p.epoch, epochs: p.epochs, batch: p.batch, batches: p.batches, elapsedMs: p.elapsedMs, etaMs: p.etaMs, metrics: finite(p.metrics) };
    } else if (message.type === 'finished') job.info.progress = { ...progress, phase: 'finished', etaMs: 0, metrics: finite(message.summary.metrics) };
    else if (message.type === 'failed') job.info.progress = { ...progress, phase: 'failed', etaMs: null, error: message.error.message };
    else if (message.type === 'killed') job.info.progress = { ...progress, phase: 'killed', etaMs: null };
    else return;
    this.store.events.emit('training.progress', job.info);
    if (message.type === 'progress' && message.progress.phase === 'epoch') this.logLine(job, `epoch ${message.progress.epoch}/${message.progress.epochs} ${formatMetrics(job.info.progress.metrics)}`);
  }

  /** Epochs of a small dataset come by the hundred a second: lines are batched into one write per LOG_FLUSH_MS. */
  private logLine(job: Job, line: string): void {
    if (!job.jobId || !this.jobTable) return;
    job.log ??= { pending: '' };
    job.log.pending += `${line.trimEnd()}\n`;
    job.log.timer ??= setTimeout(() => this.flushLog(job), LOG_FLUSH_MS);
  }

  private flushLog(job: Job): void {
    if (!job.log) return;
    clearTimeout(job.log.timer);
    job.log.timer = undefined;
    const chunk = job.log.pending;
    job.log.pending = '';
    if (chunk && job.jobId) this.jobTable?.store.appendLog(job.jobId, chunk);
  }

  private follow(job: Job, done: Promise<TrainingOutcome>): void {
    void done.then((outcome) => this.finish(job, outcome));
  }

  /** A child that died without a message still ends the job as the store recorded it. */
  private finish(job: Job, outcome: { status: string; error?: string }): void {
    const info = job.info;
    const phase = outcome.status === 'FINISHED' ? 'finished' : outcome.status === 'KILLED' ? 'killed' : 'failed';
    if (info.progress.phase !== phase) {
      info.progress = { ...info.progress, phase, etaMs: phase === 'finished' ? 0 : null, ...(outcome.error ? { error: outcome.error } : {}) };
      this.store.events.emit('training.progress', info);
    }
    if (job.jobId && this.jobTable) {
      const killedReason = this.store.runs.get(info.runId).data.tags.find((t) => t.key === 'mldesk.killed_reason')?.value;
      const reason = phase === 'finished' ? null : phase === 'killed' ? (killedReason ?? 'cancelled') : (outcome.error ?? info.progress.error ?? 'training failed');
      if (phase !== 'finished' && reason) this.logLine(job, phase === 'killed' ? `cancelled: ${reason}` : `failed: ${reason}`);
      this.flushLog(job);
      this.jobTable.finishInline(job.jobId, { status: phase === 'finished' ? 'succeeded' : phase === 'killed' ? 'cancelled' : 'failed', reason });
    }
    setTimeout(() => this.jobs.delete(info.runId), KEEP_FINISHED_MS).unref();
  }

  async cancel(runId: string): Promise<void> {
    const job = this.jobs.get(runId);
    if (!job) throw new MLDeskError('RESOURCE_DOES_NOT_EXIST', `No training job for run ${runId} is running in this app.`);
    await job.cancel();
  }

  list(): TrainingJob[] {
    return [...this.jobs.values()].map((job) => job.info).sort((a, b) => b.startedAt - a.startedAt);
  }

  /** Stops every running job (app shutdown); their runs end KILLED. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.jobs.values()].filter((j) => !['finished', 'failed', 'killed'].includes(j.info.progress.phase)).map((j) => j.cancel()));
  }
}

function formatMetrics(metrics: Record<string, number>): string {
  return Object.entries(metrics)
    .map(([key, value]) => `${key}=${Number(value.toPrecision(4))}`)
    .join(' ');
}

function finite(metrics: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).filter(([, v]) => Number.isFinite(v)));
}
