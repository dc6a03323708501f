import { useEffect, type FormEvent } from 'react';
import type { Run } from '../../../../shared/tracking-types';
import { useExperiments } from './experiments-store';

function formatTime(ms: number | undefined): string {
  return ms === undefined ? '—' : new Date(ms).toLocaleString();
}

function formatDuration(run: Run): string {
  const { start_time: start, end_time: end } = run.info;
  if (start === undefined) return '—';
  const seconds = Math.round(((end ?? Date.now()) - start) / 1000);
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
}

function metricText(value: number | string): string {
  return typeof value === 'number' ? Number(value.toPrecision(5)).toString() : value;
}

export function ExperimentsPage() {
  const state = useExperiments();
  const { loadExperiments } = state;
  useEffect(() => {
    void loadExperiments();
  }, [loadExperiments]);

  const onFilter = (event: FormEvent) => {
    event.preventDefault();
    void state.loadRuns();
  };
  const selected = state.experiments.find((e) => e.experiment_id === state.selectedId);
  const metricKeys = [...new Set(state.runs.flatMap((run) => run.data.metrics.map((m) => m.key)))].sort().slice(0, 6);

  return (
    <div className="layout">
      <aside className="sidebar" aria-label="Experiments">
        <h2>Experiments</h2>
        {state.loading && <p className="muted">Loading experiments…</p>}
        {state.error && <p role="alert" className="error">{state.error}</p>}
        <ul>
          {state.experiments.map((experiment) => (
            <li key={experiment.experiment_id}>
              <button
                className={experiment.experiment_id === state.selectedId ? 'active' : ''}
                onClick={() => void state.select(experiment.experiment_id)}
              >
                {experiment.name}
              </button>
            </li>
          ))}
        </ul>
      </aside>
      <main className="content">
        <header className="content-header">
          <h1>{selected?.name ?? 'No experiment selected'}</h1>
          {selected && <span className="muted">id {selected.experiment_id}</span>}
        </header>
        <form className="filter" onSubmit={onFilter}>
          <input
            aria-label="Filter runs"
            placeholder="metrics.accuracy > 0.9 AND params.model = 'mlp'"
            value={state.filter}
            onChange={(event) => state.setFilter(event.target.value)}
          />
          <button type="submit">Search</button>
        </form>
        {state.runsError && (
          <p role="alert" className="error">
            {state.runsError}
          </p>
        )}
        {state.runsLoading && <p className="muted">Loading runs…</p>}
        {!state.runsLoading && !state.runsError && state.runs.length === 0 && (
          <div className="empty">
            <p>No runs here yet.</p>
            <p className="muted">
              Log one from Python: <code>MLFLOW_TRACKING_URI={window.location.origin} python train.py</code>
            </p>
          </div>
        )}
        {state.runs.length > 0 && (
          <table className="runs">
            <thead>
              <tr>
                <th>Run</th>
                <th>Status</th>
                <th>Started</th>
                <th>Duration</th>
                {metricKeys.map((key) => (
                  <th key={key}>{key}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {state.runs.map((run) => (
                <tr key={run.info.run_id}>
                  <td>{run.info.run_name}</td>
                  <td>
                    <span className={`status status-${run.info.status.toLowerCase()}`}>{run.info.status}</span>
                  </td>
                  <td>{formatTime(run.info.start_time)}</td>
                  <td>{formatDuration(run)}</td>
                  {metricKeys.map((key) => {
                    const metric = run.data.metrics.find((m) => m.key === key);
                    return <td key={key}>{metric ? metricText(metric.value) : ''}</td>;
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </main>
    </div>
  );
}
