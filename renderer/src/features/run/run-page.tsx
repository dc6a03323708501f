import { useState } from 'react';
import { useLiveRuns, useThrottled } from '../../components/charts/live-refresh';
import { ErrorBanner, Spinner } from '../../components/feedback';
import { ArtifactsBrowser } from './artifacts-browser';
import { RunHeader } from './run-header';
import { RunMetrics } from './run-metrics';
import { RunOverview } from './run-overview';
import { useRun } from './use-run';
import './run.css';

type Tab = 'overview' | 'metrics' | 'artifacts';
const TABS: Array<{ id: Tab; label: string }> = [
  { id: 'overview', label: 'Overview' },
  { id: 'metrics', label: 'Metrics' },
  { id: 'artifacts', label: 'Artifacts' },
];

/** The tab lives in the hash's query (`#/runs/<id>?tab=metrics`) so a reload or a shared link keeps it. */
function tabFromHash(): Tab {
  const tab = new URLSearchParams(window.location.hash.split('?')[1] ?? '').get('tab');
  return TABS.some((t) => t.id === tab) ? (tab as Tab) : 'overview';
}

function RunNotFound({ runId }: { runId: string }) {
  return (
    <main className="page">
      <div className="not-found" data-testid="run-not-found">
        <p className="not-found-code">404</p>
        <h1>Run not found</h1>
        <p className="muted">
          No run with id <code>{runId}</code> exists on this server. It may have been deleted permanently, or the link is incomplete.
        </p>
        <a className="btn btn-primary" href="#/">
          Back to experiments
        </a>
      </div>
    </main>
  );
}

export function RunPage({ runId }: { runId: string }) {
  const state = useRun(runId);
  const [tab, setTabState] = useState<Tab>(tabFromHash);
  const [focusKey, setFocusKey] = useState<string | null>(null);
  const [refreshTokens, setRefreshTokens] = useState<Record<string, number>>({});
  const refreshRun = useThrottled(state.refresh, 1000);

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
  });

  const setTab = (next: Tab) => {
    setTabState(next);
    window.history.replaceState(null, '', `#/runs/${encodeURIComponent(runId)}${next === 'overview' ? '' : `?tab=${next}`}`);
  };

  if (state.notFound) return <RunNotFound runId={runId} />;
  if (!state.run) {
    return (
      <main className="page">
        {state.error ? <ErrorBanner message={`Could not load run ${runId}: ${state.error}`} onRetry={state.refresh} /> : <Spinner label="Loading run…" />}
      </main>
    );
  }
  const run = state.run;
  return (
    <main className="page run-page" data-testid="run-page">
      <RunHeader run={run} experimentName={state.experimentName} />
      {state.error && <ErrorBanner message={`Could not refresh the run: ${state.error}`} onRetry={state.refresh} />}
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
          <RunOverview
            run={run}
            onSaved={state.refresh}
            onOpenCharts={(key) => {
              setFocusKey(key);
              setTab('metrics');
            }}
          />
        )}
        {tab === 'metrics' && <RunMetrics run={run} refreshTokens={refreshTokens} focusKey={focusKey} />}
        {tab === 'artifacts' && <ArtifactsBrowser runId={run.runId} />}
      </div>
    </main>
  );
}
