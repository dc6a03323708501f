import { useState, type ReactNode } from 'react';
import type { RunDetail } from '../../../../shared/app-api/entities';
import { routeHref } from '../../app/router';
import { formatDuration, formatTime } from '../../components/format';
import { useNow } from './use-run';

export function StatusBadge({ status }: { status: RunDetail['status'] }) {
  return <span className={`status status-${status.toLowerCase()}`}>{status}</span>;
}

function CopyId({ id }: { id: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="run-id mono"
      title="Copy run id"
      onClick={() => {
        void navigator.clipboard?.writeText(id).then(() => {
          setCopied(true);
          window.setTimeout(() => setCopied(false), 1200);
        });
      }}
    >
      {id}
      <span className="run-id-hint">{copied ? 'Copied' : 'Copy'}</span>
    </button>
  );
}

export function RunHeader({ run, experimentName, actions }: { run: RunDetail; experimentName: string | null; actions?: ReactNode }) {
  const running = run.status === 'RUNNING';
  const now = useNow(running);
  const experimentHref = routeHref({ view: 'experiments', experimentId: run.experimentId });
  return (
    <header className="run-header">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <a href="#/">Experiments</a>
        <span aria-hidden="true">/</span>
        <a href={experimentHref}>{experimentName ?? `Experiment ${run.experimentId}`}</a>
      </nav>
      <div className="run-title-row">
        <h1 className="run-title">{run.runName || run.runId}</h1>
        <StatusBadge status={run.status} />
        {run.lifecycleStage === 'deleted' && <span className="status status-deleted">DELETED</span>}
        <CopyId id={run.runId} />
        {actions && <div className="run-actions">{actions}</div>}
      </div>
      <dl className="run-meta">
        <div>
          <dt>Experiment</dt>
          <dd>
            <a href={experimentHref}>{experimentName ?? run.experimentId}</a>
          </dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{formatTime(run.startTime)}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd data-testid="run-duration" className={running ? 'ticking' : ''}>
            {formatDuration(run.startTime, running ? null : run.endTime, now)}
            {running && <span className="live-dot" title="Running" />}
          </dd>
        </div>
        <div>
          <dt>User</dt>
          <dd>{run.userId || '—'}</dd>
        </div>
      </dl>
    </header>
  );
}
