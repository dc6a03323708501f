import { memo, useMemo } from 'react';
import type { XAxis } from '../../../../shared/app-api/entities';
import { formatMetric } from '../format';
import { nearestIndex, type ChartModel } from './chart-model';
import { formatXValue } from './chart-scales';
import { useHoverSync } from './hover-sync';

/** Where the plot sits inside the chart, in CSS pixels; shared by recharts' layout and the hover overlay. */
export interface PlotBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

export function yToPixel(y: number, domain: [number, number], box: PlotBox, logScale: boolean): number {
  const [lo, hi] = logScale ? [Math.log10(domain[0]), Math.log10(domain[1])] : domain;
  const value = logScale ? Math.log10(y) : y;
  return box.top + (1 - (value - lo) / (hi - lo || 1)) * box.height;
}

export function xToPixel(x: number, domain: [number, number], box: PlotBox): number {
  return box.left + ((x - domain[0]) / (domain[1] - domain[0] || 1)) * box.width;
}

const MAX_ROWS = 8;

/**
 * The crosshair, point markers and tooltip, drawn in HTML over the chart: moving the mouse
 * re-renders this small layer only, never the recharts SVG.
 */
const ChartHover = memo(function ChartHover(props: { model: ChartModel; box: PlotBox; x: number; xAxis: XAxis; logScale: boolean; smoothing: boolean; tooltip: boolean }) {
  const { model, box, x, xAxis, logScale, smoothing, tooltip } = props;
  const hover = useMemo(() => {
    const rows = [];
    for (const line of model.lines) {
      const index = nearestIndex(line.raw, x);
      if (index < 0) continue;
      const raw = line.raw[index]!;
      const shown = line.smooth ? line.smooth[index]! : raw;
      if (shown.y === null) continue;
      rows.push({ line, x: raw.x, value: shown.y, raw: raw.y, band: line.band?.[index]?.band ?? null });
    }
    rows.sort((a, b) => b.value - a.value);
    return { rows };
  }, [model, x]);

  if (hover.rows.length === 0) return null;
  const anchorX = hover.rows[0]!.x;
  const left = xToPixel(anchorX, model.xDomain, box);
  const flip = left > box.left + box.width * 0.55;
  const sampled = hover.rows.some((row) => row.line.sampled);
  return (
    <div className="chart-hover" aria-hidden="true">
      <div className="chart-crosshair" style={{ left, top: box.top, height: box.height }} />
      {hover.rows.map((row) => (
        <span
          key={row.line.run.runId}
          className="chart-marker"
          style={{ left: xToPixel(row.x, model.xDomain, box), top: yToPixel(row.value, model.yDomain, box, logScale), background: row.line.run.color }}
        />
      ))}
      {tooltip && (
        <div className={`chart-tooltip${flip ? ' flip' : ''}`} style={flip ? { right: `calc(100% - ${left - 12}px)`, top: box.top } : { left: left + 12, top: box.top }}>
          <div className="chart-tooltip-x">
            {sampled && xAxis === 'step' ? '≈ ' : ''}
            {xAxis === 'step' ? 'Step ' : ''}
            {formatXValue(xAxis, anchorX)}
          </div>
          {hover.rows.slice(0, MAX_ROWS).map((row) => (
            <div key={row.line.run.runId} className="chart-tooltip-row">
              <span className="swatch" style={{ background: row.line.run.color }} />
              <span className="chart-tooltip-name">{row.line.run.name}</span>
              <span className="chart-tooltip-value mono">{formatMetric(row.value)}</span>
              {smoothing && row.raw !== null && <span className="chart-tooltip-raw mono">raw {formatMetric(row.raw)}</span>}
              {row.band && (
                <span className="chart-tooltip-raw mono" title="Smallest and largest value in this pixel's bucket">
                  {formatMetric(row.band[0])} … {formatMetric(row.band[1])}
                </span>
              )}
            </div>
          ))}
          {hover.rows.length > MAX_ROWS && <div className="chart-tooltip-more">+{hover.rows.length - MAX_ROWS} more runs</div>}
        </div>
      )}
    </div>
  );
});

/** Converts a pointer position in a chart to its x value and shares it with the page's other charts. */
export function pointerToX(model: ChartModel, box: PlotBox, pixelX: number): number | null {
  if (pixelX < box.left || pixelX > box.left + box.width) return null;
  return model.xDomain[0] + ((pixelX - box.left) / box.width) * (model.xDomain[1] - model.xDomain[0]);
}

/** The hover layer of one chart, following the x shared by whichever chart is under the pointer. */
export function SyncedHover(props: { chartId: string; model: ChartModel; box: PlotBox; xAxis: XAxis; logScale: boolean; smoothing: boolean }) {
  const { x, xAxis, source } = useHoverSync();
  if (x === null || xAxis !== props.xAxis || x < props.model.xDomain[0] || x > props.model.xDomain[1]) return null;
  return <ChartHover {...props} x={x} tooltip={source === props.chartId} />;
}
