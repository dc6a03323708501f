import { useEffect } from 'react';
import { routeHref } from '../../app/router';
import { ErrorBanner, Spinner } from '../../components/feedback';
import { formatMetric, formatRelative } from '../../components/format';
import { StateBadge } from './sweep-badges';
import { useSweepList } from './use-sweeps';
import './sweeps.css';

/** Every sweep, newest first, with its progress and best value. */
export function SweepsPage() {
  const { value: sweeps, error, reload } = useSweepList();
  useEffect(() => {
    document.title = 'Sweeps · MLDesk';
    return () => {
      document.title = 'MLDesk';
    };
  }, []);
  return (
    <main className="page sweeps-page" data-testid="sweeps-page">
      <header className="page-head">
        <div>
          <h1>Sweeps</h1>
          <p className="muted">Hyperparameter searches: trials as child runs of a sweep run, losers stopped early with the reason recorded.</p>
        </div>
        <a data-writes className="btn btn-primary" href={routeHref({ view: 'new-sweep' })}>
          New sweep
        </a>
      </header>
      {error && <ErrorBanner message={`Could not load sweeps: ${error}`} onRetry={reload} />}
      {!sweeps ? (
        !error && <Spinner label="Loading sweeps…" />
      ) : sweeps.length === 0 ? (
        <div className="empty-state" data-testid="sweeps-empty">
          <p className="empty-title">No sweeps yet</p>
          <p className="muted">
            Start one with <a href={routeHref({ view: 'new-sweep' })}>New sweep</a>, or from a terminal: <code>mldesk sweep sweep.yaml --parallel 4</code>.
          </p>
        </div>
      ) : (
        <section className="card">
          <div className="table-scroll">
            <table className="data-table" data-testid="sweeps-table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>State</th>
                  <th>Method</th>
                  <th>Metric</th>
                  <th className="num">Trials</th>
                  <th className="num">Pruned</th>
                  <th className="num">Best</th>
                  <th>Started</th>
                </tr>
              </thead>
              <tbody>
                {sweeps.map((sweep) => (
                  <tr key={sweep.id}>
                    <td>
                      <a href={routeHref({ view: 'sweep', id: sweep.id })}>{sweep.name}</a>
                    </td>
                    <td>
                      <StateBadge state={sweep.state === 'running' ? 'running' : sweep.state === 'finished' ? 'finished' : sweep.state === 'failed' ? 'failed' : 'cancelled'} />
                    </td>
                    <td>{sweep.method}</td>
                    <td>
                      {sweep.metric.goal === 'minimize' ? '↓' : '↑'} {sweep.metric.name}
                    </td>
                    <td className="num">{Object.values(sweep.counts).reduce((sum, n) => sum + n, 0)}</td>
                    <td className="num">{sweep.counts.pruned ?? 0}</td>
                    <td className="num">{sweep.bestValue === null ? '—' : formatMetric(sweep.bestValue)}</td>
                    <td>{formatRelative(sweep.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </main>
  );
}
