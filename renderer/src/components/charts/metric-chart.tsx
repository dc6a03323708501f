import { memo, useDeferredValue, useId, useMemo, type ReactNode } from 'react';
import { Area, CartesianGrid, ComposedChart, Line, ReferenceLine, XAxis as RechartsXAxis, YAxis } from 'recharts';
import type { MetricSeries, XAxis } from '../../../../shared/app-api/entities';
import { buildChartModel, trimSeries, type ChartModel, type ChartRun } from './chart-model';
import { runColor } from './run-colors';
import { pointerToX, SyncedHover, type PlotBox } from './chart-hover';
import { useHoverSync } from './hover-sync';
import { formatCompact, xTickFormatter, xTicks } from './chart-scales';
import { useMetricSeries } from './series-loader';
import { useElementWidth } from './use-element-width';
import './charts.css';

const MARGIN = { top: 10, right: 18, bottom: 2, left: 2 };
const Y_AXIS_WIDTH = 54;
const X_AXIS_HEIGHT = 24;
const MAX_POINTS_LIMIT = 20_000;
/** Lines this sparse (per-epoch validation metrics, a first point) get dots, or a lone value would be invisible. */
const DOTS_BELOW = 40;
// Tick labels carry an inline fill, so the theme colour has to come in through the same prop.
const TICK_STYLE = { fill: 'var(--muted)', fontSize: 11 };

export interface MetricChartProps {
  metricKey: string;
  /** One series per run, drawn in the run's colour and named in the tooltip. */
  runs: ChartRun[];
  xAxis: XAxis;
  /** EMA weight, 0 (off) to 0.99. */
  smoothing: number;
  logScale: boolean;
  /** Bump to refetch (live metrics); refetches are throttled to 2 per second. */
  refreshToken?: number;
  height?: number;
  /** Shown at the right of the chart's title (e.g. the latest value). */
  headerExtra?: ReactNode;
  /**
   * Several keys of one run drawn together (`loss` with `val_loss`), each line named by its key;
   * `metricKey` is then the chart's title. Needs exactly one run.
   */
  keys?: string[];
  /** Per x-axis, where the curves end: points at or past it are not drawn (see the run page's curveEnd). */
  endX?: Partial<Record<XAxis, number>>;
  /** Vertical marks on one x-axis, e.g. the epoch early stopping restored. */
  markers?: { axis: XAxis; x: number; label: string }[];
}

/** Two keys of one run as two "runs" of the chart model: each line gets its own colour and its key as its name. */
function keyedSeries(series: MetricSeries[]): MetricSeries[] {
  return series.map((s) => ({ ...s, runId: `${s.runId}\u0000${s.key}` }));
}
function keyedRuns(runs: ChartRun[], keys: string[]): ChartRun[] {
  const run = runs[0];
  return run ? keys.map((key, i) => ({ runId: `${run.runId}\u0000${key}`, name: key, color: i === 0 ? run.color : runColor(i + 1) })) : [];
}

function plotBox(width: number, height: number): PlotBox {
  const left = MARGIN.left + Y_AXIS_WIDTH;
  return { left, top: MARGIN.top, width: Math.max(0, width - left - MARGIN.right), height: Math.max(0, height - MARGIN.top - MARGIN.bottom - X_AXIS_HEIGHT) };
}

/**
 * One metric key for one or more runs. It requests no more points than its plot is wide: the
 * server sends long histories as per-pixel buckets (mean + min/max), drawn as a line over a band.
 */
