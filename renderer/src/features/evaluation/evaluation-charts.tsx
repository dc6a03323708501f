import { Bar, BarChart, CartesianGrid, Line, LineChart, ReferenceLine, Scatter, ScatterChart, XAxis, YAxis } from 'recharts';
import { useElementWidth } from '../../components/charts/use-element-width';
import { formatMetric } from '../../components/format';

const HEIGHT = 260;
const MARGIN = { top: 8, right: 14, bottom: 22, left: 22 };
const TICK = { fill: 'var(--muted)', fontSize: 11 };
const AXIS_LABEL = { fill: 'var(--muted)', fontSize: 11.5 };
const UNIT_TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];
/** Scatter plots draw at most this many points: more than the plot has pixels to show apart. */
const MAX_DOTS = 800;

export interface CurveSeries {
  name: string;
  color: string;
  points: Array<{ x: number; y: number }>;
  dashed?: boolean;
}

export interface LegendItem {
  name: string;
  color: string;
  kind: 'line' | 'dashed' | 'dot' | 'box';
}

/** An HTML legend above the plot: it wraps onto more lines instead of running into the curves. */
function ChartLegend({ items }: { items: LegendItem[] }) {
  return (
    <ul className="chart-legend-list">
      {items.map((item) => (
        <li key={item.name} className="chart-legend-item">
          <i className={`legend-mark legend-${item.kind}`} style={{ ['--mark' as string]: item.color }} aria-hidden="true" />
          {item.name}
        </li>
      ))}
    </ul>
  );
}

function Frame({ title, testId, legend, children }: { title: string; testId: string; legend: LegendItem[]; children: (width: number) => React.ReactNode }) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  return (
    <figure className="evaluation-chart metric-chart" data-testid={testId}>
      <figcaption className="metric-chart-header">
        <span className="metric-chart-title">{title}</span>
      </figcaption>
      <ChartLegend items={legend} />
      <div ref={ref} className="metric-chart-plot" style={{ height: HEIGHT }}>
        {width > 0 && children(width)}
      </div>
    </figure>
  );
}

const xLabel = (value: string) => ({ value, position: 'insideBottom' as const, offset: -12, style: AXIS_LABEL });
const yLabel = (value: string) => ({ value, angle: -90, position: 'left' as const, offset: -2, style: { ...AXIS_LABEL, textAnchor: 'middle' as const } });

/**
 * Curves on the unit square (ROC, precision–recall, calibration), one line per series, with a
 * dashed reference (the diagonal, or a horizontal chance level) when given.
 */
export function UnitCurveChart({ title, testId, series, x, y, reference }: {
  title: string;
  testId: string;
  series: CurveSeries[];
  x: string;
  y: string;
  reference?: { kind: 'diagonal'; label: string } | { kind: 'level'; y: number; label: string };
}) {
  const legend: LegendItem[] = series.map((s) => ({ name: s.name, color: s.color, kind: s.dashed ? 'dashed' : 'line' }));
  if (reference) legend.push({ name: reference.label, color: 'var(--muted)', kind: 'dashed' });
  return (
    <Frame title={title} testId={testId} legend={legend}>
      {(width) => (
        <LineChart width={width} height={HEIGHT} margin={MARGIN}>
          <CartesianGrid />
          <XAxis type="number" dataKey="x" domain={[0, 1]} ticks={UNIT_TICKS} tick={TICK} tickLine={false} label={xLabel(x)} allowDuplicatedCategory={false} />
          <YAxis type="number" dataKey="y" domain={[0, 1]} ticks={UNIT_TICKS} tick={TICK} tickLine={false} width={36} label={yLabel(y)} />
          {reference?.kind === 'diagonal' && (
            <ReferenceLine segment={[{ x: 0, y: 0 }, { x: 1, y: 1 }]} stroke="var(--muted)" strokeDasharray="4 4" ifOverflow="hidden" />
          )}
          {reference?.kind === 'level' && <ReferenceLine y={reference.y} stroke="var(--muted)" strokeDasharray="4 4" />}
          {series.map((s) => (
            <Line
              key={s.name}
              data={s.points}
              dataKey="y"
              name={s.name}
              stroke={s.color}
              strokeWidth={2}
              strokeDasharray={s.dashed ? '6 3' : undefined}
              dot={s.points.length <= 12 ? { r: 3, fill: s.color } : false}
              isAnimationActive={false}
              type="linear"
            />
          ))}
        </LineChart>
      )}
    </Frame>
  );
}

