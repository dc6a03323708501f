import { useEffect, useMemo, useState } from 'react';
import { CHAMPION } from '../../../../shared/app-api/models';
import { routeHref } from '../../app/router';
import { ErrorBanner, NotFoundPage, Spinner } from '../../components/feedback';
import { formatRelative, formatTime } from '../../components/format';
import { AliasDialog, type AliasMove } from './alias-dialog';
import { AliasHistory } from './alias-history';
import { DeploymentPanel } from './deployment-panel';
import { ApprovalBadge, VersionChip } from './model-badges';
import { metricKeys } from './model-metrics';
import { FourEyesSetting } from './four-eyes-setting';
import { loadModel, showMoreHistory, useModelDetail } from './models-store';
import { PredictionLogPanel } from './prediction-log-panel';
import { RefusalsPanel } from './refusals-panel';
import { ReviewDialog } from './review-dialog';
import { useLiveModels } from './use-live-models';
import { useSessionIdentity } from './use-session-identity';
import { VersionEvaluation } from '../evaluation/version-evaluation';
import { QualityTestsPanel } from '../monitoring/quality-tests-panel';
import { VersionDetails, type VersionAction } from './version-details';
import { ReviewComments } from '../reviews/review-comments';
import { VersionMetricsChart } from './version-metrics-chart';
import { VersionsTable } from './versions-table';
import { AlertRulesCard } from './alert-rules-card';
import { MonitoringPanel } from '../monitoring/monitoring-panel';
import { HandoffPanel } from '../handoff/handoff-panel';
import './models.css';

type Tab = 'versions' | 'predictions' | 'monitoring' | 'handoff';
const TABS: Array<{ id: Tab; label: string }> = [
  { id: 'versions', label: 'Versions' },
  { id: 'predictions', label: 'Prediction log' },
  { id: 'monitoring', label: 'Monitoring' },
  { id: 'handoff', label: 'Handoff' },
];
/** Metric columns in the versions table; the chart offers every metric. */
const TABLE_METRICS = 2;

type Dialog = { kind: 'review'; version: string; decision: 'approved' | 'rejected' } | { kind: 'alias'; move: AliasMove } | null;

function hashQuery(): URLSearchParams {
  return new URLSearchParams(window.location.hash.split('?')[1] ?? '');
}

/** The selected version and tab live in the hash's query, so a reload or a shared link keeps them. */
function writeQuery(name: string, version: string | null, tab: Tab): void {
  const query = new URLSearchParams();
  if (version) query.set('version', version);
  if (tab !== 'versions') query.set('tab', tab);
  const text = query.toString();
  window.history.replaceState(null, '', `${routeHref({ view: 'model', name })}${text ? `?${text}` : ''}`);
}

