import { useMemo } from 'react';
import { Bar, BarChart, CartesianGrid, Cell, Tooltip, XAxis, YAxis } from 'recharts';
import type { ModelVersionInfo } from '../../../../shared/app-api/models';
import '../../components/charts/charts.css';
import { niceLinearDomain } from '../../components/charts/chart-scales';
import { useElementWidth } from '../../components/charts/use-element-width';
import { formatMetric } from '../../components/format';
import { chartRows, lowerIsBetter, type ChartRow } from './model-metrics';

const HEIGHT = 200;
const MARGIN = { top: 8, right: 12, bottom: 0, left: 4 };
const TICK_STYLE = { fill: 'var(--muted)', fontSize: 11 };

function BarTooltip({ active, payload, metric }: { active?: boolean; payload?: ReadonlyArray<{ payload?: ChartRow }>; metric: string }) {
  const row = payload?.[0]?.payload;
  if (!active || !row) return null;
  return (
    <div className="chart-tooltip version-tooltip">
      <div className="chart-tooltip-x">
        {row.label}
        {row.champion && ' · champion'}
      </div>
      <div className="chart-tooltip-row">
        <span className="chart-tooltip-name">{metric}</span>
        <span className="chart-tooltip-value">{row.value === null ? 'not logged' : formatMetric(row.value)}</span>
      </div>
    </div>
  );
}

/** One bar per version for the chosen metric (the champion's bar stands out), newest versions last. */
export function VersionMetricsChart({ versions, keys, metric, onMetric, champion, selected, onSelect }: {
  versions: ModelVersionInfo[];
  keys: string[];
  metric: string | null;
  onMetric: (key: string) => void;
  champion: string | null;
  selected: string | null;
  onSelect: (version: string) => void;
}) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const rows = useMemo(() => (metric ? chartRows(versions, metric, champion) : []), [versions, metric, champion]);
  // Bars start at zero (or below, for negative values such as a poor R²) on round-numbered ticks.
  const scale = useMemo(() => {
    const values = rows.map((r) => r.value).filter((v): v is number => v !== null);
    return niceLinearDomain(Math.min(0, ...values), Math.max(0, ...values), 4);
  }, [rows]);
  return (
    <section className="card">
      <div className="card-header">
        <span>Metrics across versions</span>
        {keys.length > 0 && metric && (
          <label className="metric-picker">
            <span className="muted">Metric</span>
            <select className="input" aria-label="Metric to compare" value={metric} onChange={(event) => onMetric(event.target.value)}>
              {keys.map((key) => (
                <option key={key} value={key}>
                  {key}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <div className="card-body">
        {!metric ? (
          <p className="muted chart-empty">The runs behind these versions logged no metrics to compare.</p>
        ) : (
          <>
            <div ref={ref} className="version-chart" data-testid="version-metrics-chart" data-key={metric} data-bars={rows.length} style={{ height: HEIGHT }}>
              {width > 0 && (
                <BarChart width={width} height={HEIGHT} data={rows} margin={MARGIN} barCategoryGap="24%">
                  <CartesianGrid vertical={false} />
                  <XAxis dataKey="label" tick={TICK_STYLE} tickLine={false} height={22} interval="preserveStartEnd" />
                  <YAxis width={52} tick={TICK_STYLE} tickLine={false} axisLine={false} tickFormatter={(v: number) => formatMetric(v)} domain={scale.domain} ticks={scale.ticks} />
                  <Tooltip cursor={{ fill: 'var(--row-hover)' }} content={<BarTooltip metric={metric} />} isAnimationActive={false} />
                  <Bar dataKey="value" maxBarSize={56} isAnimationActive={false} onClick={(data: { payload?: ChartRow }) => data.payload && onSelect(data.payload.version)} style={{ cursor: 'pointer' }}>
                    {rows.map((row) => (
                      <Cell key={row.version} className={`version-bar${row.champion ? ' champion' : ''}${row.version === selected ? ' selected' : ''}`} />
                    ))}
                  </Bar>
                </BarChart>
              )}
            </div>
            <p className="chart-legend muted">
              <span className="legend-box champion" /> champion <span className="legend-box selected" /> selected · {lowerIsBetter(metric) ? 'lower is better' : 'higher is better'}
            </p>
          </>
        )}
      </div>
    </section>
  );
}
