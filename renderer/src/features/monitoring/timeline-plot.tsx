import { useState, type MouseEvent } from 'react';
import '../../components/charts/charts.css';
import { xTicks } from '../../components/charts/chart-scales';
import { windowTime } from './monitoring-types';
import { pathOf } from './timeline-path';

/**
 * One value per window over time, drawn as plain SVG. The monitoring page shows three of these over
 * up to a few hundred points each; recharts spent most of the page's opening time (its store,
 * selectors and label measuring) on them, while this draws them in a few milliseconds. Axes,
 * ticks and the hover readout are computed here from the same scales.
 */

export interface PlotAxis {
  domain: [number, number];
  ticks: number[];
  format: (value: number) => string;
}

/** A filled band between `lower` and `upper` (an area is a band from the axis' bottom), or a line over `upper`. */
export interface PlotSeries {
  name: string;
  kind: 'band' | 'line';
  axis?: 'left' | 'right';
  upper: Array<number | null>;
  lower?: Array<number | null>;
  color: string;
  fillOpacity?: number;
  dashed?: boolean;
  /** Hold each value until the next window (label coverage), instead of joining points. */
  step?: boolean;
  /** Skip missing values instead of breaking the line there. */
  connectNulls?: boolean;
  /** Shown in the hover readout; null leaves the series out of it. */
  readout: ((index: number) => string | null) | null;
  className: string;
}

export interface PlotLine {
  y: number;
  axis?: 'left' | 'right';
  color: string;
  label: string;
  labelAt: 'top-right' | 'bottom-left';
}

interface Props {
  width: number;
  height: number;
  /** Window start times (ms), one per drawn point, ascending. */
  x: number[];
  left: PlotAxis;
  right?: PlotAxis;
  series: PlotSeries[];
  lines?: PlotLine[];
  /** Time of the selected window, marked by a dashed vertical line. */
  selectedX: number | null;
  /** Called with the position (in `x`) of the point nearest the click. */
  onPick: (position: number) => void;
}

const MARGIN = { top: 10, right: 16, bottom: 24, left: 46 };
const PX_PER_TIME_TICK = 110;

function nearest(x: number[], value: number): number {
  let lo = 0;
  let hi = x.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && value - x[lo - 1]! < x[lo]! - value ? lo - 1 : lo;
}

