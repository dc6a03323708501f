import { useEffect } from 'react';
import { create } from 'zustand';
import type { TrainingJob } from '../../../../shared/app-api/training';
import { call, onAppEvent } from '../../api/app-client';
import { isActive } from './job-progress';

/**
 * Training jobs this app server runs (server data), kept current by `training.progress` events.
 * The top bar and the New run page read the same store, so a job started on one page shows
 * everywhere.
 */
interface TrainingJobsState {
  jobs: Record<string, TrainingJob>;
  /** Date.now() when each job's latest state arrived: live elapsed and ETA count on from there. */
  receivedAt: Record<string, number>;
  loaded: boolean;
  error: string | null;
}

export const useTrainingJobs = create<TrainingJobsState>(() => ({ jobs: {}, receivedAt: {}, loaded: false, error: null }));

/** Newest first, as the server lists them. */
export function sortedJobs(jobs: Record<string, TrainingJob>): TrainingJob[] {
  return Object.values(jobs).sort((a, b) => b.startedAt - a.startedAt);
}

/**
 * Events and a list refetch can cross on the wire: the state further along wins (an ended job
 * beats a running one, then more elapsed time), so a late answer never rewinds a bar.
 */
export function furtherAlong(current: TrainingJob | undefined, incoming: TrainingJob): boolean {
  if (!current) return true;
  const endedNow = !isActive(current);
  const endedIncoming = !isActive(incoming);
  if (endedNow !== endedIncoming) return endedIncoming;
  if (endedNow) return true;
  return incoming.progress.elapsedMs >= current.progress.elapsedMs;
}

function merge(incoming: TrainingJob[]): void {
  const now = Date.now();
  useTrainingJobs.setState((state) => {
    let jobs = state.jobs;
    let receivedAt = state.receivedAt;
    for (const job of incoming) {
      if (!furtherAlong(jobs[job.runId], job)) continue;
      if (jobs === state.jobs) {
        jobs = { ...jobs };
        receivedAt = { ...receivedAt };
      }
      jobs[job.runId] = job;
      receivedAt[job.runId] = now;
    }
    return jobs === state.jobs ? state : { jobs, receivedAt };
  });
}

let latestRequest = 0;

export async function loadTrainingJobs(): Promise<void> {
  const request = ++latestRequest;
  try {
    const { jobs } = await call('training.jobs', {});
    if (request !== latestRequest) return;
    merge(jobs);
    useTrainingJobs.setState({ loaded: true, error: null });
  } catch (error) {
    if (request === latestRequest) useTrainingJobs.setState({ loaded: true, error: (error as Error).message });
  }
}

export async function cancelTrainingJob(runId: string): Promise<void> {
  await call('training.cancel', { runId });
}

/** A safety net for a dropped event stream: while something trains, the list is refetched this often. */
const POLL_WHILE_ACTIVE_MS = 5000;
let subscribers = 0;
let stopFeed: (() => void) | undefined;

function startFeed(): () => void {
  let pending: TrainingJob[] = [];
  let frame: number | undefined;
  // Several jobs can each report every epoch: hand them to React once per frame.
  const flush = () => {
    frame = undefined;
    const batch = pending;
    pending = [];
    merge(batch);
  };
  const off = onAppEvent(
    (event) => {
      if (event.type !== 'training.progress') return;
      pending.push(event.payload);
      frame ??= requestAnimationFrame(flush);
    },
    ['training.progress'],
  );
  const poll = window.setInterval(() => {
    if (Object.values(useTrainingJobs.getState().jobs).some(isActive)) void loadTrainingJobs();
  }, POLL_WHILE_ACTIVE_MS);
  void loadTrainingJobs();
  return () => {
    off();
    window.clearInterval(poll);
    if (frame !== undefined) cancelAnimationFrame(frame);
  };
}

/** Keeps the store live while any component using it is mounted. */
export function useTrainingJobsFeed(): void {
  useEffect(() => {
    if (subscribers++ === 0) stopFeed = startFeed();
    return () => {
      if (--subscribers === 0) {
        stopFeed?.();
        stopFeed = undefined;
      }
    };
  }, []);
}
