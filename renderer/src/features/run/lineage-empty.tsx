import type { RunDetail } from '../../../../shared/app-api/entities';
import { EmptyState } from '../../components/feedback';
import { Hash } from './copy-value';

/** What MLflow clients record about where a run came from (their own, partial lineage). */
const SOURCE_TAG = /^mlflow\.(source\.|project\.|docker\.|gitRepoURL$|user$|parentRunId$)/;
const ORDER = ['mlflow.source.git.commit', 'mlflow.source.git.branch', 'mlflow.source.git.repoURL', 'mlflow.source.name', 'mlflow.source.type'];
const rank = (key: string) => (ORDER.includes(key) ? ORDER.indexOf(key) : ORDER.length);

/** A run MLDesk did not train: why there is no lineage, and whatever its client recorded instead. */
export function NoLineage({ run }: { run: RunDetail }) {
  const tags = Object.entries(run.tags)
    .filter(([key]) => SOURCE_TAG.test(key))
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  return (
    <div className="lineage-tab" data-testid="lineage-empty">
      <EmptyState title="No lineage recorded for this run">
        <p className="empty-explain">
          MLDesk records lineage (the code version, the environment, the exact dataset version and every hyperparameter) for the runs it trains itself, from the New
          run page or <code>mldesk train</code>. This run was logged from an MLflow client, or it stopped before its lineage was written, so MLDesk cannot show where it
          came from or reproduce it.
        </p>
      </EmptyState>
      <section className="card" data-testid="mlflow-source-tags">
        <div className="card-header">
          <span>
            What the MLflow client recorded <span className="count">{tags.length + run.datasets.length}</span>
          </span>
          <span className="muted">source tags and dataset inputs</span>
        </div>
        {tags.length === 0 && run.datasets.length === 0 ? (
          <p className="muted card-empty">
            Nothing: no <code>mlflow.source.*</code> tags (such as <code>mlflow.source.git.commit</code>) and no dataset inputs were logged with this run.
          </p>
        ) : (
          <table className="kv-table">
            <tbody>
              {tags.map(([key, value]) => (
                <tr key={key} data-key={key}>
                  <th scope="row" className="mono">
                    {key}
                  </th>
                  <td className="mono">{/^[0-9a-f]{40,64}$/.test(value) ? <Hash value={value} label={`Copy ${key}`} /> : value}</td>
                </tr>
              ))}
              {run.datasets.map((dataset) => (
                <tr key={`${dataset.name}:${dataset.digest}:${dataset.context ?? ''}`}>
                  <th scope="row">dataset input{dataset.context ? ` (${dataset.context})` : ''}</th>
                  <td className="mono">
                    {dataset.name} <span className="muted">digest {dataset.digest}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
