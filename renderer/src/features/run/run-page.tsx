import { useEffect, useState } from 'react';
import { useDocumentTitle } from '../../app/document-title';
import { navigate } from '../../app/router';
import { useLiveRuns, useThrottled } from '../../components/charts/live-refresh';
import { ErrorBanner, NotFoundPage, Spinner } from '../../components/feedback';
import { RunEvaluation } from '../evaluation/run-evaluation';
import { RegisterModelDialog } from '../models/register-model-dialog';
import { ReviewComments } from '../reviews/review-comments';
import { ArtifactsBrowser } from './artifacts-browser';
import { LineageTab, VerdictFor } from './lineage-tab';
import { ReproduceDialog } from './reproduce-dialog';
import { RunForwardSummary } from './run-forward';
import { RunHeader } from './run-header';
import { RunMetrics } from './run-metrics';
import { RunOverview } from './run-overview';
import { TrainingProgress } from './training-progress';
import { useRun } from './use-run';
import { useRunLineage } from './use-run-lineage';
import { useTrainingProgress } from './use-training-progress';
import './run.css';
import './lineage.css';

type Tab = 'overview' | 'metrics' | 'evaluation' | 'artifacts' | 'lineage';
const TABS: Array<{ id: Tab; label: string }> = [
  { id: 'overview', label: 'Overview' },
  { id: 'metrics', label: 'Metrics' },
  { id: 'evaluation', label: 'Evaluation' },
  { id: 'artifacts', label: 'Artifacts' },
  { id: 'lineage', label: 'Lineage' },
];
/** A reproduction needs an original that has ended; a FAILED one is still worth retrying. */
const REPRODUCIBLE = new Set(['FINISHED', 'FAILED']);
const ENDED_PHASES = new Set(['finished', 'failed', 'killed']);
/** Set by MLDesk training once the model files are written: the run has a model to register. */
const MODEL_URI_TAG = 'mldesk.model_uri';

/** The tab lives in the hash's query (`#/runs/<id>?tab=metrics`) so a reload or a shared link keeps it. */
function tabFromHash(): Tab {
  const tab = new URLSearchParams(window.location.hash.split('?')[1] ?? '').get('tab');
  return TABS.some((t) => t.id === tab) ? (tab as Tab) : 'overview';
}

/** Another run is another page: nothing (tab state, dialogs, live tokens) carries over. */
export function RunPage({ runId }: { runId: string }) {
  return <RunPageContent key={runId} runId={runId} />;
}

function RunPageContent({ runId }: { runId: string }) {
  const state = useRun(runId);
  const lineage = useRunLineage(runId, state.run);
  const training = useTrainingProgress(runId, state.run?.status === 'RUNNING');
  const [tab, setTabState] = useState<Tab>(tabFromHash);
  const [focusKey, setFocusKey] = useState<string | null>(null);
  const [refreshTokens, setRefreshTokens] = useState<Record<string, number>>({});
  const [reproducing, setReproducing] = useState(false);
  const [registering, setRegistering] = useState(false);
  const refreshRun = useThrottled(state.refresh, 1000);
  const refreshLineage = useThrottled(lineage.refresh, 1000);
  useDocumentTitle(state.run ? state.run.runName || state.run.runId : state.notFound ? 'Run not found' : undefined, 'Runs');

  // Links inside the page (a model node → this run's artifacts) change only the hash's tab.
  useEffect(() => {
    const onHash = () => setTabState(tabFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  useLiveRuns([runId], (batch) => {
    const keys = batch.metrics.get(runId);
    if (keys) {
      setRefreshTokens((previous) => {
        const next = { ...previous };
        for (const key of keys) next[key] = (next[key] ?? 0) + 1;
        return next;
      });
    }
    if (keys || batch.changed.has(runId)) refreshRun();
    if (batch.changed.has(runId)) refreshLineage();
  });

  const setTab = (next: Tab) => {
    setTabState(next);
    window.history.replaceState(null, '', `#/runs/${encodeURIComponent(runId)}${next === 'overview' ? '' : `?tab=${next}`}`);
  };

  if (state.notFound)
    return (
      <NotFoundPage testId="run-not-found" title="Run not found" backHref="#/" backLabel="Back to experiments">
        No run with id <code>{runId}</code> exists on this server. It may have been deleted permanently, or the link is incomplete.
      </NotFoundPage>
    );
  if (!state.run) {
    return (
      <main className="page">
        {state.error ? <ErrorBanner message={`Could not load run ${runId}: ${state.error}`} onRetry={state.refresh} /> : <Spinner label="Loading run…" />}
      </main>
    );
  }
  const run = state.run;
  const canReproduce = !!lineage.answer?.lineage && REPRODUCIBLE.has(run.status);
  const canRegister = run.status === 'FINISHED' && run.tags[MODEL_URI_TAG] !== undefined;
  const job = training.job;
  const showProgress = run.status === 'RUNNING' && job !== null && !ENDED_PHASES.has(job.progress.phase);
  return (
    <main className="page run-page" data-testid="run-page">
      <RunHeader
        run={run}
        experimentName={state.experimentName}
        actions={
          <>
            {canRegister && (
              <button data-writes type="button" className="btn" onClick={() => setRegistering(true)} title="Add this run's model to the model registry as a new version">
                Register model
              </button>
            )}
            {canReproduce && (
              <button data-writes type="button" className="btn" onClick={() => setReproducing(true)} title="Retrain from the recorded lineage and compare the metrics">
                <span aria-hidden="true">↻</span> Reproduce
              </button>
            )}
          </>
        }
      />
      <RunForwardSummary forward={lineage.answer?.forward} />
      <ReviewComments runId={run.runId} />
      {state.error && <ErrorBanner message={`Could not refresh the run: ${state.error}`} onRetry={state.refresh} />}
      {showProgress && <TrainingProgress job={job} receivedAt={training.receivedAt} reproduction={lineage.reproductionOf !== null} />}
      <div className="tabs" role="tablist" aria-label="Run sections">
        {TABS.map((t) => (
          <button key={t.id} role="tab" aria-selected={tab === t.id} className={tab === t.id ? 'active' : ''} onClick={() => setTab(t.id)}>
            {t.label}
            {t.id === 'metrics' && <span className="count">{run.latestMetrics.length}</span>}
          </button>
        ))}
      </div>
      <div role="tabpanel" className="tab-panel">
        {tab === 'overview' && (
          <div className="tab-stack">
            <VerdictFor run={run} state={lineage} />
            <RunOverview
              run={run}
              onSaved={state.refresh}
              onOpenCharts={(key) => {
                setFocusKey(key);
                setTab('metrics');
              }}
            />
          </div>
        )}
        {tab === 'metrics' && <RunMetrics run={run} refreshTokens={refreshTokens} focusKey={focusKey} />}
        {tab === 'evaluation' && <RunEvaluation runId={run.runId} runName={run.runName} />}
        {tab === 'artifacts' && <ArtifactsBrowser runId={run.runId} />}
        {tab === 'lineage' && <LineageTab run={run} state={lineage} trainingHere={job !== null} />}
      </div>
      {registering && <RegisterModelDialog runId={run.runId} runName={run.runName || run.runId} suggestedName={state.experimentName ?? ''} onClose={() => setRegistering(false)} />}
      {reproducing && (
        <ReproduceDialog
          runId={run.runId}
          runName={run.runName || run.runId}
          onClose={() => setReproducing(false)}
          onStarted={(newRunId) => {
            navigate({ view: 'run', runId: newRunId });
          }}
        />
      )}
    </main>
  );
}
