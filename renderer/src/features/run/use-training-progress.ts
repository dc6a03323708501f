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

// One copy of the progress maths, shared with the New run job panel.
export { formatSpan, jobFraction as progressFraction } from '../training/job-progress';