export function MetricChart({ metricKey, runs, xAxis, smoothing, logScale, refreshToken = 0, height = 220, headerExtra, keys, endX, markers }: MetricChartProps) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const box = plotBox(width, height);
  const maxPoints = Math.min(MAX_POINTS_LIMIT, Math.floor(box.width));
  const runsKey = runs.map((r) => `${r.runId}\u0000${r.name}\u0000${r.color}`).join('\u0001');
  // Parents often rebuild the runs array; the chart only cares when a run, name or colour changes.
  const stableRuns = useMemo(() => runs, [runsKey]);
  const runIds = useMemo(() => stableRuns.map((r) => r.runId), [stableRuns]);
  const keysKey = keys?.join('\u0000') ?? '';
  const seriesKeys = useMemo(() => (keys && keys.length > 1 ? keys : metricKey), [keysKey, metricKey]);
  const { series: loaded, loadedFor, query, error, retry } = useMetricSeries(runIds, seriesKeys, xAxis, maxPoints, refreshToken);
  const loadedAxisEarly = (loadedFor?.split('|')[0] ?? xAxis) as XAxis;
  const end = endX?.[loadedAxisEarly];
  const series = useMemo(() => {
    if (!loaded) return null;
    const trimmed = trimSeries(loaded, end);
    return Array.isArray(seriesKeys) ? keyedSeries(trimmed) : trimmed;
  }, [loaded, end, seriesKeys]);
  const chartRuns = useMemo(() => (Array.isArray(seriesKeys) ? keyedRuns(stableRuns, seriesKeys) : stableRuns), [stableRuns, seriesKeys]);
  // Dragging the smoothing slider re-smooths every chart; deferring keeps the slider itself responsive.
  const deferredSmoothing = useDeferredValue(smoothing);
  const yTickCount = Math.max(2, Math.round(box.height / 45));
  const model = useMemo(
    () => (series ? buildChartModel(series, chartRuns, { smoothing: deferredSmoothing, logScale, yTickCount }) : null),
    [series, chartRuns, deferredSmoothing, logScale, yTickCount],
  );
  const loadedAxis = (loadedFor?.split('|')[0] ?? xAxis) as XAxis;
  const current = loadedFor === query && !error;
  const ready = model !== null && current;
  const chartId = useId();
  const setHover = useHoverSync((state) => state.set);
  const sampled = model?.lines.some((line) => line.sampled) ?? false;
  const total = model?.lines.reduce((sum, line) => sum + line.total, 0) ?? 0;

  return (
    <figure
      className="metric-chart"
      data-testid="metric-chart"
      data-key={metricKey}
      data-keys={Array.isArray(seriesKeys) ? seriesKeys.join(' ') : metricKey}
      data-state={ready ? 'ready' : error ? 'error' : 'loading'}
      data-points={model?.pointsDrawn ?? 0}
      data-width={maxPoints}
      data-x-axis={loadedAxis}
      data-log={String(logScale)}
      data-smoothing={deferredSmoothing}
      data-sampled={String(sampled)}
      data-band-max={model?.bandMax ?? ''}
      data-y-min={model?.yDomain[0] ?? ''}
      data-y-max={model?.yDomain[1] ?? ''}
    >
      <figcaption className="metric-chart-header">
        <span className="metric-chart-title" title={metricKey}>
          {metricKey}
        </span>
        {sampled && (
          <span className="chart-badge" title={`${total.toLocaleString('en-US')} points, drawn as one mean per pixel with a min–max band so spikes stay visible`}>
            {formatCompact(total)} pts · min–max
          </span>
        )}
        {headerExtra && <span className="metric-chart-extra">{headerExtra}</span>}
      </figcaption>
      {Array.isArray(seriesKeys) && (
        <div className="metric-chart-legend">
          {chartRuns.map((r) => (
            <span key={r.runId} className="metric-chart-legend-item">
              <span className="metric-chart-swatch" style={{ background: r.color }} aria-hidden="true" />
              {r.name}
            </span>
          ))}
        </div>
      )}
      <div
        ref={ref}
        className={`metric-chart-plot${ready || !model ? '' : ' stale'}`}
        style={{ height }}
        onMouseMove={(event) => {
          if (!model) return;
          const x = pointerToX(model, box, event.clientX - event.currentTarget.getBoundingClientRect().left);
          setHover(x, x === null ? null : loadedAxis, x === null ? null : chartId);
        }}
        onMouseLeave={() => setHover(null, null, null)}
      >
        {error && !model ? (
          <div className="chart-message" role="alert">
            <span>Could not load {metricKey}: {error}</span>
            <button className="btn btn-small" onClick={retry}>
              Retry
            </button>
          </div>
        ) : !model || width === 0 ? (
          <div className="chart-skeleton" style={{ left: box.left, top: box.top, width: box.width, height: box.height }} />
        ) : model.lines.length === 0 ? (
          <div className="chart-message muted">No values logged for {metricKey}.</div>
        ) : (
          <>
            <ChartSvg model={model} width={width} height={height} xAxis={loadedAxis} logScale={logScale} markers={markers} />
            <SyncedHover chartId={chartId} model={model} box={box} xAxis={loadedAxis} logScale={logScale} smoothing={deferredSmoothing > 0} />
          </>
        )}
      </div>
      {model && model.hiddenNonPositive > 0 && (
        <p className="chart-note">
          {model.hiddenNonPositive.toLocaleString('en-US')} value{model.hiddenNonPositive === 1 ? '' : 's'} ≤ 0 not shown on the log scale.
        </p>
      )}
    </figure>
  );
}