function thin<T>(points: T[]): T[] {
  if (points.length <= MAX_DOTS) return points;
  return Array.from({ length: MAX_DOTS }, (_, i) => points[Math.floor((i * points.length) / MAX_DOTS)]!);
}

/** Points with a dashed reference line (y = x, or y = 0); a legend names what the colour is. */
export function ScatterPlot({ title, testId, name, color, points, x, y, reference }: {
  title: string;
  testId: string;
  name: string;
  color: string;
  points: Array<{ x: number; y: number }>;
  x: string;
  y: string;
  reference: 'identity' | 'zero';
}) {
  const shown = thin(points);
  let low = Infinity;
  let high = -Infinity;
  for (const p of shown) {
    low = Math.min(low, p.x, reference === 'identity' ? p.y : p.x);
    high = Math.max(high, p.x, reference === 'identity' ? p.y : p.x);
  }
  const legend: LegendItem[] = [
    { name: `${name}${shown.length < points.length ? ` (${shown.length} of ${points.length} rows)` : ''}`, color, kind: 'dot' },
    { name: reference === 'zero' ? 'zero error' : 'perfect prediction (y = x)', color: 'var(--muted)', kind: 'dashed' },
  ];
  return (
    <Frame title={title} testId={testId} legend={legend}>
      {(width) => (
        <ScatterChart width={width} height={HEIGHT} margin={MARGIN}>
          <CartesianGrid />
          <XAxis type="number" dataKey="x" name={x} domain={['auto', 'auto']} tick={TICK} tickLine={false} tickFormatter={(v: number) => formatMetric(v)} label={xLabel(x)} />
          <YAxis type="number" dataKey="y" name={y} domain={['auto', 'auto']} tick={TICK} tickLine={false} width={52} tickFormatter={(v: number) => formatMetric(v)} label={yLabel(y)} />
          {reference === 'zero' ? (
            <ReferenceLine y={0} stroke="var(--muted)" strokeDasharray="4 4" />
          ) : (
            Number.isFinite(low) && <ReferenceLine segment={[{ x: low, y: low }, { x: high, y: high }]} stroke="var(--muted)" strokeDasharray="4 4" ifOverflow="extendDomain" />
          )}
          <Scatter name={name} data={shown} fill={color} fillOpacity={0.55} shape="circle" isAnimationActive={false} legendType="circle" />
        </ScatterChart>
      )}
    </Frame>
  );
}

/** Residual counts per bin; the x axis reads each bin's centre. */
export function HistogramChart({ title, testId, name, color, bins, x }: { title: string; testId: string; name: string; color: string; bins: Array<{ from: number; to: number; count: number }>; x: string }) {
  const rows = bins.map((b) => ({ center: (b.from + b.to) / 2, count: b.count }));
  return (
    <Frame title={title} testId={testId} legend={[{ name, color, kind: 'box' }]}>
      {(width) => (
        <BarChart width={width} height={HEIGHT} margin={MARGIN} data={rows} barCategoryGap={1}>
          <CartesianGrid vertical={false} />
          <XAxis dataKey="center" tick={TICK} tickLine={false} tickFormatter={(v: number) => formatMetric(Number(v.toPrecision(3)))} label={xLabel(x)} interval="preserveStartEnd" minTickGap={16} />
          <YAxis allowDecimals={false} tick={TICK} tickLine={false} width={44} label={yLabel('rows')} />
          <Bar dataKey="count" name={name} fill={color} isAnimationActive={false} />
        </BarChart>
      )}
    </Frame>
  );
}
