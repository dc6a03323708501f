import { useMemo, useState } from 'react';
import { useDocumentTitle } from '../../app/document-title';
import { routeHref } from '../../app/router';
import { useLiveRuns, useThrottled } from '../../components/charts/live-refresh';
import { runColor } from '../../components/charts/run-colors';
import { EmptyState, ErrorBanner, Spinner } from '../../components/feedback';
import { CompareCharts } from './compare-charts';
import { CompareScatter } from './compare-scatter';
import { useCompareUi } from './compare-store';
import { CompareTable } from './compare-table';
import type { ComparedRun } from './compared-run';
import { ParallelCoordinates } from './parallel-coordinates';
import { useCompareRuns } from './use-compare-runs';
import './compare.css';

function NotEnoughRuns({ count }: { count: number }) {
  return (
    <main className="page compare-page">
      <h1 className="compare-title">Compare runs</h1>
      <EmptyState title={count === 1 ? 'Only one run to compare.' : 'No runs selected to compare.'}>
        <p className="compare-empty-help">
          Open an experiment, tick the checkboxes of two or more runs in the runs table, then press <strong>Compare</strong>. Runs from different experiments can be
          compared too: the address is <code>#/compare?runs=&lt;id&gt;,&lt;id&gt;</code>.
        </p>
        <a className="btn btn-primary" href="#/">
          Go to experiments
        </a>
      </EmptyState>
    </main>
  );
}

/** Past this many runs the legend folds, so fifty runs do not push the charts off the screen. */
const LEGEND_FOLDED = 12;

function Legend({ runs }: { runs: ComparedRun[] }) {
  const highlighted = useCompareUi((s) => s.highlighted);
  const set = useCompareUi((s) => s.set);
  const [expanded, setExpanded] = useState(false);
  const shown = expanded ? runs : runs.slice(0, LEGEND_FOLDED);
  return (
    <ul className="compare-legend" aria-label="Compared runs" onMouseLeave={() => set({ highlighted: null })}>
      {shown.map(({ run, color, name }) => {
        const others = runs.filter((r) => r.run.runId !== run.runId).map((r) => r.run.runId);
        return (
          <li
            key={run.runId}
            className={`legend-chip${highlighted === run.runId ? ' highlighted' : ''}${highlighted && highlighted !== run.runId ? ' dimmed' : ''}`}
            onMouseEnter={() => set({ highlighted: run.runId })}
            data-run-id={run.runId}
          >
            <span className="swatch" style={{ background: color }} />
            <a href={routeHref({ view: 'run', runId: run.runId })} title={run.runId}>
              {name}
            </a>
            <span className={`status status-${run.status.toLowerCase()}`}>{run.status}</span>
            {others.length >= 1 && (
              <a className="legend-remove" href={routeHref({ view: 'compare', runIds: others })} title="Remove from the comparison" aria-label={`Remove ${name}`}>
                ×
              </a>
            )}
          </li>
        );
      })}
      {runs.length > LEGEND_FOLDED && (
        <li>
          <button type="button" className="btn btn-small legend-more" onClick={() => setExpanded(!expanded)}>
            {expanded ? 'Show fewer' : `+${runs.length - LEGEND_FOLDED} more runs`}
          </button>
        </li>
      )}
    </ul>
  );
}

export function CompareRunsPage({ runIds }: { runIds: string[] }) {
  const ids = useMemo(() => [...new Set(runIds)], [runIds]);
  const state = useCompareRuns(ids);
  const [refreshTokens, setRefreshTokens] = useState<Record<string, number>>({});
  const refreshRuns = useThrottled(state.refresh, 1000);
  useDocumentTitle(`Compare ${ids.length} runs`);
  const runs: ComparedRun[] = useMemo(
    () => state.runs.map((run) => ({ run, name: run.runName || run.runId.slice(0, 8), color: runColor(ids.indexOf(run.runId)) })),
    [state.runs, ids],
  );

  useLiveRuns(ids.length >= 2 ? ids : [], (batch) => {
    const keys = new Set<string>();
    for (const runKeys of batch.metrics.values()) for (const key of runKeys) keys.add(key);
    if (keys.size > 0) {
      setRefreshTokens((previous) => {
        const next = { ...previous };
        for (const key of keys) next[key] = (next[key] ?? 0) + 1;
        return next;
      });
    }
    refreshRuns();
  });

  if (ids.length < 2) return <NotEnoughRuns count={ids.length} />;
  if (state.loading && state.runs.length === 0) {
    return (
      <main className="page compare-page">
        <Spinner label={`Loading ${ids.length} runs…`} />
      </main>
    );
  }
  if (state.runs.length < 2) {
    return (
      <main className="page compare-page">
        {state.error && <ErrorBanner message={`Could not load the runs: ${state.error}`} onRetry={state.refresh} />}
        {state.missing.length > 0 && <ErrorBanner message={`No run with id ${state.missing.join(', ')} exists.`} />}
        {!state.error && <NotEnoughRuns count={state.runs.length} />}
      </main>
    );
  }
  return (
    <main className="page compare-page" data-testid="compare-page">
      <header className="compare-header">
        <h1 className="compare-title">
          Comparing {runs.length} runs
        </h1>
        <Legend runs={runs} />
      </header>
      {state.missing.length > 0 && <ErrorBanner message={`Left out: no run with id ${state.missing.join(', ')} exists.`} />}
      {state.error && <ErrorBanner message={`Some runs could not be loaded: ${state.error}`} onRetry={state.refresh} />}
      <CompareCharts runs={runs} refreshTokens={refreshTokens} />
      <CompareTable runs={runs} />
      <ParallelCoordinates runs={runs} />
      <CompareScatter runs={runs} />
    </main>
  );
}
