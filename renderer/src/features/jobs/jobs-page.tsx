import { useState } from 'react';
import { JOB_KINDS, JOB_STATUSES, type JobKind, type JobStatus } from '../../../../shared/automation';
import { useDocumentTitle } from '../../app/document-title';
import { EmptyState, ErrorBanner, ShowMore, Spinner } from '../../components/feedback';
import { JobDrawer } from './job-drawer';
import { STATUS_LABEL } from './job-status';
import { JobsTable } from './jobs-table';
import { useJobs, type JobFilter } from './use-jobs';
import './jobs.css';

function StatusChips({ filter, counts, onChange }: { filter: JobFilter; counts: Record<JobStatus, number> | null; onChange(status: JobStatus[]): void }) {
  const toggle = (status: JobStatus) => onChange(filter.status.includes(status) ? filter.status.filter((s) => s !== status) : [...filter.status, status]);
  return (
    <div className="job-chips" role="group" aria-label="Filter by status">
      <button type="button" className={`job-chip${filter.status.length === 0 ? ' on' : ''}`} aria-pressed={filter.status.length === 0} onClick={() => onChange([])}>
        All
      </button>
      {JOB_STATUSES.map((status) => (
        <button key={status} type="button" className={`job-chip job-chip-${status}${filter.status.includes(status) ? ' on' : ''}`} aria-pressed={filter.status.includes(status)} onClick={() => toggle(status)}>
          {STATUS_LABEL[status]} <span className="count">{counts?.[status] ?? 0}</span>
        </button>
      ))}
    </div>
  );
}

/** Every job in the lineage database, live: training, trials, pipeline steps and commands, with their logs. */
export function JobsPage({ jobId }: { jobId: string | null }) {
  useDocumentTitle('Jobs');
  const [filter, setFilter] = useState<JobFilter>({ status: [], kind: '' });
  const { jobs, counts, loaded, error, canShowMore, showMore, reload } = useJobs(filter);
  const total = counts ? Object.values(counts).reduce((a, b) => a + b, 0) : 0;
  return (
    <main className={`page jobs-page${jobId ? ' with-drawer' : ''}`} data-testid="jobs-page">
      <header className="page-head">
        <div>
          <h1>Jobs</h1>
          <p className="muted">Training, sweep trials, pipeline steps and commands. Jobs survive a restart: one whose process died while MLDesk was closed is marked failed, and retried when its policy allows.</p>
        </div>
      </header>
      <div className="jobs-layout">
        <section className="card jobs-card">
          <div className="card-header jobs-toolbar">
            <StatusChips filter={filter} counts={counts} onChange={(status) => setFilter((f) => ({ ...f, status }))} />
            <label className="jobs-kind">
              <span className="visually-hidden">Kind</span>
              <select aria-label="Kind" value={filter.kind} onChange={(event) => setFilter((f) => ({ ...f, kind: event.target.value as JobKind | '' }))}>
                <option value="">All kinds</option>
                {JOB_KINDS.map((kind) => (
                  <option key={kind} value={kind}>
                    {kind}
                  </option>
                ))}
              </select>
            </label>
          </div>
          {error && <ErrorBanner message={`Could not load jobs: ${error}`} onRetry={reload} />}
          {!loaded ? (
            <Spinner label="Loading jobs…" />
          ) : jobs.length === 0 ? (
            <EmptyState title={total === 0 ? 'No jobs yet' : 'No job matches these filters'}>
              {total === 0 ? (
                <>
                  Start a training from <a href="#/new-run">New run</a>, or run a command as a job: <code>mldesk jobs run -- python train.py</code>.
                </>
              ) : null}
            </EmptyState>
          ) : (
            <JobsTable jobs={jobs} selectedId={jobId} />
          )}
          {canShowMore && <ShowMore onMore={showMore}>Show 100 more</ShowMore>}
        </section>
        {jobId && <JobDrawer key={jobId} jobId={jobId} />}
      </div>
    </main>
  );
}
