import type { JobStatus } from '../../../../shared/automation';

const LABEL: Record<JobStatus, string> = { queued: 'Queued', running: 'Running', succeeded: 'Succeeded', failed: 'Failed', cancelled: 'Cancelled' };

/** Status as colour AND text (and a shape), so it reads without colour too. */
export function JobStatusBadge({ status }: { status: JobStatus }) {
  return (
    <span className={`job-status job-status-${status}`} data-testid="job-status" data-status={status}>
      <span className="job-status-dot" aria-hidden="true" />
      {LABEL[status]}
    </span>
  );
}

export const STATUS_LABEL = LABEL;

/** Why it ended as it did, in one line: the reason, else the exit code. */
export function outcomeText(job: { status: JobStatus; exitCode: number | null; reason: string | null }): string {
  if (job.reason) return job.exitCode !== null && !job.reason.includes(String(job.exitCode)) ? `${job.reason} (exit ${job.exitCode})` : job.reason;
  if (job.exitCode !== null) return `exit ${job.exitCode}`;
  return '';
}

/** "local:host:1234:…" → "local · host"; the full id stays in the title. */
export function workerLabel(workerId: string | null): string {
  if (!workerId) return '—';
  const [executor, host] = workerId.split(':');
  return host ? `${executor} · ${host}` : workerId;
}
