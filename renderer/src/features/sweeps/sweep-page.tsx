import { useEffect, useState } from 'react';
import { api } from '../../api/app-client';
import { routeHref } from '../../app/router';
import { ErrorBanner, Spinner } from '../../components/feedback';
import { formatMetric, formatRelative } from '../../components/format';
import { formatParam, StateBadge } from './sweep-badges';
import { BestSoFarChart, ParameterImportance } from './sweep-charts';
import { SweepParallelCoordinates } from './sweep-parallel';
import { DecisionsList, TrialsTable } from './sweep-trials';
import { PromoteBest } from './promote-best';
import { useSweep } from './use-sweeps';
import './sweeps.css';

const COUNT_ORDER = ['running', 'queued', 'completed', 'pruned', 'stale', 'failed', 'cancelled'] as const;

/** One sweep: best so far, parallel coordinates, parameter importance, trials and decisions; live while it runs. */
export function SweepPage({ id }: { id: string }) {
  const { value: sweep, error, reload } = useSweep(id);
  const [cancelError, setCancelError] = useState<string | null>(null);
  useEffect(() => {
    if (sweep) document.title = `${sweep.name} · Sweeps · MLDesk`;
    return () => {
      document.title = 'MLDesk';
    };
  }, [sweep]);
  if (!sweep) {
    return <main className="page">{error ? <ErrorBanner message={`Could not load the sweep: ${error}`} onRetry={reload} /> : <Spinner label="Loading sweep…" />}</main>;
  }
  const best = sweep.trials.find((trial) => trial.number === sweep.bestTrial);
  const cancel = () =>
    api['sweeps.cancel']({ id }).then(
      () => reload(),
      (failure: unknown) => setCancelError((failure as Error).message),
    );
  return (
    <main className="page sweep-page" data-testid="sweep-page" data-state={sweep.state}>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <a href={routeHref({ view: 'sweeps' })}>Sweeps</a> / <span>{sweep.name}</span>
      </nav>
      <header className="page-head">
        <div>
          <h1>
            {sweep.name} <StateBadge state={sweep.state === 'finished' ? 'finished' : sweep.state} />
          </h1>
          <p className="muted">
            {sweep.method} search, {sweep.metric.goal} {sweep.metric.name}, {sweep.parallel} at a time, early termination: {sweep.earlyTerminate ?? 'none'} · started {formatRelative(sweep.createdAt)} ·{' '}
            <a href={routeHref({ view: 'run', runId: sweep.runId })}>sweep run</a>
            {sweep.reason && <> · {sweep.reason}</>}
          </p>
        </div>
        {sweep.state === 'running' && (
          <button data-writes type="button" className="btn" onClick={() => void cancel()}>
            Cancel sweep
          </button>
        )}
      </header>
      {error && <ErrorBanner message={`Could not refresh: ${error}`} onRetry={reload} />}
      {cancelError && <ErrorBanner message={`Could not cancel: ${cancelError}`} />}
      <section className="sweep-stats" data-testid="sweep-counts">
        {COUNT_ORDER.filter((state) => sweep.counts[state]).map((state) => (
          <div key={state} className="sweep-stat" data-count={state}>
            <span className="sweep-stat-value">{sweep.counts[state]}</span>
            <span className="muted">{state}</span>
          </div>
        ))}
        <div className="sweep-stat sweep-stat-best" data-testid="sweep-best">
          <span className="sweep-stat-value">{best?.value == null ? '—' : formatMetric(best.value)}</span>
          <span className="muted">
            best {sweep.metric.name}
            {best && (
              <>
                {' '}
                · trial {best.number} ({Object.entries(best.parameters).map(([key, value]) => `${key}=${formatParam(value)}`).join(', ')})
              </>
            )}
          </span>
        </div>
        <PromoteBest sweep={sweep} />
      </section>
      <div className="sweep-grid">
        <section className="card">
          <div className="card-header">Best {sweep.metric.name} so far</div>
          <div className="card-body">
            <BestSoFarChart sweep={sweep} />
          </div>
        </section>
        <section className="card">
          <div className="card-header">Parameter importance</div>
          <div className="card-body">
            <ParameterImportance sweep={sweep} />
          </div>
        </section>
      </div>
      <section className="card">
        <div className="card-header">Parallel coordinates, coloured by {sweep.metric.name} (green is better; dashed: pruned or stopped)</div>
        <div className="card-body">
          <SweepParallelCoordinates sweep={sweep} />
        </div>
      </section>
      <section className="card">
        <div className="card-header">Trials</div>
        <TrialsTable sweep={sweep} />
      </section>
      <section className="card">
        <div className="card-header">Early-stopping decisions</div>
        <div className="card-body">
          <DecisionsList sweep={sweep} />
        </div>
      </section>
    </main>
  );
}
