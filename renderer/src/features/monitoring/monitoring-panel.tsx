import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ErrorBanner, Spinner } from '../../components/feedback';
import { useElementWidth } from '../../components/charts/use-element-width';
import { DriftDetail } from './drift-detail';
import { DriftHeatmap, LABEL_WIDTH, MIN_CELL } from './drift-heatmap';
import { MetricsLineageGraph } from './metrics-lineage-graph';
import { MonitoringAlerts } from './monitoring-alerts';
import { MonitoringEmpty } from './monitoring-empty';
import { MonitoringSettingsCard } from './monitoring-settings-panel';
import { readMonitoringQuery, writeMonitoringQuery, type MonitoringQuery } from './monitoring-query';
import { columnLabel, type MonitoringOverview } from './monitoring-types';
import { DriftShareChart, PredictionChart, QualityChart } from './timeline-charts';
import { heatmapSpanEnd } from '../../../../shared/app-api/monitoring';
import { useCell, useHeatmap, useMetricsLineage, useOverview, type OverviewWithFirstView } from './use-monitoring';
import { WindowSelector } from './window-selector';
import './monitoring.css';

/** Heat-map spans move in steps of this many windows, so a scrollbar appearing does not refetch it. */
const SPAN_STEP = 8;

/** How many windows a heat map `width` pixels wide shows (0 before it is measured). */
function heatmapWindows(width: number, total: number): number {
  if (width <= 0) return 0;
  const fits = Math.floor((width - LABEL_WIDTH) / MIN_CELL);
  return Math.max(1, Math.min(400, fits > SPAN_STEP ? fits - (fits % SPAN_STEP) : fits, total));
}

/**
 * A model's monitoring: drift share over time, the feature × window heat map, one cell's
 * distributions and verdict, predictions and quality over time, alerts and the metrics' lineage.
 * Everything is read from the stored windows (monitoring.* operations), never the prediction log.
 */
