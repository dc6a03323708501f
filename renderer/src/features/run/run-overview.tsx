import { useMemo, useState } from 'react';
import type { RunDetail } from '../../../../shared/app-api/entities';
import { formatMetric, formatRelative } from '../../components/format';
import { KeyValueTable } from './key-value-table';
import { RunDescription } from './run-description';

const SYSTEM_TAG = /^mlflow\./;

function LatestMetrics({ run, onOpenCharts }: { run: RunDetail; onOpenCharts(key: string): void }) {
  const rows = useMemo(() => [...run.latestMetrics].sort((a, b) => a.key.localeCompare(b.key)), [run.latestMetrics]);
  return (
    <section className="card" data-testid="latest-metrics">
      <div className="card-header">
        <span>
          Metrics <span className="count">{rows.length}</span>
        </span>
        <span className="muted">latest values</span>
      </div>
      {rows.length === 0 ? (
        <p className="muted card-empty">No metrics logged yet.</p>
      ) : (
        <div className="kv-scroll">
          <table className="data-table">
            <thead>
              <tr>
                <th>Metric</th>
                <th className="num">Value</th>
                <th className="num">Step</th>
                <th>Logged</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((metric) => (
                <tr key={metric.key}>
                  <td>
                    <button className="link-button mono" onClick={() => onOpenCharts(metric.key)} title="Show the chart">
                      {metric.key}
                    </button>
                  </td>
                  <td className="num mono">{formatMetric(metric.value)}</td>
                  <td className="num mono">{metric.step.toLocaleString('en-US')}</td>
                  <td className="muted" title={new Date(metric.timestamp).toLocaleString()}>
                    {formatRelative(metric.timestamp)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Datasets({ run }: { run: RunDetail }) {
  return (
    <section className="card" data-testid="run-datasets">
      <div className="card-header">
        <span>
          Datasets <span className="count">{run.datasets.length}</span>
        </span>
      </div>
      {run.datasets.length === 0 ? (
        <p className="muted card-empty">No dataset inputs logged (mlflow.log_input).</p>
      ) : (
        <ul className="dataset-list">
          {run.datasets.map((dataset) => (
            <li key={`${dataset.name}-${dataset.digest}-${dataset.context ?? ''}`}>
              <div className="dataset-name">
                <strong>{dataset.name}</strong>
                {dataset.context && <span className="pill">{dataset.context}</span>}
                <span className="mono muted" title="Digest">
                  {dataset.digest}
                </span>
              </div>
              <div className="dataset-source mono muted" title={dataset.source}>
                {dataset.sourceType}: {dataset.source}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function RunOverview({ run, onSaved, onOpenCharts }: { run: RunDetail; onSaved(): void; onOpenCharts(key: string): void }) {
  const [showSystem, setShowSystem] = useState(false);
  const params = useMemo(() => Object.entries(run.params).map(([key, value]) => ({ key, value })), [run.params]);
  const allTags = useMemo(() => Object.entries(run.tags).map(([key, value]) => ({ key, value })), [run.tags]);
  const systemCount = allTags.filter((t) => SYSTEM_TAG.test(t.key)).length;
  const tags = showSystem ? allTags : allTags.filter((t) => !SYSTEM_TAG.test(t.key));
  return (
    <div className="run-overview">
      <div className="run-overview-main">
        <RunDescription runId={run.runId} description={run.description} onSaved={onSaved} />
        <LatestMetrics run={run} onOpenCharts={onOpenCharts} />
        <Datasets run={run} />
      </div>
      <div className="run-overview-side">
        <KeyValueTable title="Parameters" entries={params} emptyText="No parameters logged." searchLabel="Search parameters" testId="run-params" />
        <KeyValueTable
          title="Tags"
          entries={tags}
          emptyText={systemCount ? 'Only system tags (mlflow.*) on this run.' : 'No tags.'}
          searchLabel="Search tags"
          testId="run-tags"
          toolbar={
            systemCount > 0 && (
              <label className="toggle">
                <input type="checkbox" checked={showSystem} onChange={(event) => setShowSystem(event.target.checked)} />
                <span>System tags ({systemCount})</span>
              </label>
            )
          }
        />
      </div>
    </div>
  );
}
