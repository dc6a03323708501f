import { useMemo } from 'react';
import { ChartControls } from '../../components/charts/chart-controls';
import { MetricChart } from '../../components/charts/metric-chart';
import { useCompareChartOptions, useCompareUi } from './compare-store';
import type { ComparedRun } from './compared-run';
import { unionKeys } from './compare-values';

/** The metric keys as toggles: which charts to draw. */
function KeyPicker({ keys, selected, onChange }: { keys: string[]; selected: string[]; onChange(keys: string[]): void }) {
  return (
    <div className="key-picker" role="group" aria-label="Metrics to chart">
      {keys.map((key) => {
        const on = selected.includes(key);
        return (
          <button key={key} type="button" className={`chip${on ? ' on' : ''}`} aria-pressed={on} onClick={() => onChange(on ? selected.filter((k) => k !== key) : [...selected, key])}>
            {key}
          </button>
        );
      })}
      <span className="key-picker-actions">
        <button type="button" className="btn btn-small btn-ghost" onClick={() => onChange(keys)} disabled={selected.length === keys.length}>
          All
        </button>
        <button type="button" className="btn btn-small btn-ghost" onClick={() => onChange([])} disabled={selected.length === 0}>
          None
        </button>
      </span>
    </div>
  );
}

export function CompareCharts({ runs, refreshTokens }: { runs: ComparedRun[]; refreshTokens: Record<string, number> }) {
  const options = useCompareChartOptions();
  const chartKeys = useCompareUi((s) => s.chartKeys);
  const set = useCompareUi((s) => s.set);
  const keys = useMemo(() => unionKeys(runs.map((r) => r.run.metrics)), [runs]);
  const selected = (chartKeys ?? keys).filter((key) => keys.includes(key));
  const chartRuns = useMemo(() => runs.map(({ run, name, color }) => ({ runId: run.runId, name, color })), [runs]);

  return (
    <section className="card compare-section" aria-labelledby="compare-metrics-title">
      <div className="card-header">
        <span id="compare-metrics-title">
          Metrics <span className="count">{keys.length}</span>
        </span>
        <ChartControls options={options} onChange={options.set} />
      </div>
      <div className="card-body compare-charts-body">
        {keys.length === 0 ? (
          <p className="muted">None of these runs has logged a metric.</p>
        ) : (
          <>
            <KeyPicker keys={keys} selected={selected} onChange={(next) => set({ chartKeys: keys.filter((k) => next.includes(k)) })} />
            {selected.length === 0 ? (
              <p className="muted">Pick metrics above to chart them.</p>
            ) : (
              <div className="chart-grid-layout">
                {selected.map((key) => (
                  <MetricChart
                    key={key}
                    metricKey={key}
                    runs={chartRuns.filter((r) => runs.find((c) => c.run.runId === r.runId)!.run.metrics[key] !== undefined)}
                    xAxis={options.xAxis}
                    smoothing={options.smoothing}
                    logScale={options.logScale}
                    refreshToken={refreshTokens[key] ?? 0}
                  />
                ))}
              </div>
            )}
          </>
        )}
      </div>
    </section>
  );
}
