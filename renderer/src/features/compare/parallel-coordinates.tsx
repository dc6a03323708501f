import { useMemo } from 'react';
import { formatCompact, linearTicks } from '../../components/charts/chart-scales';
import { useElementWidth } from '../../components/charts/use-element-width';
import { formatMetric } from '../../components/format';
import { useCompareUi } from './compare-store';
import type { ComparedRun } from './compared-run';
import { dimensionId, dimensionScale, parseDimension, rawValue, scalePosition, unionKeys, valuesDiffer, type Dimension, type Scale } from './compare-values';

const HEIGHT = 340;
const PAD = { top: 52, bottom: 28, left: 64, right: 84 };
const DEFAULT_PARAMS = 6;
const DEFAULT_METRICS = 2;

function tickValues(scale: Scale): Array<{ label: string; position: number }> {
  if (scale.type === 'categorical') return scale.categories.map((c) => ({ label: c, position: scale.position(c) }));
  if (scale.min === scale.max) return [{ label: formatCompact(scale.min), position: 0.5 }];
  if (scale.log) {
    const ticks: number[] = [];
    for (let e = Math.ceil(Math.log10(scale.min)); e <= Math.floor(Math.log10(scale.max)); e++) ticks.push(10 ** e);
    const all = [scale.min, ...ticks.filter((t) => t > scale.min * 1.3 && t < scale.max / 1.3), scale.max];
    return all.map((t) => ({ label: formatCompact(t), position: scale.position(t) }));
  }
  // The extremes are always labelled: where the runs start and end matters more than round numbers.
  const margin = (scale.max - scale.min) * 0.12;
  const inner = linearTicks(scale.min, scale.max, 4).filter((t) => t > scale.min + margin && t < scale.max - margin);
  return [scale.min, ...inner, scale.max].map((t) => ({ label: formatCompact(t), position: scale.position(t) }));
}

function formatValue(value: string | number | null): string {
  if (value === null) return '—';
  return typeof value === 'number' ? formatMetric(value) : value;
}

/** The dimensions people usually want first: params that vary across the runs, then a couple of metrics. */
export function defaultAxes(runs: ComparedRun[]): string[] {
  const params = unionKeys(runs.map((r) => r.run.params)).filter((key) => valuesDiffer(runs.map((r) => r.run.params[key])));
  const metrics = unionKeys(runs.map((r) => r.run.metrics));
  return [...params.slice(0, DEFAULT_PARAMS).map((key) => `param:${key}`), ...metrics.slice(0, DEFAULT_METRICS).map((key) => `metric:${key}`)];
}

function AxisPicker({ runs, selected, onChange }: { runs: ComparedRun[]; selected: string[]; onChange(ids: string[]): void }) {
  const options = useMemo(
    () => [
      ...unionKeys(runs.map((r) => r.run.params)).map((key) => ({ kind: 'param' as const, key })),
      ...unionKeys(runs.map((r) => r.run.metrics)).map((key) => ({ kind: 'metric' as const, key })),
    ],
    [runs],
  );
  return (
    <div className="key-picker" role="group" aria-label="Parallel coordinates axes">
      {options.map((dimension) => {
        const id = dimensionId(dimension);
        const on = selected.includes(id);
        return (
          <button key={id} type="button" className={`chip chip-${dimension.kind}${on ? ' on' : ''}`} aria-pressed={on} onClick={() => onChange(on ? selected.filter((s) => s !== id) : [...selected, id])}>
            <span className="chip-kind">{dimension.kind}</span>
            {dimension.key}
          </button>
        );
      })}
    </div>
  );
}

