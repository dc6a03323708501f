import { useEffect, useState } from 'react';
import { navigate, routeHref } from '../../app/router';
import { ErrorBanner, ShowMore, Spinner } from '../../components/feedback';
import { formatRelative, formatTime } from '../../components/format';
import { ApprovalBadge, CountedTitle, VersionChip } from './model-badges';
import { loadModels, searchModels, showMoreModels, useModelsList } from './models-store';
import { useLiveModels } from './use-live-models';
import { AlertBadge } from './alert-badge';
import { useFiringAlerts } from './firing-alerts';
import './models.css';

function FirstSteps() {
  return (
    <div className="empty-state models-empty" data-testid="models-empty">
      <p className="empty-title">No registered models yet</p>
      <ol className="first-steps">
        <li>
          Train a run (<a href={routeHref({ view: 'new-run', dataset: null })}>New run</a>, or <code>mldesk train</code>).
        </li>
        <li>
          Open the run and press <strong>Register model</strong>: name a new model or add a version to an existing one.
        </li>
        <li>Review the version, promote it to champion, and deploy it as a prediction server from the model’s page.</li>
      </ol>
      <p className="muted">
        From Python, <code>mlflow.register_model(&quot;runs:/RUN_ID/model&quot;, &quot;NAME&quot;)</code> against this server registers one too.
      </p>
    </div>
  );
}

function SearchBox() {
  const search = useModelsList((s) => s.search);
  const [text, setText] = useState(search);
  useEffect(() => {
    const timer = window.setTimeout(() => text !== useModelsList.getState().search && searchModels(text), 200);
    return () => window.clearTimeout(timer);
  }, [text]);
  return <input type="search" className="table-filter" aria-label="Search models" placeholder="Search by name…" value={text} onChange={(event) => setText(event.target.value)} />;
}

/** Every registered model with its latest version, champion and the champion's review state. */
export function ModelsPage() {
  const { models, total, search, loaded, error } = useModelsList();
  useLiveModels(null, () => void loadModels());
  const firing = useFiringAlerts();

  useEffect(() => {
    document.title = 'Models · MLDesk';
    void loadModels();
    // Registrations from MLflow clients send no event: catch up when the user comes back to the window.
    const onFocus = () => void loadModels();
    window.addEventListener('focus', onFocus);
    return () => {
      window.removeEventListener('focus', onFocus);
      document.title = 'MLDesk';
    };
  }, []);

  const empty = loaded && total === 0 && search === '';
  return (
    <main className="page models-page" data-testid="models-page">
      <header className="page-head">
        <div>
          <h1>Models</h1>
          <p className="muted">Registered models: versions tied to the runs and dataset versions behind them, reviews, the champion and its deployments.</p>
        </div>
      </header>
      {error && <ErrorBanner message={`Could not load models: ${error}`} onRetry={() => void loadModels()} />}
      {!loaded ? (
        <Spinner label="Loading models…" />
      ) : empty ? (
        <FirstSteps />
      ) : (
        <section className="card">
          <div className="card-header">
            <CountedTitle title="Registered models" count={total} />
            <SearchBox />
          </div>
          <div className="table-scroll">
            <table className="data-table models-table" data-testid="models-table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Latest version</th>
                  <th>Champion</th>
                  <th>Approval</th>
                  <th className="num">Versions</th>
                  <th>Last updated</th>
                </tr>
              </thead>
              <tbody>
                {models.map((m) => (
                  <tr key={m.name} className="clickable" data-testid="model-row" data-name={m.name} onClick={(event) => (event.target as HTMLElement).closest('a') === null && navigate({ view: 'model', name: m.name })}>
                    <td>
                      <a href={routeHref({ view: 'model', name: m.name })} className="model-link">
                        {m.name}
                      </a>
                      <AlertBadge model={m.name} alerts={firing.get(m.name) ?? []} />
                      {m.description && <div className="muted model-description">{m.description}</div>}
                    </td>
                    <td>{m.latestVersion ? <VersionChip version={m.latestVersion} /> : <span className="muted">none</span>}</td>
                    <td data-testid="model-champion">{m.championVersion ? <VersionChip version={m.championVersion} /> : <span className="muted">no champion</span>}</td>
                    <td>
                      {m.championApproval ? (
                        <ApprovalBadge state={m.championApproval} />
                      ) : m.latestApproval ? (
                        <span className="approval-latest" title="No champion yet: the latest version's review state">
                          <ApprovalBadge state={m.latestApproval} /> <span className="muted">v{m.latestVersion}</span>
                        </span>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                    <td className="num">{m.versionCount}</td>
                    <td title={formatTime(m.lastUpdated)}>{formatRelative(m.lastUpdated)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {models.length === 0 && <p className="muted card-empty">No model name contains “{search}”.</p>}
            {total > models.length && (
              <ShowMore onMore={showMoreModels}>Show more ({total - models.length} not shown)</ShowMore>
            )}
          </div>
        </section>
      )}
    </main>
  );
}
