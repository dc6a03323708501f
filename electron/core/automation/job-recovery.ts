import type { TrackingStore } from '../store/tracking-store.js';
import type { JobStore } from './job-store.js';
import { isIdentityAlive, killGroup, parseIdentity } from './process-identity.js';

export const DIED_WHILE_CLOSED = 'process died while MLDesk was closed';

export interface RecoveryResult {
  /** Jobs ended failed for good. */
  failed: string[];
  /** Jobs failed and queued again, their policy allowing another attempt. */
  requeued: string[];
}

/**
 * Judges the running jobs of this machine's processes at startup: a job whose owning process is
 * gone (checked by pid AND start time, so a pid reused by an unrelated process does not count as
 * alive) ends failed, its run too, and is requeued when its retry policy allows. A job process
 * left orphaned by the crash is killed first, so a retry never runs beside it. BullMQ jobs are
 * left to BullMQ's stalled-job recovery; jobs of another host to that host.
 */
export function recoverJobs(jobs: JobStore, store: TrackingStore, isAlive: (identity: string | null) => boolean = isIdentityAlive): RecoveryResult {
  const result: RecoveryResult = { failed: [], requeued: [] };
  for (const running of jobs.runningOwners()) {
    if (running.executor === 'bullmq' || running.owner === null || isAlive(running.owner)) continue;
    // The owner's host is this one (isAlive answers true for another host's), so its pid is ours to judge.
    if (running.pid !== null && parseIdentity(running.pidIdentity) && isAlive(running.pidIdentity)) killGroup(running.pid, 'SIGKILL');
    const lost = jobs.markLost(running.id, running.owner, DIED_WHILE_CLOSED);
    if (!lost) continue;
    (lost.retrying ? result.requeued : result.failed).push(running.id);
    if (running.runId) failRun(store, running.runId);
  }
  return result;
}

function failRun(store: TrackingStore, runId: string): void {
  try {
    if (store.runs.get(runId).info.status === 'RUNNING') store.updateRun(runId, { status: 'FAILED', endTime: Date.now() });
  } catch {
    // The run was deleted meanwhile: nothing to end.
  }
}