/** One vertical axis per chosen param or metric and one polyline per run, in the run's colour. */
export function ParallelCoordinates({ runs }: { runs: ComparedRun[] }) {
  const axesChoice = useCompareUi((s) => s.axes);
  const highlighted = useCompareUi((s) => s.highlighted);
  const set = useCompareUi((s) => s.set);
  const [ref, width] = useElementWidth<HTMLDivElement>(0);
  // A choice made for another set of runs may name keys these runs lack: those axes are dropped.
  const selected = (axesChoice ?? defaultAxes(runs)).filter((id) => {
    const dimension = parseDimension(id);
    return dimension !== null && runs.some((r) => (dimension.kind === 'param' ? r.run.params : r.run.metrics)[dimension.key] !== undefined);
  });
  const dimensions = selected.map(parseDimension).filter((d): d is Dimension => d !== null);

  const axes = useMemo(
    () =>
      dimensions.map((dimension) => {
        const values = runs.map((r) => rawValue(r.run, dimension));
        return { dimension, values, scale: dimensionScale(values) };
      }),
    // dimensions is rebuilt from `selected` on every render; its ids are what matter.
    [runs, selected.join('\u0000')],
  );

  const plotWidth = Math.max(0, width - PAD.left - PAD.right);
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const xOf = (index: number) => PAD.left + (axes.length <= 1 ? plotWidth / 2 : (index * plotWidth) / (axes.length - 1));
  const yOf = (position: number) => PAD.top + (1 - position) * plotHeight;

  const lines = runs.map((compared, runIndex) => {
    let d = '';
    let pen = false;
    const points: Array<{ x: number; y: number } | null> = axes.map((axis, axisIndex) => {
      const position = scalePosition(axis.scale, axis.values[runIndex]!);
      return position === null ? null : { x: xOf(axisIndex), y: yOf(position) };
    });
    for (const point of points) {
      // A run without a value on an axis leaves a gap there instead of a made-up position.
      if (!point) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${point.x.toFixed(1)},${point.y.toFixed(1)}`;
      pen = true;
    }
    return { compared, runIndex, d, points };
  });
  const active = lines.find((line) => line.compared.run.runId === highlighted);

  return (
    <section className="card compare-section" aria-labelledby="parallel-title">
      <div className="card-header">
        <span id="parallel-title">Parallel coordinates</span>
        <span className="muted">hover a line to follow a run</span>
      </div>
      <div className="card-body">
        <AxisPicker runs={runs} selected={selected} onChange={(ids) => set({ axes: ids })} />
        <div ref={ref} className="parallel-plot">
          {axes.length < 2 ? (
            <p className="muted parallel-empty">Pick at least two axes above.</p>
          ) : (
            width > 0 && (
              <svg width={width} height={HEIGHT} data-testid="parallel-coordinates" role="img" aria-label={`Parallel coordinates over ${axes.length} axes`} onMouseLeave={() => set({ highlighted: null })}>
                {axes.map((axis, index) => (
                  <g key={dimensionId(axis.dimension)} className="pc-axis" transform={`translate(${xOf(index)},0)`}>
                    <text className="pc-axis-kind" y={PAD.top - 30} textAnchor="middle">
                      {axis.dimension.kind}
                      {axis.scale.type === 'numeric' && axis.scale.log ? ' · log' : ''}
                    </text>
                    <title>{axis.dimension.key}</title>
                    <text className="pc-axis-title" y={PAD.top - 16} textAnchor="middle">
                      {axis.dimension.key.length > 18 ? `${axis.dimension.key.slice(0, 17)}…` : axis.dimension.key}
                    </text>
                    <line y1={PAD.top} y2={PAD.top + plotHeight} className="pc-axis-line" />
                    {tickValues(axis.scale).map((tick) => (
                      <g key={tick.label} transform={`translate(0,${yOf(tick.position)})`}>
                        <line x1={-4} x2={0} className="pc-axis-line" />
                        <text x={-7} dy="0.32em" textAnchor="end" className="pc-tick">
                          {tick.label.length > 12 ? `${tick.label.slice(0, 11)}…` : tick.label}
                        </text>
                      </g>
                    ))}
                  </g>
                ))}
                <g className={`pc-lines${active ? ' has-active' : ''}`}>
                  {lines.map((line) => (
                    <g key={line.compared.run.runId} className={`pc-line${line === active ? ' active' : ''}`} data-run-id={line.compared.run.runId}>
                      <path d={line.d} stroke={line.compared.color} className="pc-stroke" />
                      <path d={line.d} className="pc-hit" onMouseEnter={() => set({ highlighted: line.compared.run.runId })}>
                        <title>{line.compared.name}</title>
                      </path>
                    </g>
                  ))}
                </g>
                {active && (
                  <g className="pc-values" pointerEvents="none">
                    {active.points.map((point, index) =>
                      point ? (
                        <g key={index} transform={`translate(${point.x},${point.y})`}>
                          <circle r={4} fill={active.compared.color} />
                          <text x={8} dy="0.32em" className="pc-value">
                            {formatValue(axes[index]!.values[active.runIndex]!)}
                          </text>
                        </g>
                      ) : null,
                    )}
                    <text x={PAD.left} y={HEIGHT - 6} className="pc-active-name" fill={active.compared.color}>
                      {active.compared.name}
                    </text>
                  </g>
                )}
              </svg>
            )
          )}
        </div>
      </div>
    </section>
  );
}
