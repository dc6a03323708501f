import { useEffect, useState } from 'react';
import type { TrainingJob } from '../../../../shared/app-api/training';
import { call, onAppEvent } from '../../api/app-client';

export interface TrainingProgressState {
  job: TrainingJob | null;
  /** Date.now() when the latest state arrived: the ETA counts down from there between events. */
  receivedAt: number;
}

/**
 * The training job behind a run, if this app trains it: the job list once (events sent before
 * the page opened are gone), then `training.progress` events for this run, handed to React at
 * most once per frame since a job reports every batch.
 */
export function useTrainingProgress(runId: string, active: boolean): TrainingProgressState {
  const [state, setState] = useState<TrainingProgressState>({ job: null, receivedAt: 0 });

  useEffect(() => {
    if (!active) return;
    let alive = true;
    let latest: TrainingJob | null = null;
    let frame: number | undefined;
    const flush = () => {
      frame = undefined;
      if (alive && latest) setState({ job: latest, receivedAt: Date.now() });
    };
    const off = onAppEvent(
      (event) => {
        if (event.type !== 'training.progress' || event.payload.runId !== runId) return;
        latest = event.payload;
        frame ??= requestAnimationFrame(flush);
      },
      ['training.progress'],
    );
    call('training.jobs', {}).then(
      ({ jobs }) => {
        const job = jobs.find((j) => j.runId === runId);
        // An event that arrived meanwhile is newer than the list.
        if (alive && job && !latest) setState({ job, receivedAt: Date.now() });
      },
      () => undefined,
    );
    return () => {
      alive = false;
      off();
      if (frame !== undefined) cancelAnimationFrame(frame);
    };
  }, [runId, active]);

  return state;
}

/** Fraction done, 0..1: batches count within the epoch under way so long epochs still move. */
export function progressFraction(job: TrainingJob): number {
  const { phase, epoch, epochs, batch, batches } = job.progress;
  if (phase === 'finished') return 1;
  if (epochs <= 0) return 0;
  const done = phase === 'batch' && batches > 0 ? epoch - 1 + Math.min(1, batch / batches) : epoch;
  return Math.max(0, Math.min(1, done / epochs));
}

/** `3.2s`, `4m 05s`, `1h 02m`. */
export function formatSpan(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}
