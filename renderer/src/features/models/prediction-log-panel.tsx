import { useEffect, useMemo } from 'react';
import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';
import { exportUrl } from '../../../../shared/app-api/export-url';
import type { Deployment } from '../../../../shared/app-api/models';
import type { PredictionOutput, PredictionRecord, PredictionStats } from '../../../../shared/app-api/predictions';
import '../../components/charts/charts.css';
import { runColor } from '../../components/charts/run-colors';
import { useElementWidth } from '../../components/charts/use-element-width';
import { ErrorBanner, Spinner } from '../../components/feedback';
import { formatRelative, formatTime } from '../../components/format';
import { PredictionDetail } from './prediction-detail';
import './prediction-log.css';
import { PredictionQualityPanel } from './prediction-quality';
import {
  exportQuery,
  NO_FILTERS,
  WINDOWS,
  hasFilters,
  loadPredictions,
  newerPredictions,
  olderPredictions,
  openPredictionLog,
  selectPrediction,
  setLive,
  setPredictionFilters,
  usePredictionLog,
  type PredictionFilters,
  type WindowId,
} from './prediction-log-store';

/** How often the first page refreshes while Live is on: model servers may run in other processes. */
const LIVE_MS = 2000;

const versionColor = (version: string) => runColor(Number(version) - 1);

function formatBucket(ms: number, bucketMs: number): string {
  const date = new Date(ms);
  if (bucketMs >= 86_400_000) return date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  if (bucketMs >= 60_000) return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function describeOutput(output: PredictionOutput): { text: string; detail: string } {
  if ('value' in output) return { text: output.value.toPrecision(4), detail: '' };
  const probability = output.probabilities?.[output.label];
  return { text: output.label, detail: probability === undefined ? '' : `${(probability * 100).toFixed(1)}%` };
}

function describeInputs(inputs: Record<string, unknown>): string {
  return Object.entries(inputs)
    .map(([key, value]) => `${key}=${typeof value === 'number' ? Number(value.toPrecision(4)) : String(value)}`)
    .join('  ');
}

function truthVerdict(row: PredictionRecord): 'right' | 'wrong' | null {
  if (!row.feedback) return null;
  if ('label' in row.output) return String(row.feedback.actual) === row.output.label ? 'right' : 'wrong';
  return null;
}

function VolumeChart({ stats }: { stats: PredictionStats }) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const versions = stats.byVersion.map((v) => v.version);
  const data = useMemo(() => stats.volume.buckets.map((b) => ({ start: b.start, ...Object.fromEntries(versions.map((v) => [`v${v}`, b.counts[v] ?? 0])) })), [stats, versions]);
  return (
    <div className="prediction-volume" ref={ref} data-testid="prediction-volume">
      {width > 0 && (
        <BarChart width={width} height={150} data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid vertical={false} stroke="var(--border)" />
          <XAxis dataKey="start" tickFormatter={(ms: number) => formatBucket(ms, stats.volume.bucketMs)} tick={{ fill: 'var(--muted)', fontSize: 11 }} minTickGap={24} />
          <YAxis allowDecimals={false} width={44} tick={{ fill: 'var(--muted)', fontSize: 11 }} />
          <Tooltip
            cursor={{ fill: 'var(--row-hover)' }}
            contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', borderRadius: 6, fontSize: 12 }}
            labelFormatter={(ms) => `${formatTime(Number(ms))} (+${Math.round(stats.volume.bucketMs / 1000)} s)`}
          />
          {versions.map((v) => (
            <Bar key={v} dataKey={`v${v}`} name={`v${v}`} stackId="versions" fill={versionColor(v)} isAnimationActive={false} />
          ))}
        </BarChart>
      )}
    </div>
  );
}

