import { useMemo, useState } from 'react';
import type { TrainingJob } from '../../../../shared/app-api/training';
import { routeHref } from '../../app/router';
import { useLiveRuns } from '../../components/charts/live-refresh';
import { MetricChart } from '../../components/charts/metric-chart';
import { runColor } from '../../components/charts/run-colors';
import { Spinner } from '../../components/feedback';
import { formatMetric } from '../../components/format';
import { useNow } from './use-now';
import { formatSpan, isActive, jobFraction, jobStatus, liveTimes, orderedMetrics, qualityMetric } from './job-progress';
import { cancelTrainingJob, useTrainingJobs } from './training-jobs-store';

export function JobProgressBar({ job, compact = false }: { job: TrainingJob; compact?: boolean }) {
  const percent = Math.round(jobFraction(job) * 100);
  const { phase, epoch, epochs } = job.progress;
  return (
    <div
      className={`job-progress phase-${phase}${compact ? ' compact' : ''}`}
      role="progressbar"
      aria-label={`Training progress of ${job.runName}`}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      aria-valuetext={`Epoch ${epoch} of ${epochs}`}
      data-testid="job-progress"
      data-phase={phase}
      data-percent={percent}
    >
      <span className="job-progress-fill" style={{ width: `${percent}%` }} />
    </div>
  );
}

function ProgressLine({ job, now, receivedAt }: { job: TrainingJob; now: number; receivedAt: number }) {
  const { phase, epoch, epochs } = job.progress;
  const times = liveTimes(job, receivedAt, now);
  const stoppedEarly = phase === 'finished' && epoch < epochs;
  return (
    <div className="job-figures">
      <span data-testid="job-epochs">
        {phase === 'starting' ? 'Preparing data…' : stoppedEarly ? `Stopped early at epoch ${epoch} / ${epochs}` : `Epoch ${epoch} / ${epochs}`}
      </span>
      <span>
        <span className="muted">Elapsed</span> {formatSpan(times.elapsedMs)}
      </span>
      {isActive(job) && (
        <span>
          <span className="muted">ETA</span> {times.etaMs === null ? '—' : formatSpan(times.etaMs)}
        </span>
      )}
      <span className="job-percent">{Math.round(jobFraction(job) * 100)}%</span>
    </div>
  );
}

function MetricTiles({ metrics }: { metrics: Record<string, number> }) {
  const entries = orderedMetrics(metrics).slice(0, 5);
  if (entries.length === 0) return null;
  return (
    <dl className="job-metrics" data-testid="job-metrics">
      {entries.map(([key, value]) => (
        <div key={key} data-key={key}>
          <dt>{key}</dt>
          <dd>{formatMetric(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Live curves of the job's run, refetched as its epochs are logged (throttled by the chart). */
function LiveCharts({ job }: { job: TrainingJob }) {
  const [tokens, setTokens] = useState<Record<string, number>>({});
  useLiveRuns([job.runId], (batch) => {
    const keys = batch.metrics.get(job.runId);
    if (!keys) return;
    setTokens((previous) => {
      const next = { ...previous };
      for (const key of keys) next[key] = (next[key] ?? 0) + 1;
      return next;
    });
  });
  const runs = useMemo(() => [{ runId: job.runId, name: job.runName, color: runColor(0) }], [job.runId, job.runName]);
  const quality = qualityMetric(job.progress.metrics);
  const keys = ['loss', ...('val_loss' in job.progress.metrics ? ['val_loss'] : []), ...(quality ? [quality] : [])].slice(0, 3);
  // After early stopping, training logs the restored epoch's figures one step past the last epoch
  // (see the run page's curveEnd): not drawn, else the curve would jump at its end.
  const { stopped_epoch: stopped, restored_epoch: restored } = job.progress.metrics;
  const endX = useMemo(() => (stopped !== undefined ? { step: stopped + 1 } : undefined), [stopped]);
  const markers = useMemo(() => (restored !== undefined ? [{ axis: 'step' as const, x: restored, label: `restored epoch ${restored}` }] : undefined), [restored]);
  if (job.progress.phase === 'starting' || Object.keys(job.progress.metrics).length === 0) return null;
  return (
    <div className="job-charts">
      {keys.map((key) => (
        <MetricChart key={key} metricKey={key} runs={runs} xAxis="step" smoothing={0} logScale={false} endX={endX} markers={markers} refreshToken={tokens[key] ?? 0} height={130} />
      ))}
    </div>
  );
}

function JobActions({ job }: { job: TrainingJob }) {
  const [cancelling, setCancelling] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const runHref = routeHref({ view: 'run', runId: job.runId });
  if (isActive(job)) {
    const cancel = async () => {
      setCancelling(true);
      setError(null);
      try {
        await cancelTrainingJob(job.runId);
      } catch (caught) {
        setError((caught as Error).message);
        setCancelling(false);
      }
    };
    return (
      <div className="job-actions">
        {error && <span className="field-error">{error}</span>}
        <a className="btn" href={runHref}>
          Watch run
        </a>
        <button type="button" className="btn btn-danger-outline" disabled={cancelling} onClick={() => void cancel()}>
          {cancelling ? 'Cancelling…' : 'Cancel training'}
        </button>
      </div>
    );
  }
  return (
    <div className="job-actions">
      <a className="btn" href={routeHref({ view: 'experiments', experimentId: job.experimentId })}>
        Experiment runs
      </a>
      <a className="btn btn-primary" href={runHref} data-testid="open-run">
        Open run
      </a>
    </div>
  );
}

/** The job a New run form started: progress, time, latest metrics, live curves, cancel and links. */
export function JobPanel({ runId }: { runId: string }) {
  const job = useTrainingJobs((s) => s.jobs[runId]);
  const receivedAt = useTrainingJobs((s) => s.receivedAt[runId] ?? Date.now());
  const now = useNow(!!job && isActive(job));
  if (!job) {
    return (
      <section className="card job-panel" data-testid="job-panel" data-phase="pending">
        <Spinner label="Starting training…" />
      </section>
    );
  }
  const status = jobStatus(job.progress.phase);
  return (
    <section className={`card job-panel phase-${job.progress.phase}`} data-testid="job-panel" data-phase={job.progress.phase} data-run-id={job.runId} aria-label="Training job">
      <header className="job-head">
        <div className="job-title">
          <span className="job-kicker">{isActive(job) ? 'Training' : 'Training job'}</span>
          <a href={routeHref({ view: 'run', runId: job.runId })} className="job-run-name">
            {job.runName}
          </a>
          <span className="muted job-dataset">on {job.dataset}</span>
        </div>
        <span className={`status status-${status.toLowerCase()}`} data-testid="job-status">
          {status}
        </span>
      </header>
      <JobProgressBar job={job} />
      <ProgressLine job={job} now={now} receivedAt={receivedAt} />
      {job.progress.phase === 'failed' && (
        <div className="error-banner" role="alert" data-testid="job-error">
          <span>{job.progress.error ?? 'Training failed; the run page has the details.'}</span>
        </div>
      )}
      {job.progress.phase === 'killed' && <p className="muted job-note">Cancelled. The run keeps the metrics logged so far and is marked KILLED.</p>}
      <MetricTiles metrics={job.progress.metrics} />
      <LiveCharts job={job} />
      <JobActions job={job} />
    </section>
  );
}
