import { useState } from 'react';
import { formatStat } from './drift-rule';
import { columnLabel, windowTime, type MonitoringHeatmap } from './monitoring-types';

export const LABEL_WIDTH = 150;
/** Cell width the span is sized for; cells may be drawn down to DRAWN_MIN_CELL when the card narrows. */
export const MIN_CELL = 14;
const DRAWN_MIN_CELL = 9;
const CELL_HEIGHT = 22;
const AXIS_HEIGHT = 22;

/** The cell's colour step (classes heat-0 … heat-9 in monitoring.css): shared classes style thousands of cells cheaply. */
export function cellLevel(score: number | null): string {
  if (score === null) return 'heat-none';
  if (score < 1) return `heat-${Math.min(5, Math.floor(score * score * 6))}`;
  return `heat-${Math.min(9, 6 + Math.floor((score - 1) / 1.5))}`;
}

/** Colour by statistic relative to threshold: neutral far from it, amber nearing it, red past it (deeper the further). */
export function cellFill(score: number | null): string {
  if (score === null) return 'var(--heat-none)';
  if (score < 1) return `color-mix(in srgb, var(--warn) ${Math.round(score * score * 70)}%, var(--heat-zero))`;
  return `color-mix(in srgb, var(--danger) ${Math.round(55 + Math.min(45, (score - 1) * 15))}%, var(--heat-zero))`;
}

function cellAt(target: EventTarget): { i: number; j: number } | null {
  if (!(target instanceof SVGRectElement) || target.dataset.i === undefined) return null;
  return { i: Number(target.dataset.i), j: Number(target.dataset.j) };
}

interface Props {
  heatmap: MonitoringHeatmap;
  width: number;
  selectedWindow: string | null;
  selectedColumn: string | null;
  onSelect: (window: string, column: string) => void;
}

/** Features down, windows across; each cell one window's drift statistic of one feature, drifted cells marked with a dot. */
export function DriftHeatmap({ heatmap, width, selectedWindow, selectedColumn, onSelect }: Props) {
  const [hover, setHover] = useState<{ i: number; j: number } | null>(null);
  const columns = heatmap.windowIds.length;
  const cell = columns ? Math.max(DRAWN_MIN_CELL, Math.floor((width - LABEL_WIDTH) / columns)) : MIN_CELL;
  const svgWidth = LABEL_WIDTH + cell * columns;
  const height = heatmap.features.length * CELL_HEIGHT + AXIS_HEIGHT;
  const tickEvery = Math.max(1, Math.ceil(110 / cell));
  const readout = hover ?? (() => {
    const i = heatmap.features.indexOf(selectedColumn ?? '');
    const j = heatmap.windowIds.indexOf(selectedWindow ?? '');
    return i >= 0 && j >= 0 ? { i, j } : null;
  })();
  const describe = ({ i, j }: { i: number; j: number }) => {
    const drifted = heatmap.drifted[i]![j];
    const verdict = drifted === null ? 'no verdict' : drifted ? 'drift' : 'no drift';
    return `${columnLabel(heatmap.features[i]!)} · window ${heatmap.windowIds[j]} (${windowTime(heatmap.from[j]!)}) · statistic ${formatStat(heatmap.statistic[i]![j] ?? null)} · ${verdict}`;
  };
  return (
    <div className="drift-heatmap" data-testid="drift-heatmap" data-state="ready" data-windows={columns}>
      <p className="heatmap-readout" aria-live="polite">
        {readout ? describe(readout) : 'Hover a cell for its statistic; click it for both distributions.'}
      </p>
      <div className="heatmap-scroll">
        <svg
          width={svgWidth}
          height={height}
          role="grid"
          aria-label="Drift statistic per feature and window"
          onMouseLeave={() => setHover(null)}
          onMouseOver={(event) => {
            const at = cellAt(event.target);
            if (at) setHover(at);
          }}
          onClick={(event) => {
            const at = cellAt(event.target);
            if (at) onSelect(heatmap.windowIds[at.j]!, heatmap.features[at.i]!);
          }}
        >
          {heatmap.features.map((feature, i) => (
            <g key={feature} role="row" transform={`translate(0 ${i * CELL_HEIGHT})`}>
              <text x={LABEL_WIDTH - 8} y={CELL_HEIGHT / 2 + 4} textAnchor="end" className={`heatmap-label${feature === selectedColumn ? ' selected' : ''}`}>
                {columnLabel(feature).length > 20 ? `${columnLabel(feature).slice(0, 19)}…` : columnLabel(feature)}
              </text>
              {heatmap.windowIds.map((windowId, j) => {
                const drifted = heatmap.drifted[i]![j];
                const selected = windowId === selectedWindow && feature === selectedColumn;
                // One element per cell, events delegated to the grid: thousands of cells stay cheap to build.
                return (
                  <rect
                    key={windowId}
                    role="gridcell"
                    data-testid="heatmap-cell"
                    data-feature={feature}
                    data-window={windowId}
                    data-i={i}
                    data-j={j}
                    data-drifted={drifted === null ? 'none' : String(drifted)}
                    className={`heatmap-cell ${cellLevel(heatmap.score[i]![j] ?? null)}${selected ? ' selected' : ''}`}
                    x={LABEL_WIDTH + j * cell + 0.5}
                    y={0.5}
                    width={cell - 1}
                    height={CELL_HEIGHT - 1}
                    rx={2}
                  />
                );
              })}
              {heatmap.windowIds.map((windowId, j) =>
                heatmap.drifted[i]![j] ? <circle key={`m${windowId}`} cx={LABEL_WIDTH + j * cell + cell / 2} cy={CELL_HEIGHT / 2} r={Math.min(3.5, cell / 4)} className="drift-mark" /> : null,
              )}
            </g>
          ))}
          <g transform={`translate(0 ${heatmap.features.length * CELL_HEIGHT})`} className="heatmap-axis">
            {heatmap.windowIds.map((id, j) =>
              j % tickEvery === 0 ? (
                <text key={id} x={LABEL_WIDTH + j * cell + 1} y={15}>
                  {windowTime(heatmap.from[j]!)}
                </text>
              ) : null,
            )}
          </g>
        </svg>
      </div>
      <div className="heatmap-legend muted">
        <span className="legend-swatch" style={{ background: cellFill(0) }} /> far below threshold
        <span className="legend-swatch" style={{ background: cellFill(0.8) }} /> nearing it
        <span className="legend-swatch" style={{ background: cellFill(1.5) }} /> past it
        <span className="legend-dot" /> drifted
        <span className="legend-swatch" style={{ background: cellFill(null) }} /> no verdict
      </div>
    </div>
  );
}
