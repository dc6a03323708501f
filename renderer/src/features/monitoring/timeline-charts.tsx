import { useMemo, useState, useDeferredValue } from 'react';
import { Area, AreaChart, CartesianGrid, ComposedChart, Line, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import { runColor } from '../../components/charts/run-colors';
import { useElementWidth } from '../../components/charts/use-element-width';
import { representativeIndices } from './downsample';
import { percent, windowTime, type MonitoringOverview } from './monitoring-types';

const TOOLTIP_STYLE = { background: 'var(--panel)', border: '1px solid var(--border)', borderRadius: 6, fontSize: 12, color: 'var(--text)' };
const AXIS_TICK = { fill: 'var(--muted)', fontSize: 11 };
/** Pixels per drawn point: a chart never gets more points than its width allows. */
const PX_PER_POINT = 5;

interface ChartProps {
  overview: MonitoringOverview;
  selected: number | null;
  onSelect: (index: number) => void;
}

type Row = Record<string, number | null | [number, number]> & { index: number; from: number };

/** Recharts reports the clicked point's position in `data`; the row says which window that is. */
function clickHandler(data: Row[], onSelect: (index: number) => void) {
  return (state: { activeTooltipIndex?: number | string | null } | null) => {
    const row = data[Number(state?.activeTooltipIndex)];
    if (row) onSelect(row.index);
  };
}

function timeAxis() {
  return <XAxis dataKey="from" type="number" scale="time" domain={['dataMin', 'dataMax']} tickFormatter={(ms: number) => windowTime(ms)} tick={AXIS_TICK} minTickGap={40} />;
}

function selectedLine(overview: MonitoringOverview, selected: number | null) {
  return selected === null ? null : <ReferenceLine x={overview.timeline.from[selected]} stroke="var(--accent)" strokeDasharray="3 3" ifOverflow="extendDomain" />;
}

export function DriftShareChart({ overview, selected, onSelect }: ChartProps) {
  const [ref, measured] = useElementWidth<HTMLDivElement>();
  // Drawn in a later, interruptible pass: the page's other requests go out before the charts are built.
  const width = useDeferredValue(measured);
  const { timeline } = overview;
  const data = useMemo(
    () => representativeIndices(timeline.ids.length, width / PX_PER_POINT, (i) => timeline.driftShare[i] ?? null, 'max').map((i): Row => ({ index: i, from: timeline.from[i]!, share: timeline.driftShare[i] ?? null })),
    [timeline, width],
  );
  return (
    <div ref={ref} className="timeline-chart" data-testid="drift-share-chart" data-points={data.length}>
      {width > 0 && (
        <AreaChart width={width} height={180} data={data} margin={{ top: 10, right: 16, bottom: 0, left: 0 }} onClick={clickHandler(data, onSelect)} style={{ cursor: 'pointer' }}>
          <CartesianGrid vertical={false} stroke="var(--chart-grid)" />
          {timeAxis()}
          <YAxis width={44} domain={[0, 1]} tickFormatter={(v: number) => percent(v)} tick={AXIS_TICK} />
          <Tooltip contentStyle={TOOLTIP_STYLE} labelFormatter={(ms) => windowTime(Number(ms))} formatter={(v) => [percent(Number(v)), 'features drifted']} />
          <ReferenceLine y={overview.settings.datasetShare} stroke="var(--danger)" strokeDasharray="5 4" label={{ value: `dataset drift at ${percent(overview.settings.datasetShare)}`, fill: 'var(--danger)', fontSize: 11, position: 'insideTopRight' }} />
          {selectedLine(overview, selected)}
          <Area dataKey="share" type="monotone" stroke="var(--warn)" fill="var(--warn)" fillOpacity={0.25} strokeWidth={2} isAnimationActive={false} connectNulls />
        </AreaChart>
      )}
    </div>
  );
}

/** Shares of each predicted class (or value bin) per window, stacked, beside the reference's. */
export function PredictionChart({ overview, selected, onSelect }: ChartProps) {
  const [ref, measured] = useElementWidth<HTMLDivElement>();
  // Drawn in a later, interruptible pass: the page's other requests go out before the charts are built.
  const width = useDeferredValue(measured);
  const prediction = overview.prediction;
  const data = useMemo(() => {
    if (!prediction) return [];
    return representativeIndices(overview.timeline.ids.length, width / PX_PER_POINT, (i) => prediction.statistic[i] ?? null, 'max').map((i): Row => {
      const row: Row = { index: i, from: overview.timeline.from[i]! };
      prediction.bins.forEach((_, b) => (row[`b${b}`] = prediction.shares[i]?.[b] ?? null));
      return row;
    });
  }, [overview, prediction, width]);
  if (!prediction) return <p className="muted card-empty">No prediction drift was stored for these windows.</p>;
  return (
    <div ref={ref} className="timeline-chart" data-testid="prediction-chart" data-points={data.length}>
      {width > 0 && (
        <AreaChart width={width} height={180} data={data} margin={{ top: 10, right: 16, bottom: 0, left: 0 }} onClick={clickHandler(data, onSelect)} style={{ cursor: 'pointer' }}>
          <CartesianGrid vertical={false} stroke="var(--chart-grid)" />
          {timeAxis()}
          <YAxis width={44} domain={[0, 1]} tickFormatter={(v: number) => percent(v)} tick={AXIS_TICK} />
          <Tooltip contentStyle={TOOLTIP_STYLE} labelFormatter={(ms) => windowTime(Number(ms))} formatter={(v, name) => [percent(Number(v)), prediction.bins[Number(String(name).slice(1))] ?? String(name)]} />
          {selectedLine(overview, selected)}
          {prediction.bins.map((bin, b) => (
            <Area key={bin} dataKey={`b${b}`} stackId="p" type="monotone" stroke={runColor(b)} fill={runColor(b)} fillOpacity={0.55} isAnimationActive={false} />
          ))}
        </AreaChart>
      )}
      <p className="chart-legend muted">
        {prediction.bins.map((bin, b) => (
          <span key={bin}>
            <span className="legend-swatch" style={{ background: runColor(b) }} /> {bin} <span className="muted">(ref {percent(prediction.reference[b] ?? 0)})</span>
          </span>
        ))}
      </p>
    </div>
  );
}

/**
 * Realised quality where labels came back; elsewhere CBPE's estimate (dashed) inside its band.
 * Label coverage shades the bottom on its own axis.
 */
export function QualityChart({ overview, selected, onSelect }: ChartProps) {
  const [ref, measured] = useElementWidth<HTMLDivElement>();
  // Drawn in a later, interruptible pass: the page's other requests go out before the charts are built.
  const width = useDeferredValue(measured);
  const series = overview.quality.series;
  const [metric, setMetric] = useState<string | null>(null);
  const shown = series.find((s) => s.metric === metric) ?? series.find((s) => s.metric === 'accuracy') ?? series[0] ?? null;
  const data = useMemo(() => {
    if (!shown) return [];
    const value = (i: number) => shown.realised[i] ?? shown.estimated[i] ?? null;
    return representativeIndices(overview.timeline.ids.length, width / PX_PER_POINT, value, 'min').map((i): Row => {
      const realised = shown.realised[i] ?? null;
      const estimate = realised === null ? (shown.estimated[i] ?? null) : null;
      const lower = shown.lower[i];
      const upper = shown.upper[i];
      return {
        index: i,
        from: overview.timeline.from[i]!,
        realised,
        estimated: estimate,
        band: estimate !== null && lower != null && upper != null ? [lower, upper] : null,
        coverage: overview.quality.labelCoverage[i] ?? null,
      };
    });
  }, [overview, shown, width]);
  if (!shown) return <p className="muted card-empty">No quality yet: it appears once ground truth comes back (POST /v1/feedback with a request id), or as an estimate for classifiers.</p>;
  return (
    <div ref={ref} className="timeline-chart" data-testid="quality-chart" data-metric={shown.metric} data-points={data.length}>
      {series.length > 1 && (
        <label className="chart-picker">
          Metric{' '}
          <select value={shown.metric} onChange={(e) => setMetric(e.target.value)} aria-label="Quality metric">
            {series.map((s) => (
              <option key={s.metric}>{s.metric}</option>
            ))}
          </select>
        </label>
      )}
      {width > 0 && (
        <ComposedChart width={width} height={200} data={data} margin={{ top: 10, right: 8, bottom: 0, left: 0 }} onClick={clickHandler(data, onSelect)} style={{ cursor: 'pointer' }}>
          <CartesianGrid vertical={false} stroke="var(--chart-grid)" />
          {timeAxis()}
          <YAxis yAxisId="q" width={44} domain={['auto', 'auto']} tickFormatter={(v: number) => (v <= 1 ? percent(v) : String(v))} tick={AXIS_TICK} />
          <YAxis yAxisId="c" orientation="right" width={44} domain={[0, 1]} tickFormatter={(v: number) => percent(v)} tick={AXIS_TICK} />
          <Tooltip
            contentStyle={TOOLTIP_STYLE}
            labelFormatter={(ms) => windowTime(Number(ms))}
            formatter={(v, name) => (Array.isArray(v) ? [`${percent(Number(v[0]))} – ${percent(Number(v[1]))}`, 'estimate band'] : [percent(Number(v)), String(name)])}
          />
          <Area yAxisId="c" dataKey="coverage" name="label coverage" type="stepAfter" stroke="none" fill="var(--muted)" fillOpacity={0.1} isAnimationActive={false} />
          <Area yAxisId="q" dataKey="band" name="estimate band" stroke="none" fill="var(--accent)" fillOpacity={0.18} isAnimationActive={false} connectNulls={false} />
          {shown.threshold !== null && (
            <ReferenceLine yAxisId="q" y={shown.threshold} stroke="var(--danger)" strokeDasharray="5 4" label={{ value: `threshold ${percent(shown.threshold)}`, fill: 'var(--danger)', fontSize: 11, position: 'insideBottomLeft' }} />
          )}
          {selected !== null && <ReferenceLine yAxisId="q" x={overview.timeline.from[selected]} stroke="var(--accent)" strokeDasharray="3 3" />}
          <Line yAxisId="q" dataKey="realised" name={`${shown.metric} (realised)`} stroke="var(--ok)" strokeWidth={2} dot={false} isAnimationActive={false} connectNulls={false} />
          <Line yAxisId="q" dataKey="estimated" name={`${shown.metric} (estimated)`} stroke="var(--accent)" strokeWidth={2} strokeDasharray="5 3" dot={false} isAnimationActive={false} connectNulls={false} />
        </ComposedChart>
      )}
      <p className="chart-legend muted">
        <span>
          <span className="legend-line legend-ok" /> realised
        </span>
        <span>
          <span className="legend-line legend-est" /> estimated (CBPE) with its band, where labels have not come back
        </span>
        <span>
          <span className="legend-swatch" style={{ background: 'var(--muted)', opacity: 0.3 }} /> label coverage (right axis)
        </span>
      </p>
    </div>
  );
}
