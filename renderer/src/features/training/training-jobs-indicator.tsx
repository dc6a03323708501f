import { useEffect, useRef, useState } from 'react';
import type { TrainingJob } from '../../../../shared/app-api/training';
import { routeHref } from '../../app/router';
import { formatSpan, isActive, jobFraction, jobStatus, liveTimes } from './job-progress';
import { sortedJobs, useTrainingJobs, useTrainingJobsFeed } from './training-jobs-store';
import { useNow } from './use-now';
import './training-indicator.css';

/** Ended jobs stay listed this long, as the server keeps them. */
const RECENT_MS = 10 * 60_000;

function JobRow({ job, receivedAt, now }: { job: TrainingJob; receivedAt: number; now: number }) {
  const percent = Math.round(jobFraction(job) * 100);
  const status = jobStatus(job.progress.phase);
  const times = liveTimes(job, receivedAt, now);
  return (
    <li className="tj-row" data-testid="training-job" data-phase={job.progress.phase}>
      <div className="tj-row-head">
        <a href={routeHref({ view: 'run', runId: job.runId })} className="tj-name">
          {job.runName}
        </a>
        <span className={`status status-${status.toLowerCase()}`}>{status}</span>
      </div>
      <div className="tj-bar" aria-hidden="true">
        <span className={`tj-fill phase-${job.progress.phase}`} style={{ width: `${percent}%` }} />
      </div>
      <div className="tj-meta muted">
        <span>{job.dataset}</span>
        <span>
          epoch {job.progress.epoch}/{job.progress.epochs}
        </span>
        <span>{isActive(job) ? (times.etaMs === null ? formatSpan(times.elapsedMs) : `${formatSpan(times.etaMs)} left`) : formatSpan(times.elapsedMs)}</span>
      </div>
    </li>
  );
}

/**
 * Top-bar summary of the app's training jobs: a live count and progress while something trains,
 * and a popover listing recent jobs (the server keeps ended ones for a few minutes).
 */
export function TrainingJobsIndicator() {
  useTrainingJobsFeed();
  const allJobs = sortedJobs(useTrainingJobs((s) => s.jobs));
  const receivedAt = useTrainingJobs((s) => s.receivedAt);
  const [open, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const active = allJobs.filter(isActive);
  // Every second while something trains (or the list is open); otherwise only to let ended jobs age out.
  const now = useNow(true, active.length > 0 || open ? 1000 : 30_000);
  const jobs = allJobs.filter((job) => isActive(job) || now - (receivedAt[job.runId] ?? now) < RECENT_MS);

  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => !rootRef.current?.contains(event.target as Node) && setOpen(false);
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && setOpen(false);
    window.addEventListener('pointerdown', onPointer);
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('pointerdown', onPointer);
      window.removeEventListener('keydown', onKey);
    };
  }, [open]);

  if (jobs.length === 0) return null;
  const overall = active.length > 0 ? Math.round((active.reduce((sum, job) => sum + jobFraction(job), 0) / active.length) * 100) : 100;
  return (
    <div className="tj" ref={rootRef}>
      <button
        type="button"
        className={`tj-button${active.length > 0 ? ' busy' : ''}`}
        aria-expanded={open}
        aria-haspopup="dialog"
        data-testid="training-indicator"
        data-active={active.length}
        onClick={() => setOpen((o) => !o)}
        title={active.length > 0 ? `${active.length} training job${active.length === 1 ? '' : 's'} running` : 'Recent training jobs'}
      >
        {active.length > 0 ? (
          <>
            <span className="tj-ring" style={{ ['--p' as string]: `${overall}%` }} aria-hidden="true" />
            <span>
              {active.length} training · {overall}%
            </span>
          </>
        ) : (
          <span>Jobs ({jobs.length})</span>
        )}
      </button>
      {open && (
        <div className="tj-popover" role="dialog" aria-label="Training jobs" onClick={(event) => (event.target as HTMLElement).closest('a') && setOpen(false)}>
          <div className="tj-popover-head">
            <strong>Training jobs</strong>
            <a href={routeHref({ view: 'new-run', dataset: null })}>
              New run
            </a>
          </div>
          <ul className="tj-list">
            {jobs.slice(0, 8).map((job) => (
              <JobRow key={job.runId} job={job} receivedAt={receivedAt[job.runId] ?? now} now={now} />
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
