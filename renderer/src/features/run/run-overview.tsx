import { useMemo, useState } from 'react';
import type { RunDetail } from '../../../../shared/app-api/entities';
import { IGNORED_COLUMNS_TAG } from '../../../../shared/app-api/training';
import { routeHref } from '../../app/router';
import { formatMetric, formatRelative } from '../../components/format';
import { KeyValueTable } from './key-value-table';
import { RunDescription } from './run-description';

/** Shown with the system tags only: MLflow's own, and the lineage record (read on the Lineage tab). */
export const SYSTEM_TAG = /^(mlflow\.|mldesk\.lineage\.)/;
/** Tags the page shows in its own way, never as raw values. */
const SHOWN_ELSEWHERE = new Set([IGNORED_COLUMNS_TAG]);

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

/** `mldesk-dataset:iris@1` (MLDesk training) or the uri/path of an MLflow dataset source, from its JSON. */
export function datasetSource(source: string): { datasetRef: string | null; text: string } {
  let text = source;
  try {
    const parsed = JSON.parse(source) as unknown;
    if (parsed && typeof parsed === 'object') {
      const fields = parsed as Record<string, unknown>;
      const found = ['uri', 'url', 'path', 'source'].map((k) => fields[k]).find((v): v is string => typeof v === 'string');
      if (found) text = found;
    }
  } catch {
    // Not JSON: shown as given.
  }
  const match = /^mldesk-dataset:(.+@\d+)$/.exec(text);
  return { datasetRef: match ? match[1]! : null, text };
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
          {run.datasets.map((dataset) => {
            const { datasetRef, text } = datasetSource(dataset.source);
            return (
              <li key={`${dataset.name}-${dataset.digest}-${dataset.context ?? ''}`}>
                <div className="dataset-name">
                  {datasetRef ? (
                    <a className="dataset-link" href={routeHref({ view: 'dataset', ref: datasetRef })} title="Open this dataset version">
                      {datasetRef}
                    </a>
                  ) : (
                    <strong>{dataset.name}</strong>
                  )}
                  {dataset.context && <span className="pill">{dataset.context}</span>}
                  <span className="mono muted" title="Digest">
                    {dataset.digest}
                  </span>
                </div>
                {!datasetRef && (
                  <div className="dataset-source mono muted" title={text}>
                    {dataset.sourceType}: {text}
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/** Columns training left out of the features, and how to keep them. */
function IgnoredColumnsNote({ run }: { run: RunDetail }) {
  const raw = run.tags[IGNORED_COLUMNS_TAG];
  const columns = useMemo(() => {
    try {
      const parsed = JSON.parse(raw ?? '[]') as unknown;
      return Array.isArray(parsed) ? parsed.filter((c): c is { name: string; reason: string } => typeof c?.name === 'string' && typeof c?.reason === 'string') : [];
    } catch {
      return [];
    }
  }, [raw]);
  if (columns.length === 0) return null;
  const ids = columns.some((c) => c.reason.includes('distinct integer'));
  return (
    <section className="run-note" data-testid="ignored-columns" aria-label="Columns left out of the features">
      <strong>Left out of the features</strong>
      <ul>
        {columns.map((c) => (
          <li key={c.name}>
            <code>{c.name}</code>: {c.reason}
          </li>
        ))}
      </ul>
      {ids && (
        <span className="muted">
          To train on an id column anyway: tick “Use id-like columns as features” in the New run form, or pass <code className="nowrap">--keep-id-columns</code> to mldesk train.
        </span>
      )}
    </section>
  );
}

export function RunOverview({ run, onSaved, onOpenCharts }: { run: RunDetail; onSaved(): void; onOpenCharts(key: string): void }) {
  const [showSystem, setShowSystem] = useState(false);
  const params = useMemo(() => Object.entries(run.params).map(([key, value]) => ({ key, value })), [run.params]);
  const allTags = useMemo(() => Object.entries(run.tags).filter(([key]) => !SHOWN_ELSEWHERE.has(key)).map(([key, value]) => ({ key, value })), [run.tags]);
  const systemCount = allTags.filter((t) => SYSTEM_TAG.test(t.key)).length;
  const tags = showSystem ? allTags : allTags.filter((t) => !SYSTEM_TAG.test(t.key));
  return (
    <div className="run-overview">
      <div className="run-overview-main">
        <RunDescription runId={run.runId} description={run.description} onSaved={onSaved} />
        <IgnoredColumnsNote run={run} />
        <LatestMetrics run={run} onOpenCharts={onOpenCharts} />
        <Datasets run={run} />
      </div>
      <div className="run-overview-side">
        <KeyValueTable title="Parameters" entries={params} emptyText="No parameters logged." searchLabel="Search parameters" testId="run-params" />
        <KeyValueTable
          title="Tags"
          entries={tags}
          emptyText={systemCount ? 'Only system tags (mlflow.*, mldesk.lineage.*) on this run.' : 'No tags.'}
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