/** The recharts drawing, memoised so hover and unrelated parent renders never redraw it. */
const ChartSvg = memo(function ChartSvg({ model, width, height, xAxis, logScale, markers }: { model: ChartModel; width: number; height: number; xAxis: XAxis; logScale: boolean; markers?: MetricChartProps['markers'] }) {
  const box = plotBox(width, height);
  const ticks = useMemo(() => xTicks(xAxis, model.xDomain[0], model.xDomain[1], Math.max(2, Math.floor(box.width / 75))), [xAxis, model.xDomain, box.width]);
  const format = useMemo(() => xTickFormatter(xAxis, model.xDomain[1] - model.xDomain[0]), [xAxis, model.xDomain]);
  const smoothing = model.lines.some((line) => line.smooth);
  return (
    <ComposedChart width={width} height={height} margin={MARGIN}>
      <CartesianGrid vertical={false} />
      <RechartsXAxis
        dataKey="x"
        type="number"
        domain={model.xDomain}
        allowDataOverflow
        ticks={ticks}
        tickFormatter={format}
        height={X_AXIS_HEIGHT}
        tickLine={false}
        tick={TICK_STYLE}
        interval="preserveStartEnd"
      />
      <YAxis
        type="number"
        domain={model.yDomain}
        ticks={model.yTicks}
        scale={logScale ? 'log' : 'linear'}
        allowDataOverflow
        width={Y_AXIS_WIDTH}
        tickFormatter={formatCompact}
        tickLine={false}
        axisLine={false}
        tick={TICK_STYLE}
      />
      {markers
        ?.filter((m) => m.axis === xAxis)
        .map((m) => (
          <ReferenceLine key={`${m.axis}-${m.x}`} x={m.x} stroke="var(--muted)" strokeDasharray="4 3" label={{ value: m.label, position: 'insideTopLeft', fill: 'var(--muted)', fontSize: 11 }} />
        ))}
      {model.lines.map(
        (line) =>
          line.band && (
            <Area
              key={`${line.run.runId}-band`}
              className="metric-band"
              data={line.band}
              dataKey="band"
              // The band's edges are stroked too: a one-bucket spike is a hairline that fill alone would lose.
              stroke={line.run.color}
              strokeOpacity={0.35}
              strokeWidth={1}
              fill={line.run.color}
              fillOpacity={0.18}
              isAnimationActive={false}
              activeDot={false}
              dot={false}
              connectNulls={false}
            />
          ),
      )}
      {model.lines.map((line) => (
        <Line
          key={`${line.run.runId}-raw`}
          className="metric-line-raw"
          data={line.raw}
          dataKey="y"
          stroke={line.run.color}
          strokeOpacity={smoothing ? 0.3 : 1}
          strokeWidth={smoothing ? 1 : 1.6}
          dot={line.raw.length < DOTS_BELOW ? { r: 2.5, fill: line.run.color, strokeWidth: 0, fillOpacity: smoothing ? 0.4 : 1 } : false}
          activeDot={false}
          isAnimationActive={false}
          connectNulls={false}
        />
      ))}
      {model.lines.map(
        (line) =>
          line.smooth && (
            <Line
              key={`${line.run.runId}-smooth`}
              className="metric-line-smooth"
              data={line.smooth}
              dataKey="y"
              stroke={line.run.color}
              strokeWidth={1.8}
              dot={false}
              activeDot={false}
              isAnimationActive={false}
              connectNulls={false}
            />
          ),
      )}
    </ComposedChart>
  );
});