function Summary({ stats }: { stats: PredictionStats }) {
  return (
    <div className="prediction-summary">
      <div className="prediction-figures">
        <div>
          <span className="muted">Predictions</span>
          <strong>{stats.total.toLocaleString()}</strong>
        </div>
        <div>
          <span className="muted">With ground truth</span>
          <strong>
            {stats.withFeedback.toLocaleString()}
            {stats.total > 0 && <small> ({((100 * stats.withFeedback) / stats.total).toFixed(1)}%)</small>}
          </strong>
        </div>
        <div>
          <span className="muted">Last prediction</span>
          <strong title={formatTime(stats.lastTimestamp)}>{stats.lastTimestamp ? formatRelative(stats.lastTimestamp) : '—'}</strong>
        </div>
      </div>
      <table className="data-table prediction-versions" aria-label="Predictions per version">
        <thead>
          <tr>
            <th>Version</th>
            <th className="num">Rows</th>
            <th className="num">Mean latency</th>
            <th className="num">Ground truth</th>
            <th className="num">Live quality</th>
          </tr>
        </thead>
        <tbody>
          {stats.byVersion.map((v) => (
            <tr key={v.version}>
              <td>
                <span className="version-swatch" style={{ background: versionColor(v.version) }} />v{v.version}
              </td>
              <td className="num">{v.count.toLocaleString()}</td>
              <td className="num">{v.meanLatencyMs.toFixed(2)} ms</td>
              <td className="num">{v.withFeedback.toLocaleString()}</td>
              <td className="num">{v.accuracy !== null ? `${(v.accuracy * 100).toFixed(1)}% right` : v.mae !== null ? `MAE ${v.mae.toPrecision(3)}` : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Filters({ filters, versions }: { filters: PredictionFilters; versions: string[] }) {
  return (
    <div className="prediction-filters" role="search">
      <select className="input" aria-label="Time window" value={filters.window} onChange={(e) => setPredictionFilters({ window: e.target.value as WindowId })}>
        {WINDOWS.map((w) => (
          <option key={w.id} value={w.id}>
            {w.label}
          </option>
        ))}
      </select>
      <select className="input" aria-label="Filter by version" value={filters.version} onChange={(e) => setPredictionFilters({ version: e.target.value })}>
        <option value="">All versions</option>
        {versions.map((v) => (
          <option key={v} value={v}>
            v{v}
          </option>
        ))}
      </select>
      <select className="input" aria-label="Filter by ground truth" value={filters.feedback} onChange={(e) => setPredictionFilters({ feedback: e.target.value as PredictionFilters['feedback'] })}>
        <option value="any">With or without ground truth</option>
        <option value="with">With ground truth</option>
        <option value="without">Awaiting ground truth</option>
      </select>
      <input key={`label-${filters.label}`} type="search" className="input" aria-label="Filter by predicted class" placeholder="Predicted class" defaultValue={filters.label} onKeyDown={(e) => e.key === 'Enter' && setPredictionFilters({ label: e.currentTarget.value })} onBlur={(e) => e.currentTarget.value !== filters.label && setPredictionFilters({ label: e.currentTarget.value })} />
      <input key={`id-${filters.requestId}`} type="search" className="input mono" aria-label="Find request id" placeholder="Request id" defaultValue={filters.requestId} onKeyDown={(e) => e.key === 'Enter' && setPredictionFilters({ requestId: e.currentTarget.value })} onBlur={(e) => e.currentTarget.value !== filters.requestId && setPredictionFilters({ requestId: e.currentTarget.value })} />
      {hasFilters(filters) && (
        <button className="btn btn-small btn-ghost" onClick={() => setPredictionFilters(NO_FILTERS)}>
          Clear filters
        </button>
      )}
    </div>
  );
}

function Rows({ rows }: { rows: PredictionRecord[] }) {
  return (
    <table className="data-table prediction-rows" aria-label="Predictions">
      <thead>
        <tr>
          <th>Time</th>
          <th>Request id</th>
          <th>Version</th>
          <th>Inputs</th>
          <th>Prediction</th>
          <th className="num">Latency</th>
          <th>Ground truth</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const output = describeOutput(row.output);
          const verdict = truthVerdict(row);
          return (
            <tr key={row.requestId} data-request-id={row.requestId} onClick={() => selectPrediction(row.requestId)}>
              <td className="nowrap" title={formatTime(row.timestamp)}>
                {new Date(row.timestamp).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3 })}
              </td>
              <td className="mono request-id" title={row.requestId}>
                <button type="button" className="prediction-open mono" aria-label={`Open prediction ${row.requestId}`} onClick={(event) => (event.stopPropagation(), selectPrediction(row.requestId))}>
                  {row.requestId.slice(-12)}
                </button>
              </td>
              <td>
                <span className="version-swatch" style={{ background: versionColor(row.modelVersion) }} />v{row.modelVersion}
              </td>
              <td className="mono prediction-inputs" title={JSON.stringify(row.inputs, null, 1)}>
                {describeInputs(row.inputs)}
              </td>
              <td className="nowrap">
                <strong>{output.text}</strong> {output.detail && <span className="muted">{output.detail}</span>}
                {row.output.warnings?.length ? (
                  <span className="pill pill-warn range-badge" title={row.output.warnings.map((w) => w.message).join('\n')} data-testid="range-warning-badge">
                    ⚠ outside training range
                  </span>
                ) : null}
              </td>
              <td className="num">{row.latencyMs.toFixed(2)} ms</td>
              <td className="nowrap">
                {row.feedback ? (
                  <span className={`truth truth-${verdict ?? 'value'}`} title={`Received ${formatTime(row.feedback.timestamp)}`}>
                    {verdict === 'right' ? '✓ ' : verdict === 'wrong' ? '✗ ' : ''}
                    {String(row.feedback.actual)}
                  </span>
                ) : (
                  <span className="muted">awaiting</span>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/**
 * The prediction log of a model: every row its servers scored (in this app or a headless
 * `mldesk serve-model`), newest first in pages, with the ground truth that came back, per-version
 * figures and a volume chart. While Live is on, the first page refreshes every two seconds.
 */
export function PredictionLogPanel({ model, deployments }: { model: string; deployments: Deployment[] }) {
  const { filters, rows, stats, quality, selected, nextToken, tokens, loading, error, live, refreshedAt } = usePredictionLog();
  useEffect(() => openPredictionLog(model), [model]);
  const onFirstPage = tokens.length === 0;
  useEffect(() => {
    if (!live || !onFirstPage) return;
    const timer = setInterval(() => void loadPredictions(), LIVE_MS);
    return () => clearInterval(timer);
  }, [live, onFirstPage]);

  const running = deployments.filter((d) => d.state === 'running');
  const versions = stats?.byVersion.map((v) => v.version) ?? [];
  const nothingYet = stats !== null && stats.total === 0 && !hasFilters(filters);

  return (
    <section className="card prediction-log" data-testid="prediction-log">
      <div className="card-header">
        <span>Prediction log</span>
        <div className="prediction-log-actions">
          {refreshedAt && <span className="muted">updated {new Date(refreshedAt).toLocaleTimeString()}</span>}
          {stats !== null && stats.total > 0 && (
            <a className="btn btn-small" href={exportUrl('predictions', exportQuery(model, filters))} download title="Download every prediction under these filters (all pages) as CSV">
              Export CSV
            </a>
          )}
          <label className="live-toggle">
            <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} /> Live
          </label>
        </div>
      </div>
      {error && <ErrorBanner message={`Could not load the prediction log: ${error}`} onRetry={() => void loadPredictions()} />}
      {stats === null && !error && <Spinner label="Loading the prediction log…" />}
      {nothingYet && (
        <div className="empty-state prediction-log-empty">
          <p className="empty-title">No predictions yet</p>
          <p className="muted">
            {running.length > 0
              ? `Send requests to ${running.map((d) => d.url).join(', ')} (POST /v1/models/${model}:predict); each scored row appears here with its inputs, output, latency and version.`
              : `Start a deployment of ${model} on the Versions tab, or run \`mldesk serve-model ${model}@champion\`; every row it scores appears here.`}
          </p>
        </div>
      )}
      {stats !== null && !nothingYet && (
        <div className="card-body prediction-log-body">
          <div className="prediction-overview">
            <Summary stats={stats} />
            <VolumeChart stats={stats} />
          </div>
          {quality && <PredictionQualityPanel quality={quality} />}
          <Filters filters={filters} versions={versions} />
          {rows.length === 0 ? (
            <p className="muted prediction-none">{loading ? 'Loading…' : 'No predictions match these filters.'}</p>
          ) : (
            <Rows rows={rows} />
          )}
          <div className="prediction-pager">
            <button className="btn btn-small" disabled={onFirstPage} onClick={newerPredictions}>
              ← Newer
            </button>
            <span className="muted">{onFirstPage ? 'Newest first' : `Page ${tokens.length + 1}`}</span>
            <button className="btn btn-small" disabled={!nextToken} onClick={olderPredictions}>
              Older →
            </button>
          </div>
        </div>
      )}
      {selected && <PredictionDetail model={model} requestId={selected} />}
    </section>
  );
}
