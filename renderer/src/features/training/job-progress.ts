import type { TrainingJob } from '../../../../shared/app-api/training';

/**
 * What a training job's latest event means for the UI: its run status, how far along it is, and
 * live elapsed/ETA figures extrapolated from the moment the event arrived (events come about once
 * a second, the clock on screen ticks every second in between).
 */
export type JobPhase = TrainingJob['progress']['phase'];

export const ENDED_PHASES: ReadonlySet<JobPhase> = new Set(['finished', 'failed', 'killed']);

export function isActive(job: TrainingJob): boolean {
  return !ENDED_PHASES.has(job.progress.phase);
}

/** The run status the runs table shows for the same run. */
export function jobStatus(phase: JobPhase): 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED' {
  if (phase === 'finished') return 'FINISHED';
  if (phase === 'failed') return 'FAILED';
  if (phase === 'killed') return 'KILLED';
  return 'RUNNING';
}

/**
 * Fraction done, 0..1. Batches count within the current epoch so long epochs still move the bar;
 * a finished job is full even when early stopping ended it before the last epoch.
 */
export function jobFraction(job: TrainingJob): number {
  const { phase, epoch, epochs, batch, batches } = job.progress;
  if (phase === 'finished') return 1;
  if (epochs <= 0) return 0;
  // A batch event names the epoch under way (1-based); an epoch event the one just completed.
  const done = phase === 'batch' && batches > 0 ? epoch - 1 + Math.min(1, batch / batches) : epoch;
  return Math.max(0, Math.min(1, done / epochs));
}

export interface LiveTimes {
  elapsedMs: number;
  /** Null when unknown (starting, or ended without finishing). */
  etaMs: number | null;
}

/** Elapsed and ETA as of `now`, given when the job's latest event was received. */
export function liveTimes(job: TrainingJob, receivedAt: number, now: number): LiveTimes {
  const since = isActive(job) && job.progress.phase !== 'starting' ? Math.max(0, now - receivedAt) : 0;
  const eta = job.progress.etaMs === null ? null : Math.max(0, job.progress.etaMs - since);
  return { elapsedMs: job.progress.elapsedMs + since, etaMs: isActive(job) ? eta : job.progress.phase === 'finished' ? 0 : null };
}

/** `3.2s`, `4m 05s`, `1h 02m`: compact and stable in width as it ticks. */
export function formatSpan(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

/** Keys worth a headline for the job's task, best first; anything else logged follows. */
const HEADLINE_METRICS = ['loss', 'val_loss', 'val_accuracy', 'val_f1', 'val_auc', 'val_r2', 'val_rmse', 'val_mae', 'accuracy', 'rmse', 'mae', 'r2'];

export function orderedMetrics(metrics: Record<string, number>): Array<[string, number]> {
  const rank = (key: string) => {
    const index = HEADLINE_METRICS.indexOf(key);
    return index === -1 ? HEADLINE_METRICS.length : index;
  };
  return Object.entries(metrics).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

/** The validation metric that says how good the model is: accuracy for classifiers, R² for regressors. */
export function qualityMetric(metrics: Record<string, number>): string | null {
  for (const key of ['val_accuracy', 'val_r2', 'accuracy', 'r2']) if (key in metrics) return key;
  return null;
}
