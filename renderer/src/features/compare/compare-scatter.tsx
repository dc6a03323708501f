import { useMemo } from 'react';
import { CartesianGrid, Scatter, ScatterChart, Tooltip, XAxis, YAxis, type TooltipContentProps } from 'recharts';
import { formatCompact, niceLinearDomain, niceLogDomain } from '../../components/charts/chart-scales';
import { useElementWidth } from '../../components/charts/use-element-width';
import { formatMetric } from '../../components/format';
import { useCompareUi } from './compare-store';
import type { ComparedRun } from './compared-run';
import { dimensionId, dimensionScale, parseDimension, rawValue, unionKeys, valuesDiffer, type Dimension } from './compare-values';

const HEIGHT = 320;
const TICK_STYLE = { fill: 'var(--muted)', fontSize: 11 };

interface Point {
  x: number | string;
  y: number;
  name: string;
  color: string;
  runId: string;
}

function ScatterTooltip({ active, payload, xLabel, yLabel }: Pick<TooltipContentProps, 'active' | 'payload'> & { xLabel: string; yLabel: string }) {
  const point = active ? (payload?.[0]?.payload as Point | undefined) : undefined;
  if (!point) return null;
  return (
    <div className="chart-tooltip static">
      <div className="chart-tooltip-row">
        <span className="swatch" style={{ background: point.color }} />
        <strong className="chart-tooltip-name">{point.name}</strong>
      </div>
      <div className="chart-tooltip-row">
        <span className="chart-tooltip-name muted">{xLabel}</span>
        <span className="mono">{typeof point.x === 'number' ? formatMetric(point.x) : point.x}</span>
      </div>
      <div className="chart-tooltip-row">
        <span className="chart-tooltip-name muted">{yLabel}</span>
        <span className="mono">{formatMetric(point.y)}</span>
      </div>
    </div>
  );
}

function DimensionSelect({ label, value, options, onChange }: { label: string; value: string; options: Dimension[]; onChange(id: string): void }) {
  const params = options.filter((o) => o.kind === 'param');
  const metrics = options.filter((o) => o.kind === 'metric');
  return (
    <label className="scatter-select">
      <span>{label}</span>
      <select className="input" aria-label={label} value={value} onChange={(event) => onChange(event.target.value)}>
        {params.length > 0 && (
          <optgroup label="Parameters">
            {params.map((o) => (
              <option key={dimensionId(o)} value={dimensionId(o)}>
                {o.key}
              </option>
            ))}
          </optgroup>
        )}
        {metrics.length > 0 && (
          <optgroup label="Metrics (latest)">
            {metrics.map((o) => (
              <option key={dimensionId(o)} value={dimensionId(o)}>
                {o.key}
              </option>
            ))}
          </optgroup>
        )}
      </select>
    </label>
  );
}

/** A padded domain with round ticks, so no point sits on the plot's edge. */
function niceAxis(values: number[], log: boolean): { domain: [number, number]; ticks: number[] } | null {
  if (values.length === 0) return null;
  const min = Math.min(...values);
  const max = Math.max(...values);
  if (log) return niceLogDomain(min / 1.5, max * 1.5);
  const pad = (max - min) * 0.08 || Math.abs(min) * 0.1 || 1;
  return niceLinearDomain(min - pad, max + pad, 5);
}

