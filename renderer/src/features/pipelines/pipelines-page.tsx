import { useCallback, useEffect, useState } from 'react';
import type { PipelineRun, PipelineStep } from '../../../../shared/app-api/pipelines';
import { call } from '../../api/app-client';
import { EmptyState, ErrorBanner, Spinner } from '../../components/feedback';
import { formatTime } from '../../components/format';
import { ChampionChallenger, GateTable, LiveComparison } from './pipeline-comparison';
import { PoliciesCard } from './policies-card';
import { useDocumentTitle } from '../../app/document-title';
import { routeHref } from '../../app/router';
import './pipelines.css';

const STATE_LABEL: Record<PipelineRun['state'], string> = {
  running: 'running',
  promoted: 'promoted',
  kept_champion: 'kept champion',
  waiting_review: 'waiting for review',
  failed: 'failed',
  cancelled: 'cancelled',
};
const STATE_CLASS: Record<PipelineRun['state'], string> = {
  running: 'status-running',
  promoted: 'status-finished',
  kept_champion: 'status-scheduled',
  waiting_review: 'status-killed',
  failed: 'status-failed',
  cancelled: 'status-killed',
};
const STEP_CLASS: Record<PipelineStep['status'], string> = {
  queued: 'status-scheduled',
  running: 'status-running',
  succeeded: 'status-finished',
  failed: 'status-failed',
  cancelled: 'status-killed',
  skipped: 'status-scheduled',
};