export function ModelPage({ name }: { name: string }) {
  const { model, versions, settings, history, historyTotal, deployments, notFound, error } = useModelDetail();
  const loadedHere = useModelDetail((s) => s.name === name);
  const [tab, setTabState] = useState<Tab>(() => TABS.find((t) => t.id === hashQuery().get('tab'))?.id ?? 'versions');
  const [picked, setPicked] = useState<string | null>(() => hashQuery().get('version'));
  const [metric, setMetric] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  useLiveModels(name, () => void loadModel(name));
  const identity = useSessionIdentity();

  useEffect(() => {
    document.title = `${name} · Models · MLDesk`;
    void loadModel(name);
    return () => {
      document.title = 'MLDesk';
    };
  }, [name]);

  const keys = useMemo(() => metricKeys(versions), [versions]);
  const champion = model?.championVersion ?? null;
  // Without a pick (or a pick since deleted), the champion is shown, else the newest version.
  const selected = versions.find((v) => v.version === picked) ?? versions.find((v) => v.version === champion) ?? versions[0] ?? null;
  const chartMetric = metric && keys.includes(metric) ? metric : (keys[0] ?? null);
  const tableKeys = chartMetric ? [chartMetric, ...keys.filter((k) => k !== chartMetric)].slice(0, TABLE_METRICS) : [];

  const select = (version: string) => {
    setPicked(version);
    writeQuery(name, version, tab);
  };
  const setTab = (next: Tab) => {
    setTabState(next);
    writeQuery(name, picked, next);
  };

  if (notFound)
    return (
      <NotFoundPage testId="model-not-found" title="Model not found" backHref={routeHref({ view: 'models' })} backLabel="Back to models">
        No registered model is named <code>{name}</code> on this server. It may have been renamed or deleted.
      </NotFoundPage>
    );
  if (!model || !loadedHere)
    return <main className="page">{error ? <ErrorBanner message={`Could not load model ${name}: ${error}`} onRetry={() => void loadModel(name)} /> : <Spinner label="Loading model…" />}</main>;

  const versionInfo = (version: string) => versions.find((v) => v.version === version);
  const onAction = (action: VersionAction) => {
    if (!selected) return;
    if (action === 'approve' || action === 'reject') setDialog({ kind: 'review', version: selected.version, decision: action === 'approve' ? 'approved' : 'rejected' });
    else setDialog({ kind: 'alias', move: { kind: 'set', toVersion: selected.version, alias: action === 'promote' ? CHAMPION : null } });
  };

  return (
    <main className="page model-page" data-testid="model-page">
      <header className="model-header">
        <nav className="breadcrumb" aria-label="Breadcrumb">
          <a href={routeHref({ view: 'models' })}>Models</a>
          <span aria-hidden="true">/</span>
          <span>{model.name}</span>
        </nav>
        <div className="model-title-row">
          <h1 className="model-title">{model.name}</h1>
          {champion ? (
            <span className="champion-tag" data-testid="champion-tag">
              champion <VersionChip version={champion} /> {model.championApproval && <ApprovalBadge state={model.championApproval} />}
            </span>
          ) : (
            <span className="muted" data-testid="champion-tag">
              no champion yet
            </span>
          )}
          <div className="model-actions">
            {champion && (
              <button data-writes
                type="button"
                className="btn"
                disabled={model.championPrevious === null}
                title={model.championPrevious === null ? 'The champion has held no earlier version' : `Move @champion back to v${model.championPrevious}`}
                onClick={() => model.championPrevious && setDialog({ kind: 'alias', move: { kind: 'rollback', fromVersion: champion, toVersion: model.championPrevious } })}
              >
                <span aria-hidden="true">↶</span> Roll back
              </button>
            )}
          </div>
        </div>
        {model.description && <p className="model-description">{model.description}</p>}
        <dl className="model-meta">
          <div>
            <dt>Versions</dt>
            <dd>{model.versionCount}</dd>
          </div>
          <div>
            <dt>Latest</dt>
            <dd>{model.latestVersion ? `v${model.latestVersion}` : '—'}</dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>{formatTime(model.creationTime)}</dd>
          </div>
          <div>
            <dt>Last updated</dt>
            <dd title={formatTime(model.lastUpdated)}>{formatRelative(model.lastUpdated)}</dd>
          </div>
          {settings && <FourEyesSetting name={model.name} settings={settings} />}
        </dl>
      </header>
      {error && <ErrorBanner message={`Could not refresh the model: ${error}`} onRetry={() => void loadModel(name)} />}
      <div className="tabs" role="tablist" aria-label="Model sections">
        {TABS.map((t) => (
          <button key={t.id} role="tab" aria-selected={tab === t.id} className={tab === t.id ? 'active' : ''} onClick={() => setTab(t.id)}>
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" className="model-tab">
        {tab === 'handoff' ? (
          <HandoffPanel key={model.name} model={model.name} versions={versions.map((v) => v.version)} selected={selected?.version ?? null} />
        ) : tab === 'monitoring' ? (
          <MonitoringPanel model={model.name} />
        ) : tab === 'predictions' ? (
          <PredictionLogPanel model={model.name} deployments={deployments} />
        ) : versions.length === 0 ? (
          <div className="empty-state">
            <p className="empty-title">No versions</p>
            <p className="muted">Register a run’s model from its run page to add version 1.</p>
          </div>
        ) : (
          <div className="model-grid">
            <div className="model-main">
              <VersionsTable versions={versions} metricKeys={tableKeys} selected={selected?.version ?? null} onSelect={select} />
              <VersionMetricsChart versions={versions} keys={keys} metric={chartMetric} onMetric={setMetric} champion={champion} selected={selected?.version ?? null} onSelect={select} />
              <AliasHistory entries={history} total={historyTotal} onMore={() => showMoreHistory(name)} />
            </div>
            <div className="model-side">
              <DeploymentPanel model={model} deployments={deployments} />
              <RefusalsPanel model={model.name} />
              <AlertRulesCard model={model.name} />
              {selected && <VersionDetails name={model.name} version={selected} fourEyes={settings?.fourEyes ?? false} identity={identity} onAction={onAction} />}
              {selected && <ReviewComments name={model.name} version={selected.version} />}
            </div>
            <div className="model-wide">
              <VersionEvaluation key={model.name} versions={versions} selected={selected?.version ?? null} champion={champion} />
              {selected && <QualityTestsPanel key={`${model.name}/${selected.version}`} model={model.name} version={selected.version} trainingRefs={selected.datasets.map((d) => d.ref)} />}
            </div>
          </div>
        )}
      </div>
      {dialog?.kind === 'review' && (
        <ReviewDialog name={model.name} version={dialog.version} decision={dialog.decision} identity={identity} previous={versionInfo(dialog.version)?.reviews.findLast((r) => identity !== null && r.reviewerIdentity === identity) ?? null} onClose={() => setDialog(null)} />
      )}
      {dialog?.kind === 'alias' && (
        <AliasDialog name={model.name} move={dialog.move} aliases={model.aliases} championRefusal={dialog.move.kind === 'set' ? (versionInfo(dialog.move.toVersion)?.championRefusal ?? null) : null} onClose={() => setDialog(null)} />
      )}
    </main>
  );
}