export function TimelinePlot({ width, height, x, left, right, series, lines = [], selectedX, onPick }: Props) {
  const [hover, setHover] = useState<number | null>(null);
  const plotLeft = MARGIN.left;
  const plotRight = width - (right ? MARGIN.left : MARGIN.right);
  const plotTop = MARGIN.top;
  const plotBottom = height - MARGIN.bottom;
  const x0 = x[0] ?? 0;
  const x1 = x.at(-1) ?? 1;
  const toX = (t: number) => plotLeft + (x1 === x0 ? 0.5 : (t - x0) / (x1 - x0)) * (plotRight - plotLeft);
  const toY = (axis: PlotAxis, v: number) => plotBottom - ((v - axis.domain[0]) / (axis.domain[1] - axis.domain[0] || 1)) * (plotBottom - plotTop);
  const axisOf = (s: { axis?: 'left' | 'right' }) => (s.axis === 'right' && right ? right : left);
  const px = x.map(toX);
  const timeTicks = xTicks('wall', x0, x1, Math.max(2, Math.floor((plotRight - plotLeft) / PX_PER_TIME_TICK))).filter((t) => t >= x0 && t <= x1);

  const positionAt = (event: MouseEvent<SVGSVGElement>): number | null => {
    if (x.length === 0) return null;
    const box = event.currentTarget.getBoundingClientRect();
    const at = event.clientX - box.left;
    if (at < plotLeft - 4 || at > plotRight + 4) return null;
    return nearest(px, at);
  };
  const hovered = hover !== null && hover < x.length ? hover : null;
  const readouts = hovered === null ? [] : series.flatMap((s) => (s.readout ? [{ s, text: s.readout(hovered) }] : [])).filter((r) => r.text !== null);

  return (
    <>
      <svg
        className="timeline-plot"
        width={width}
        height={height}
        role="img"
        onMouseMove={(e) => setHover(positionAt(e))}
        onMouseLeave={() => setHover(null)}
        onClick={(e) => {
          const position = positionAt(e);
          if (position !== null) onPick(position);
        }}
      >
        {left.ticks.map((t) => (
          <g key={`l${t}`}>
            <line className="timeline-grid" x1={plotLeft} x2={plotRight} y1={toY(left, t)} y2={toY(left, t)} />
            <text className="timeline-tick" x={plotLeft - 6} y={toY(left, t) + 4} textAnchor="end">
              {left.format(t)}
            </text>
          </g>
        ))}
        {right?.ticks.map((t) => (
          <text key={`r${t}`} className="timeline-tick" x={plotRight + 6} y={toY(right, t) + 4} textAnchor="start">
            {right.format(t)}
          </text>
        ))}
        {timeTicks.map((t) => (
          <text key={`t${t}`} className="timeline-tick" x={toX(t)} y={plotBottom + 16} textAnchor="middle">
            {windowTime(t)}
          </text>
        ))}
        <line className="timeline-axis" x1={plotLeft} x2={plotRight} y1={plotBottom} y2={plotBottom} />
        {series.map((s) => {
          const axis = axisOf(s);
          const upper = s.upper.map((v) => (v === null ? null : toY(axis, v)));
          const lower = s.kind === 'band' ? (s.lower ?? s.upper.map(() => axis.domain[0])).map((v) => (v === null ? null : toY(axis, v))) : null;
          const d = pathOf(px, upper, lower, s.step ?? false, s.connectNulls ?? false);
          if (d === '') return null;
          return s.kind === 'band' ? (
            <path key={s.name} className={s.className} d={d} fill={s.color} fillOpacity={s.fillOpacity ?? 0.25} stroke="none" />
          ) : (
            <path key={s.name} className={s.className} d={d} fill="none" stroke={s.color} strokeWidth={2} strokeDasharray={s.dashed ? '5 3' : undefined} />
          );
        })}
        {lines.map((l) => {
          const y = toY(axisOf(l), l.y);
          return (
            <g key={`${l.label}`} className="timeline-refline">
              <line x1={plotLeft} x2={plotRight} y1={y} y2={y} stroke={l.color} strokeDasharray="5 4" />
              <text x={l.labelAt === 'top-right' ? plotRight - 4 : plotLeft + 4} y={l.labelAt === 'top-right' ? y - 5 : y + 13} textAnchor={l.labelAt === 'top-right' ? 'end' : 'start'} fill={l.color} fontSize={11}>
                {l.label}
              </text>
            </g>
          );
        })}
        {selectedX !== null && selectedX >= x0 && selectedX <= x1 && <line className="timeline-selected" x1={toX(selectedX)} x2={toX(selectedX)} y1={plotTop} y2={plotBottom} />}
        {hovered !== null && <line className="timeline-hover" x1={px[hovered]} x2={px[hovered]} y1={plotTop} y2={plotBottom} />}
      </svg>
      {hovered !== null && readouts.length > 0 && (
        <div className="chart-tooltip timeline-tooltip" style={{ left: Math.min(px[hovered]! + 12, width - 200), top: plotTop }}>
          <div className="chart-tooltip-x">{windowTime(x[hovered]!)} · click to pick this window</div>
          {readouts.map(({ s, text }) => (
            <div key={s.name} className="chart-tooltip-row">
              <span className="legend-swatch" style={{ background: s.color }} />
              <span className="chart-tooltip-name">{s.name}</span>
              <span className="chart-tooltip-value">{text}</span>
            </div>
          ))}
        </div>
      )}
    </>
  );
}
