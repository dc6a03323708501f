import { useEffect, useMemo, useState } from 'react';
import type { RunDetail } from '../../../../shared/app-api/entities';
import { ChartControls } from '../../components/charts/chart-controls';
import { createChartOptionsStore } from '../../components/charts/chart-options';
import { MetricChart } from '../../components/charts/metric-chart';
import { runColor } from '../../components/charts/run-colors';
import { EmptyState } from '../../components/feedback';
import { formatMetric } from '../../components/format';

export const useRunChartOptions = createChartOptionsStore('mldesk.run.charts');

/** One chart per metric key of the run, with the page's shared x-axis, smoothing and scale. */
export function RunMetrics({ run, refreshTokens, focusKey }: { run: RunDetail; refreshTokens: Record<string, number>; focusKey: string | null }) {
  const options = useRunChartOptions();
  const [filter, setFilter] = useState('');
  const runs = useMemo(() => [{ runId: run.runId, name: run.runName || run.runId, color: runColor(0) }], [run.runId, run.runName]);
  const latest = useMemo(() => new Map(run.latestMetrics.map((m) => [m.key, m])), [run.latestMetrics]);
  const keys = useMemo(() => [...latest.keys()].sort((a, b) => a.localeCompare(b)), [latest]);
  const shown = keys.filter((key) => key.toLowerCase().includes(filter.trim().toLowerCase()));

  useEffect(() => {
    if (!focusKey) return;
    document.querySelector(`[data-testid="metric-chart"][data-key="${window.CSS.escape(focusKey)}"]`)?.scrollIntoView({ block: 'center' });
  }, [focusKey]);

  if (keys.length === 0) {
    return (
      <EmptyState title="No metrics logged yet.">
        Log metrics with <code>mlflow.log_metric("loss", value, step=step)</code>; charts appear here as they arrive.
      </EmptyState>
    );
  }
  return (
    <div className="run-metrics">
      <div className="card charts-toolbar">
        <ChartControls options={options} onChange={options.set} />
        <input type="search" className="charts-filter" aria-label="Filter metrics" placeholder="Filter metrics…" value={filter} onChange={(event) => setFilter(event.target.value)} />
      </div>
      {shown.length === 0 ? (
        <p className="muted">No metric matches “{filter}”.</p>
      ) : (
        <div className="chart-grid-layout">
          {shown.map((key) => {
            const value = latest.get(key);
            return (
              <MetricChart
                key={key}
                metricKey={key}
                runs={runs}
                xAxis={options.xAxis}
                smoothing={options.smoothing}
                logScale={options.logScale}
                refreshToken={refreshTokens[key] ?? 0}
                headerExtra={
                  value && (
                    <>
                      <span className="mono latest-value">{formatMetric(value.value)}</span> at step {value.step.toLocaleString('en-US')}
                    </>
                  )
                }
              />
            );
          })}
        </div>
      )}
    </div>
  );
}
