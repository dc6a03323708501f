import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { Job } from '../../../../shared/automation';
import { navigate, routeHref } from '../../app/router';
import { ErrorBanner, Spinner } from '../../components/feedback';
import { formatDuration, formatTime } from '../../components/format';
import { call } from '../../api/app-client';
import { FormDialog } from '../models/form-dialog';
import { JobStatusBadge, outcomeText } from './job-status';
import { useJob } from './use-jobs';

/** The log tail, following new output while the reader is at the bottom (scrolling up stops following). */
function LogTail({ text, live }: { text: string; live: boolean }) {
  const ref = useRef<HTMLPreElement>(null);
  const [follow, setFollow] = useState(true);
  useLayoutEffect(() => {
    const element = ref.current;
    if (element && follow) element.scrollTop = element.scrollHeight;
  }, [text, follow]);
  return (
    <div className="job-log">
      <div className="job-log-head">
        <span>Log tail</span>
        {live && <span className={`job-log-follow${follow ? ' on' : ''}`}>{follow ? 'Following' : 'Paused: scroll to the end to follow'}</span>}
      </div>
      <pre
        ref={ref}
        className="job-log-text"
        data-testid="job-log"
        tabIndex={0}
        onScroll={(event) => {
          const element = event.currentTarget;
          setFollow(element.scrollHeight - element.scrollTop - element.clientHeight < 8);
        }}
      >
        {text || (live ? 'No output yet.' : 'No output.')}
      </pre>
    </div>
  );
}

function CancelDialog({ job, onClose }: { job: Job; onClose: () => void }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await call('jobs.cancel', { id: job.id, reason: reason.trim() || undefined });
      onClose();
    } catch (failure) {
      setError((failure as Error).message);
      setBusy(false);
    }
  };
  return (
    <FormDialog title={`Cancel “${job.name}”?`} testId="job-cancel-dialog" confirmLabel="Cancel job" confirmClass="btn-danger" busy={busy} error={error} onConfirm={() => void confirm()} onCancel={onClose}>
      <p className="muted">
        {job.status === 'running' ? 'Its process and every process it started are stopped (SIGTERM, then SIGKILL after a grace).' : 'It is taken off the queue and will not start.'} Its run, if any, ends as killed.
      </p>
      <label className="job-cancel-field">
        <span>Reason (shown with the job)</span>
        <input value={reason} maxLength={500} placeholder="cancelled from the app" onChange={(event) => setReason(event.target.value)} />
      </label>
    </FormDialog>
  );
}

function Facts({ job, runName, now }: { job: Job; runName: string | null; now: number }) {
  const rows: Array<[string, React.ReactNode]> = [
    ['Kind', job.kind],
    ['Executor', job.executor],
    ['Run', job.runId ? <a href={routeHref({ view: 'run', runId: job.runId })}>{runName ?? job.runId}</a> : '—'],
    ['Parent', job.parentId ? <a href={routeHref({ view: 'jobs', jobId: job.parentId })}>{job.parentId.slice(0, 8)}</a> : '—'],
    ['Attempts', `${job.attempts} of ${job.maxAttempts}`],
    ['Worker', <span className="mono job-worker">{job.workerId ?? '—'}</span>],
    ['PID', job.pid ?? '—'],
    ['Created', formatTime(job.createdAt)],
    ['Started', formatTime(job.startedAt)],
    ['Ended', formatTime(job.endedAt)],
    ['Duration', formatDuration(job.startedAt, job.endedAt ?? (job.status === 'running' ? null : job.startedAt), now)],
    ['Exit / reason', <span data-testid="job-reason">{outcomeText(job) || '—'}</span>],
  ];
  if (job.status === 'queued' && job.notBefore && job.notBefore > now) rows.push(['Retry after', formatTime(job.notBefore)]);
  return (
    <dl className="job-facts">
      {rows.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A job's details and live log tail, beside the table; Escape or × closes it. */
export function JobDrawer({ jobId }: { jobId: string }) {
  const { job, runName, error } = useJob(jobId);
  const [confirming, setConfirming] = useState(false);
  const [now, setNow] = useState(() => Date.now());
  const running = job?.status === 'running';
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running]);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && !confirming && navigate({ view: 'jobs', jobId: null });
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [confirming]);
  const live = job !== null && (job.status === 'queued' || job.status === 'running');
  return (
    <aside className="job-drawer card" aria-label="Job details" data-testid="job-drawer">
      <div className="job-drawer-head">
        <div className="job-drawer-title">
          {job && <JobStatusBadge status={job.status} />}
          <h2 title={job?.name}>{job?.name ?? 'Job'}</h2>
        </div>
        <div className="job-drawer-actions">
          {live && (
            <button data-writes type="button" className="btn btn-small btn-danger" onClick={() => setConfirming(true)}>
              Cancel job
            </button>
          )}
          <a className="btn btn-small btn-ghost" href={routeHref({ view: 'jobs', jobId: null })} aria-label="Close details">
            ×
          </a>
        </div>
      </div>
      <p className="mono muted job-id">{jobId}</p>
      {error && <ErrorBanner message={error} />}
      {!job && !error && <Spinner label="Loading job…" />}
      {job && (
        <>
          <Facts job={job} runName={runName} now={now} />
          <LogTail text={job.logTail} live={live} />
        </>
      )}
      {confirming && job && <CancelDialog job={job} onClose={() => setConfirming(false)} />}
    </aside>
  );
}
