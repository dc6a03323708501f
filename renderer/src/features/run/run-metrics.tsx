import { useEffect, useMemo, useState } from 'react';
import type { RunDetail } from '../../../../shared/app-api/entities';
import { ChartControls } from '../../components/charts/chart-controls';
import { createChartOptionsStore } from '../../components/charts/chart-options';
import { MetricChart } from '../../components/charts/metric-chart';
import { runColor } from '../../components/charts/run-colors';
import { EmptyState } from '../../components/feedback';
import { formatMetric } from '../../components/format';
import { curveEnd, metricPanels } from './metric-panels';
import { CommentButton } from '../reviews/comment-button';

export const useRunChartOptions = createChartOptionsStore('mldesk.run.charts');

/** Metrics logged once (a final score, the restored epoch): a value each, not a one-point chart. */
function SingleValues({ run, keys }: { run: RunDetail; keys: string[] }) {
  const latest = new Map(run.latestMetrics.map((m) => [m.key, m]));
  return (
    <section className="card single-values" data-testid="single-value-metrics" aria-label="Metrics logged once">
      <div className="card-header">
        <span>
          Logged once <span className="count">{keys.length}</span>
        </span>
      </div>
      <dl className="single-values-list">
        {keys.map((key) => (
          <div key={key} className="single-value" data-key={key}>
            <dt className="mono" title={key}>
              {key}
            </dt>
            <dd className="mono">{formatMetric(latest.get(key)?.value ?? 'NaN')}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

/** Charts of the run's metric histories (`x` and `val_x` together), with the page's shared x-axis, smoothing and scale. */
export function RunMetrics({ run, refreshTokens, focusKey }: { run: RunDetail; refreshTokens: Record<string, number>; focusKey: string | null }) {
  const options = useRunChartOptions();
  const [filter, setFilter] = useState('');
  const runs = useMemo(() => [{ runId: run.runId, name: run.runName || run.runId, color: runColor(0) }], [run.runId, run.runName]);
  const latest = useMemo(() => new Map(run.latestMetrics.map((m) => [m.key, m])), [run.latestMetrics]);
  const panels = useMemo(() => metricPanels([...latest.keys()], new Set(run.singlePointMetrics)), [latest, run.singlePointMetrics]);
  const ending = useMemo(() => curveEnd(run), [run]);
  const needle = filter.trim().toLowerCase();
  const values = panels.values.filter((key) => key.toLowerCase().includes(needle));
  const charts = panels.charts.filter((panel) => panel.keys.some((key) => key.toLowerCase().includes(needle)));

  useEffect(() => {
    if (!focusKey) return;
    const escaped = window.CSS.escape(focusKey);
    document.querySelector(`[data-testid="metric-chart"][data-keys~="${escaped}"], [data-testid="single-value-metrics"] [data-key="${escaped}"]`)?.scrollIntoView({ block: 'center' });
  }, [focusKey]);

  if (latest.size === 0) {
    return (
      <EmptyState title="No metrics logged yet.">
        Log metrics with <code>mlflow.log_metric("loss", value, step=step)</code>; charts appear here as they arrive.
      </EmptyState>
    );
  }
  const markers = ending ? [{ axis: 'step' as const, x: Number(ending.restored.value), label: `restored epoch ${formatMetric(ending.restored.value)}` }] : undefined;
  return (
    <div className="run-metrics">
      <div className="card charts-toolbar">
        <ChartControls options={options} onChange={options.set} />
        <input type="search" className="charts-filter" aria-label="Filter metrics" placeholder="Filter metrics…" value={filter} onChange={(event) => setFilter(event.target.value)} />
      </div>
      {values.length === 0 && charts.length === 0 && <p className="muted">No metric matches “{filter}”.</p>}
      {values.length > 0 && <SingleValues run={run} keys={values} />}
      {ending && charts.length > 0 && (
        <p className="muted chart-grid-note" data-testid="restored-note">
          Early stopping restored the weights of epoch {formatMetric(ending.restored.value)}: the latest values describe that model; the curves end at the last epoch trained.
        </p>
      )}
      {charts.length > 0 && (
        <div className="chart-grid-layout">
          {charts.map((panel) => {
            const [first] = panel.keys;
            return (
              <MetricChart
                key={panel.title}
                metricKey={panel.title}
                keys={panel.keys.length > 1 ? panel.keys : undefined}
                runs={runs}
                xAxis={options.xAxis}
                smoothing={options.smoothing}
                logScale={options.logScale}
                endX={ending?.end}
                markers={markers}
                refreshToken={panel.keys.reduce((sum, key) => sum + (refreshTokens[key] ?? 0), 0)}
                headerExtra={
                  <>
                    <LatestValues keys={panel.keys} latest={latest} single={first!} />
                    <CommentButton request={{ kind: 'metric', runId: run.runId, key: first! }} label={`Comment on the metric ${first!}`} />
                  </>
                }
              />
            );
          })}
        </div>
      )}
    </div>
  );
}

function LatestValues({ keys, latest, single }: { keys: string[]; latest: Map<string, RunDetail['latestMetrics'][number]>; single: string }) {
  if (keys.length === 1) {
    const value = latest.get(single);
    return value ? (
      <>
        <span className="mono latest-value">{formatMetric(value.value)}</span> at step {value.step.toLocaleString('en-US')}
      </>
    ) : null;
  }
  return (
    <>
      {keys.map((key, i) => {
        const value = latest.get(key);
        return (
          value && (
            <span key={key} className="latest-pair" title={`${key} at step ${value.step.toLocaleString('en-US')}`}>
              {i > 0 && ' · '}
              <span className="mono latest-value">{formatMetric(value.value)}</span>
            </span>
          )
        );
      })}
    </>
  );
}