/** Any metric (y) against any param or metric (x): one point per run, named on hover. */
export function CompareScatter({ runs }: { runs: ComparedRun[] }) {
  const { scatterX, scatterY, highlighted, set } = useCompareUi();
  const [ref, width] = useElementWidth<HTMLDivElement>(0);
  const params = useMemo(() => unionKeys(runs.map((r) => r.run.params)), [runs]);
  const metrics = useMemo(() => unionKeys(runs.map((r) => r.run.metrics)), [runs]);
  const xOptions: Dimension[] = [...params.map((key) => ({ kind: 'param' as const, key })), ...metrics.map((key) => ({ kind: 'metric' as const, key }))];
  const yOptions: Dimension[] = metrics.map((key) => ({ kind: 'metric' as const, key }));
  const defaultX = params.find((key) => valuesDiffer(runs.map((r) => r.run.params[key])));
  // A choice made for another set of runs may name a key these runs lack: then the default applies.
  const xChoice = scatterX && xOptions.some((o) => dimensionId(o) === scatterX) ? scatterX : null;
  const yChoice = scatterY && yOptions.some((o) => dimensionId(o) === scatterY) ? scatterY : null;
  const xId = xChoice ?? (defaultX ? `param:${defaultX}` : xOptions[0] ? dimensionId(xOptions[0]) : '');
  const yId = yChoice ?? (yOptions[0] ? dimensionId(yOptions[0]) : '');
  const xDim = parseDimension(xId);
  const yDim = parseDimension(yId);

  const { points, scale, missing, xNice, yNice } = useMemo(() => {
    if (!xDim || !yDim) return { points: [] as Point[], scale: null, missing: 0, xNice: null, yNice: null };
    const xs = runs.map((r) => rawValue(r.run, xDim));
    const xScale = dimensionScale(xs);
    const out: Point[] = [];
    runs.forEach(({ run, name, color }, index) => {
      const x = xs[index];
      const y = rawValue(run, yDim);
      if (x === null || x === undefined || typeof y !== 'number') return;
      out.push({ x: xScale.type === 'numeric' ? Number(x) : String(x), y, name, color, runId: run.runId });
    });
    return { points: out, scale: xScale, missing: runs.length - out.length, xNice: niceAxis(out.map((p) => p.x).filter((x): x is number => typeof x === 'number'), xScale.type === 'numeric' && xScale.log), yNice: niceAxis(out.map((p) => p.y), false) };
    // xId and yId stand for xDim and yDim.
  }, [runs, xId, yId]);

  return (
    <section className="card compare-section" aria-labelledby="scatter-title">
      <div className="card-header">
        <span id="scatter-title">Scatter</span>
        {metrics.length > 0 && (
          <span className="scatter-selects">
            <DimensionSelect label="Y axis" value={yId} options={yOptions} onChange={(id) => set({ scatterY: id })} />
            <span className="muted">against</span>
            <DimensionSelect label="X axis" value={xId} options={xOptions} onChange={(id) => set({ scatterX: id })} />
          </span>
        )}
      </div>
      <div className="card-body">
        {metrics.length === 0 ? (
          <p className="muted">A scatter needs at least one logged metric.</p>
        ) : (
          <div ref={ref} className="scatter-plot" data-testid="compare-scatter" data-points={points.length}>
            {width > 0 && scale && (
              <ScatterChart width={width} height={HEIGHT} margin={{ top: 12, right: 24, bottom: 28, left: 8 }}>
                <CartesianGrid />
                {scale.type === 'numeric' ? (
                  <XAxis
                    type="number"
                    dataKey="x"
                    name={xDim?.key}
                    scale={scale.log ? 'log' : 'linear'}
                    domain={xNice?.domain ?? ['auto', 'auto']}
                    ticks={xNice?.ticks}
                    allowDataOverflow
                    tickFormatter={formatCompact}
                    tick={TICK_STYLE}
                    label={{ value: `${xDim?.key}${scale.log ? ' (log)' : ''}`, position: 'insideBottom', offset: -18, fill: 'var(--muted)', fontSize: 12 }}
                  />
                ) : (
                  <XAxis
                    type="category"
                    dataKey="x"
                    allowDuplicatedCategory={false}
                    tick={TICK_STYLE}
                    label={{ value: xDim?.key, position: 'insideBottom', offset: -18, fill: 'var(--muted)', fontSize: 12 }}
                  />
                )}
                <YAxis
                  type="number"
                  dataKey="y"
                  name={yDim?.key}
                  domain={yNice?.domain ?? ['auto', 'auto']}
                  ticks={yNice?.ticks}
                  allowDataOverflow
                  tickFormatter={formatCompact}
                  tick={TICK_STYLE}
                  width={64}
                  label={{ value: yDim?.key, angle: -90, position: 'insideLeft', fill: 'var(--muted)', fontSize: 12, style: { textAnchor: 'middle' } }}
                />
                <Tooltip
                  isAnimationActive={false}
                  cursor={{ strokeDasharray: '3 3', stroke: 'var(--muted)' }}
                  content={(props) => <ScatterTooltip active={props.active} payload={props.payload} xLabel={xDim?.key ?? ''} yLabel={yDim?.key ?? ''} />}
                />
                {points.map((point) => (
                  <Scatter
                    key={point.runId}
                    name={point.name}
                    data={[point]}
                    fill={point.color}
                    isAnimationActive={false}
                    className="scatter-point"
                    shape={(props: { cx?: number; cy?: number }) => (
                      <circle
                        cx={props.cx}
                        cy={props.cy}
                        r={highlighted === point.runId ? 9 : 7}
                        fill={point.color}
                        fillOpacity={highlighted && highlighted !== point.runId ? 0.3 : 0.9}
                        stroke="var(--panel)"
                        strokeWidth={2}
                        data-run-id={point.runId}
                        onMouseEnter={() => set({ highlighted: point.runId })}
                        onMouseLeave={() => set({ highlighted: null })}
                      />
                    )}
                  />
                ))}
              </ScatterChart>
            )}
            {missing > 0 && (
              <p className="chart-note">
                {missing} run{missing === 1 ? ' has' : 's have'} no value for {xDim?.key} or {yDim?.key} and {missing === 1 ? 'is' : 'are'} not shown.
              </p>
            )}
          </div>
        )}
      </div>
    </section>
  );
}