export function MonitoringPanel({ model }: { model: string }) {
  const [query, setQuery] = useState<MonitoringQuery>(readMonitoringQuery);
  const queryRef = useRef(query);
  queryRef.current = query;
  useEffect(() => {
    // Links inside the page (alerts, lineage nodes) change the hash's query.
    const onHash = () => setQuery(readMonitoringQuery());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  // Stable across renders, so the memoised charts are not redrawn each time one of the page's
  // other answers (heat map, cell, lineage) arrives.
  const update = useCallback(
    (patch: Partial<MonitoringQuery>) => {
      const next = { ...queryRef.current, ...patch };
      queryRef.current = next;
      setQuery(next);
      writeMonitoringQuery(model, next);
    },
    [model],
  );
  // The panel's width tells the overview how wide a heat map to send with it (one round trip). The
  // heat map's card spans the panel, so the estimate is never narrower than what the card then asks.
  const [panelRef, panelWidth] = useElementWidth<HTMLDivElement>();
  // A hand-edited link's window that is not an id is not sent: the page then opens at the newest.
  const linkedWindow = query.window && /^[1-9]\d*$/.test(query.window) ? query.window : null;
  const firstView = panelWidth > 0 ? { window: linkedWindow, column: query.feature, count: heatmapWindows(panelWidth, 400) } : null;
  const overview = useOverview(model, query.version, firstView);
  const data = overview.data && overview.data.model === model ? overview.data : null;

  if (!data) {
    return (
      <div className="monitoring-panel" ref={panelRef}>
        {overview.error ? <ErrorBanner message={`Could not load monitoring: ${overview.error}`} onRetry={overview.reload} /> : <Spinner label="Loading monitoring…" />}
      </div>
    );
  }
  return (
    <div className="monitoring-panel" ref={panelRef} data-testid="monitoring-panel" data-version={data.version ?? ''}>
      {overview.error && <ErrorBanner message={`Could not refresh monitoring: ${overview.error}`} onRetry={overview.reload} />}
      {data.timeline.ids.length === 0 || data.version === null ? (
        <>
          <MonitoringToolbar overview={data} onVersion={(version) => update({ version, window: null, feature: null })} />
          <MonitoringEmpty overview={data} onChanged={overview.reload} />
        </>
      ) : (
        <MonitoringView key={`${data.version}`} overview={data} query={query} update={update} />
      )}
      <MonitoringSettingsCard model={model} features={data.features.map((f) => f.name)} onChanged={overview.reload} />
    </div>
  );
}

function MonitoringToolbar({ overview, onVersion }: { overview: MonitoringOverview; onVersion: (version: string) => void }) {
  const ref = overview.reference;
  return (
    <div className="monitoring-toolbar">
      <label>
        Version{' '}
        <select value={overview.version ?? ''} onChange={(e) => onVersion(e.target.value)} data-testid="monitoring-version" aria-label="Model version">
          {overview.versions.map((v) => (
            <option key={v.version} value={v.version}>
              v{v.version} · {v.windows.toLocaleString('en-US')} windows
            </option>
          ))}
        </select>
      </label>
      {ref && (
        <span className="muted reference-note" data-testid="monitoring-reference">
          reference <strong>{ref.dataset}</strong>
          {ref.rows !== null && ` · ${ref.rows.toLocaleString('en-US')} rows`} · {ref.source === 'lineage' ? 'from lineage' : 'set by hand'}
          {ref.status !== 'ready' && ` · ${ref.status}${ref.error ? `: ${ref.error}` : ''}`}
        </span>
      )}
    </div>
  );
}

function MonitoringView({ overview, query, update }: { overview: OverviewWithFirstView; query: MonitoringQuery; update: (patch: Partial<MonitoringQuery>) => void }) {
  const { timeline } = overview;
  const total = timeline.ids.length;
  const askedWindow = query.window ? timeline.ids.indexOf(query.window) : -1;
  const selected = askedWindow >= 0 ? askedWindow : total - 1;
  const windowId = timeline.ids[selected]!;
  const first = overview.firstView ?? null;
  const [heatRef, heatWidth] = useElementWidth<HTMLDivElement>();
  const wanted = heatmapWindows(heatWidth, total);
  // The span only grows: when the card narrows (a scrollbar appears, the layout settles) the
  // fetched windows are drawn narrower instead of fetched again. It starts as wide as the one
  // that came with the overview.
  const [count, setCount] = useState(() => first?.count ?? 0);
  if (wanted > count) setCount(wanted);
  const end = count > 0 ? heatmapSpanEnd(total, selected, count) : total - 1;
  const heatmap = useHeatmap(overview.model, overview.version, timeline.ids[end] ?? null, count, first);
  const asked = query.feature && overview.features.some((f) => f.name === query.feature) ? query.feature : null;
  // Without a pick the server chooses the window's first drifted feature: no wait for the heat map.
  const cell = useCell(overview.model, overview.version, windowId, asked, first);
  const column = asked ?? (cell.data?.window.id === windowId ? cell.data.drift.column : null);
  const lineage = useMetricsLineage(overview.model, overview.version, windowId, asked, first);
  const selectWindow = useCallback((index: number) => update({ window: timeline.ids[index] ?? null }), [update, timeline]);
  const firing = useMemo(() => overview.alerts.filter((a) => a.state === 'firing').length, [overview.alerts]);

  return (
    <>
      <MonitoringToolbar overview={overview} onVersion={(version) => update({ version, window: null, feature: null })} />
      <WindowSelector timeline={timeline} selected={selected} onSelect={selectWindow} truncated={overview.truncated} windowCount={overview.windowCount} />
      <div className="monitoring-grid">
        <section className="card monitoring-wide">
          <div className="card-header">
            Drift share over time <span className="muted card-note">share of features drifted per window · click to pick a window</span>
          </div>
          <div className="card-body">
            <DriftShareChart overview={overview} selected={selected} onSelect={selectWindow} />
          </div>
        </section>
        <section className="card monitoring-wide">
          <div className="card-header">
            Drift by feature and window <span className="muted card-note">{heatmap.data ? `${heatmap.data.windowIds.length} windows up to the selected page` : ''}</span>
          </div>
          <div className="card-body" ref={heatRef}>
            {heatmap.error && <ErrorBanner message={`Could not load the heat map: ${heatmap.error}`} onRetry={heatmap.reload} />}
            {heatmap.data ? (
              <DriftHeatmap heatmap={heatmap.data} width={heatWidth} selectedWindow={windowId} selectedColumn={column} onSelect={(w, f) => update({ window: w, feature: f })} />
            ) : (
              <Spinner label="Loading the heat map…" />
            )}
          </div>
        </section>
        <section className="card">
          <div className="card-header">
            Reference vs current{column ? `: ${columnLabel(column)}` : ''}
            <select className="feature-picker" value={column ?? ''} onChange={(e) => update({ feature: e.target.value })} aria-label="Feature">
              {overview.features.map((f) => (
                <option key={f.name} value={f.name}>
                  {columnLabel(f.name)}
                </option>
              ))}
            </select>
          </div>
          <div className="card-body">
            {cell.error ? <ErrorBanner message={cell.error} onRetry={cell.reload} /> : cell.data ? <DriftDetail cell={cell.data} /> : <Spinner label="Loading distributions…" />}
          </div>
        </section>
        <section className="card">
          <div className="card-header">
            Alerts {firing > 0 && <span className="alert-count">{firing} firing</span>}
          </div>
          <MonitoringAlerts alerts={overview.alerts} onShow={(w, f, v) => update({ window: w, feature: f, ...(v && v !== overview.version ? { version: v } : {}) })} />
        </section>
        <section className="card">
          <div className="card-header">
            Predictions over time <span className="muted card-note">share of each predicted class</span>
          </div>
          <div className="card-body">
            <PredictionChart overview={overview} selected={selected} onSelect={selectWindow} />
          </div>
        </section>
        <section className="card">
          <div className="card-header">
            Quality over time <span className="muted card-note">against ground truth, else estimated</span>
          </div>
          <div className="card-body">
            <QualityChart overview={overview} selected={selected} onSelect={selectWindow} />
          </div>
        </section>
        <section className="card monitoring-wide">
          <div className="card-header">
            Metrics lineage <span className="muted card-note">window {windowId}: where each statistic comes from · every node opens its page</span>
          </div>
          <div className="card-body">
            {lineage.error ? (
              <ErrorBanner message={lineage.error} onRetry={lineage.reload} />
            ) : lineage.data ? (
              <MetricsLineageGraph graph={lineage.data} model={overview.model} version={overview.version!} />
            ) : (
              <Spinner label="Loading lineage…" />
            )}
          </div>
        </section>
      </div>
    </>
  );
}
