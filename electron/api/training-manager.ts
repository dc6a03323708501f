import type { TrainingJob, TrainingProgressInfo, TrainingRequestSchema } from '../../shared/app-api/training.js';
import type { z } from 'zod';
import { MLDeskError } from '../core/errors.js';
import type { TrackingStore } from '../core/store/tracking-store.js';
import { startTraining, type TrainingHandle } from '../core/training/training-run.js';

interface Job {
  info: TrainingJob;
  handle: TrainingHandle;
}

const KEEP_FINISHED_MS = 10 * 60_000;

/**
 * Training jobs started from the app. Each trains in its own child process (startTraining); this
 * keeps their handles for cancel and turns their messages into `training.progress` events.
 */
export class TrainingManager {
  private readonly jobs = new Map<string, Job>();

  constructor(private readonly store: TrackingStore) {}

  start(request: z.output<typeof TrainingRequestSchema>): { runId: string; experimentId: string } {
    const startedAt = Date.now();
    // The handle's messages can only be matched to the job once startTraining has returned it.
    const current: { job?: Job } = {};
    const handle = startTraining({
      store: this.store,
      data: { kind: 'dataset', ref: request.dataset },
      target: request.target,
      task: request.task,
      experimentName: request.experimentName,
      runName: request.runName || undefined,
      template: request.template,
      backend: request.backend,
      hyperparameters: request.hyperparameters,
      source: 'MLDesk app',
      onMessage: (message) => {
        const job = current.job;
        if (!job) return;
        const progress = job.info.progress;
        if (message.type === 'progress') {
          const p = message.progress;
          job.info.progress = { ...progress, phase: p.phase, epoch: p.epoch, epochs: p.epochs, batch: p.batch, batches: p.batches, elapsedMs: p.elapsedMs, etaMs: p.etaMs, metrics: finite(p.metrics) };
        } else if (message.type === 'finished') job.info.progress = { ...progress, phase: 'finished', etaMs: 0, metrics: finite(message.summary.metrics) };
        else if (message.type === 'failed') job.info.progress = { ...progress, phase: 'failed', etaMs: null, error: message.error.message };
        else if (message.type === 'killed') job.info.progress = { ...progress, phase: 'killed', etaMs: null };
        else return;
        this.store.events.emit('training.progress', job.info);
      },
    });
    const runName = this.store.runs.row(handle.runId).name;
    const initial: TrainingProgressInfo = { phase: 'starting', epoch: 0, epochs: handle.hyperparameters.epochs, batch: 0, batches: 0, elapsedMs: 0, etaMs: null, metrics: {} };
    const job: Job = { handle, info: { runId: handle.runId, experimentId: handle.experimentId, runName, dataset: request.dataset, startedAt, progress: initial } };
    current.job = job;
    this.jobs.set(handle.runId, job);
    this.store.events.emit('training.progress', job.info);
    void handle.done.then((outcome) => {
      const info = job.info;
      // A child that died without a message still ends the job as the store recorded it.
      const phase = outcome.status === 'FINISHED' ? 'finished' : outcome.status === 'KILLED' ? 'killed' : 'failed';
      if (info.progress.phase !== phase) {
        info.progress = { ...info.progress, phase, etaMs: phase === 'finished' ? 0 : null, ...(outcome.error ? { error: outcome.error } : {}) };
        this.store.events.emit('training.progress', info);
      }
      setTimeout(() => this.jobs.delete(handle.runId), KEEP_FINISHED_MS).unref();
    });
    return { runId: handle.runId, experimentId: handle.experimentId };
  }

  async cancel(runId: string): Promise<void> {
    const job = this.jobs.get(runId);
    if (!job) throw new MLDeskError('RESOURCE_DOES_NOT_EXIST', `No training job for run ${runId} is running in this app.`);
    await job.handle.cancel('cancelled from the app');
  }

  list(): TrainingJob[] {
    return [...this.jobs.values()].map((job) => job.info).sort((a, b) => b.startedAt - a.startedAt);
  }

  /** Stops every running job (app shutdown); their runs end KILLED. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.jobs.values()].filter((j) => !['finished', 'failed', 'killed'].includes(j.info.progress.phase)).map((j) => j.handle.cancel('the app was closed', 2000)));
  }
}

function finite(metrics: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).filter(([, v]) => Number.isFinite(v)));
}