function duration(start: number | null, end: number | null): string {
  if (start === null) return '';
  const ms = (end ?? Date.now()) - start;
  return ms < 1000 ? `${ms} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function StepChain({ run, selected, onSelect }: { run: PipelineRun; selected: string; onSelect: (step: string) => void }) {
  return (
    <ol className="pipeline-chain" data-testid="pipeline-chain">
      {run.steps.map((step) => (
        <li key={step.step}>
          <button type="button" className={`pipeline-step${selected === step.step ? ' selected' : ''}`} data-testid={`pipeline-step-${step.step}`} onClick={() => onSelect(step.step)} aria-pressed={selected === step.step}>
            <span className="pipeline-step-name">{step.step}</span>
            <span className={`status ${STEP_CLASS[step.status]}`}>{step.status}</span>
            <span className="muted pipeline-step-time">{duration(step.startTime, step.endTime) || '—'}</span>
          </button>
        </li>
      ))}
    </ol>
  );
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** The train step's project run: which project and entry point, the command as filled, and links to its job and run. */
function TrainProject({ step }: { step: PipelineStep }) {
  const command = text(step.detail.command);
  if (step.step !== 'train' || !command) return null;
  const runId = text(step.detail.runId);
  return (
    <div className="pipeline-train-project" data-testid="pipeline-train-project">
      <div>
        Project <code>{text(step.detail.project)}</code> · entry point <code>{text(step.detail.entry)}</code>
        {step.jobId && (
          <>
            {' · '}
            <a href={routeHref({ view: 'jobs', jobId: step.jobId })}>job {step.jobId.slice(0, 8)}</a>
          </>
        )}
        {runId && (
          <>
            {' · '}
            <a href={routeHref({ view: 'run', runId })}>run {runId.slice(0, 8)}</a>
          </>
        )}
      </div>
      <code className="pipeline-command" title={command}>
        $ {command}
      </code>
    </div>
  );
}

function StepLog({ step }: { step: PipelineStep }) {
  const error = typeof step.detail.error === 'string' ? step.detail.error : null;
  return (
    <div className="pipeline-step-detail" data-testid="pipeline-step-log">
      <div className="muted">
        {step.step} · {step.status}
        {step.jobId ? ` · job ${step.jobId.slice(0, 8)}` : ''}
        {step.startTime ? ` · started ${formatTime(step.startTime)}` : ''}
      </div>
      <TrainProject step={step} />
      {error && <p className="pipeline-error">{error}</p>}
      <pre className="pipeline-log">{step.log || 'No output.'}</pre>
    </div>
  );
}

function RunDetail({ run }: { run: PipelineRun }) {
  const [step, setStep] = useState('evaluate');
  const shown = run.steps.find((s) => s.step === step) ?? run.steps[0]!;
  const metric = (run.steps.find((s) => s.step === 'gate')?.detail.gates as { op: string; metric: string }[] | undefined)?.find((g) => g.op === 'beats')?.metric;
  return (
    <div className="pipeline-detail" data-testid="pipeline-detail">
      <div className="card">
        <div className="card-header">
          <span>
            {run.model} · pipeline <code>{run.id.slice(0, 8)}</code>
          </span>
          <span className={`status ${STATE_CLASS[run.state]}`} data-testid="pipeline-state">
            {STATE_LABEL[run.state]}
          </span>
        </div>
        <div className="card-body">
          <p className="muted">
            Trigger: {run.trigger.type} — {run.trigger.detail}. Champion v{run.championVersion ?? '–'}, challenger v{run.challengerVersion ?? '–'}.
          </p>
          <StepChain run={run} selected={shown.step} onSelect={setStep} />
          {run.decision && (
            <p className={`pipeline-decision pipeline-decision-${run.state}`} data-testid="pipeline-decision">
              {run.decision}
            </p>
          )}
        </div>
      </div>
      <div className="card">
        <div className="card-header">Champion vs challenger</div>
        <div className="card-body">
          <ChampionChallenger run={run} metric={metric} />
          <LiveComparison run={run} />
        </div>
      </div>
      <div className="card">
        <div className="card-header">Gates</div>
        <GateTable run={run} />
      </div>
      <div className="card">
        <div className="card-header">Step log</div>
        <div className="card-body">
          <StepLog step={shown} />
        </div>
      </div>
    </div>
  );
}

/** Continuous-training pipeline runs: each a chain trigger → data → train → evaluate → gate → promote. */
export function PipelinesPage() {
  useDocumentTitle('Pipelines');
  const [runs, setRuns] = useState<PipelineRun[] | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);

  const load = useCallback(async () => {
    try {
      const { pipelines } = await call('pipelines.list', { limit: 100 });
      setRuns(pipelines);
      setError(null);
    } catch (failure) {
      setError((failure as Error).message);
    }
  }, []);
  useEffect(() => {
    void load();
    // Steps run for minutes; a run in progress is followed by polling.
    const timer = window.setInterval(() => void load(), 2000);
    return () => window.clearInterval(timer);
  }, [load]);

  const start = async (name: string) => {
    setStarting(true);
    try {
      const { pipeline } = await call('pipelines.run', { model: name });
      setSelected(pipeline.id);
      setError(null);
      await load();
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setStarting(false);
    }
  };

  const current = runs?.find((r) => r.id === selected) ?? runs?.[0] ?? null;
  return (
    <main className="page pipelines-page" data-testid="pipelines-page">
      <div className="page-head">
        <div>
          <h1>Pipelines</h1>
          <p className="muted">Continuous training: each run retrains a model under its policy, compares it with the champion on held-out data and promotes it only if every gate passes.</p>
        </div>
      </div>
      {error && <ErrorBanner message={error} onRetry={() => void load()} />}
      <PoliciesCard running={starting} onRun={(name) => void start(name)} />
      {runs === null && !error && <Spinner />}
      {runs?.length === 0 && (
        <EmptyState title="No pipeline runs yet">
          Give a model a policy above (or with <code>mldesk ct policy set MODEL --file policy.yaml</code>); its triggers start runs, or run one now.
        </EmptyState>
      )}
      {runs && runs.length > 0 && current && (
        <div className="pipelines-layout">
          <div className="card pipelines-list">
            <div className="card-header">Runs</div>
            <ul data-testid="pipeline-runs">
              {runs.map((run) => (
                <li key={run.id}>
                  <button type="button" className={`pipeline-run-item${run.id === current.id ? ' selected' : ''}`} onClick={() => setSelected(run.id)}>
                    <span className="pipeline-run-model">{run.model}</span>
                    <span className={`status ${STATE_CLASS[run.state]}`}>{STATE_LABEL[run.state]}</span>
                    <span className="muted pipeline-run-meta">
                      {run.trigger.type} · {formatTime(run.createdTime)}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          </div>
          <RunDetail key={current.id} run={current} />
        </div>
      )}
    </main>
  );
}
