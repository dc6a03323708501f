import type { TrainingJob } from '../../../../shared/app-api/training';
import { useNow } from './use-run';
import { formatSpan, progressFraction } from './use-training-progress';

/** Live progress of the job training this run: bar, epoch x / y, elapsed and ETA ticking between events. */
export function TrainingProgress({ job, receivedAt, reproduction }: { job: TrainingJob; receivedAt: number; reproduction: boolean }) {
  const now = useNow(true);
  const { phase, epoch, epochs, elapsedMs, etaMs } = job.progress;
  const percent = Math.round(progressFraction(job) * 100);
  const moving = phase === 'batch' || phase === 'epoch';
  const since = moving ? Math.max(0, now - receivedAt) : 0;
  const eta = etaMs === null ? null : Math.max(0, etaMs - since);
  return (
    <section className="card training-progress" data-testid="training-progress" data-phase={phase} aria-label="Training progress">
      <div className="training-progress-head">
        <span className="training-progress-title">
          <span className="live-dot" aria-hidden="true" />
          {reproduction ? 'Reproducing' : 'Training'}
          <span className="muted"> on {job.dataset}</span>
        </span>
        <span className="training-progress-figures">
          <span data-testid="training-epochs">{phase === 'starting' ? 'Preparing data…' : `Epoch ${epoch} / ${epochs}`}</span>
          <span>
            <span className="muted">Elapsed</span> {formatSpan(elapsedMs + since)}
          </span>
          <span data-testid="training-eta">
            <span className="muted">ETA</span> {eta === null ? '—' : formatSpan(eta)}
          </span>
          <strong>{percent}%</strong>
        </span>
      </div>
      <div
        className="progress-track"
        role="progressbar"
        aria-label={`Epoch ${epoch} of ${epochs}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={`Epoch ${epoch} of ${epochs}, ${percent}%`}
      >
        <span className="progress-fill" style={{ width: `${percent}%` }} />
      </div>
    </section>
  );
}
