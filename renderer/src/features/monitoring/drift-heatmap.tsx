import { useEffect, useRef, useState, type MouseEvent } from 'react';
import { formatStat } from './drift-rule';
import { AXIS_HEIGHT, CELL_HEIGHT, drawHeatmap, LABEL_WIDTH } from './heatmap-canvas';
import { columnLabel, windowTime, type MonitoringHeatmap } from './monitoring-types';

export { LABEL_WIDTH };
/** Cell width the span is sized for; cells may be drawn down to DRAWN_MIN_CELL when the card narrows. */
export const MIN_CELL = 14;
const DRAWN_MIN_CELL = 9;

/** Colour by statistic relative to threshold: neutral far from it, amber nearing it, red past it (deeper the further). */
export function cellFill(score: number | null): string {
  if (score === null) return 'var(--heat-none)';
  if (score < 1) return `color-mix(in srgb, var(--warn) ${Math.round(score * score * 70)}%, var(--heat-zero))`;
  return `color-mix(in srgb, var(--danger) ${Math.round(55 + Math.min(45, (score - 1) * 15))}%, var(--heat-zero))`;
}

interface Props {
  heatmap: MonitoringHeatmap;
  width: number;
  selectedWindow: string | null;
  selectedColumn: string | null;
  onSelect: (window: string, column: string) => void;
}

/** Redraws when the theme changes: the canvas' colours are read from CSS variables once per draw. */
function useTheme(): string | null {
  const [theme, setTheme] = useState(() => document.documentElement.getAttribute('data-theme'));
  useEffect(() => {
    const observer = new MutationObserver(() => setTheme(document.documentElement.getAttribute('data-theme')));
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme', 'class', 'style'] });
    return () => observer.disconnect();
  }, []);
  return theme;
}

/**
 * Features down, windows across; each cell one window's drift statistic of one feature, drifted
 * cells marked with a dot. Every cell is drawn on a canvas; the selected window's column, the
 * selected feature's row and the hovered cell are also SVG elements (gridcells with their verdict)
 * for the pointer, assistive technology and tests, without building thousands of elements.
 */
export function DriftHeatmap({ heatmap, width, selectedWindow, selectedColumn, onSelect }: Props) {
  const [hover, setHover] = useState<{ i: number; j: number } | null>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const theme = useTheme();
  const columns = heatmap.windowIds.length;
  const cell = columns ? Math.max(DRAWN_MIN_CELL, Math.floor((width - LABEL_WIDTH) / columns)) : MIN_CELL;
  const svgWidth = LABEL_WIDTH + cell * columns;
  const height = heatmap.features.length * CELL_HEIGHT + AXIS_HEIGHT;
  useEffect(() => {
    if (canvas.current) drawHeatmap(canvas.current, heatmap, cell, selectedColumn);
  }, [heatmap, cell, selectedColumn, theme]);
  const selectedI = heatmap.features.indexOf(selectedColumn ?? '');
  const selectedJ = heatmap.windowIds.indexOf(selectedWindow ?? '');
  const readout = hover ?? (selectedI >= 0 && selectedJ >= 0 ? { i: selectedI, j: selectedJ } : null);
  const describe = ({ i, j }: { i: number; j: number }) => {
    const drifted = heatmap.drifted[i]![j];
    const verdict = drifted === null ? 'no verdict' : drifted ? 'drift' : 'no drift';
    return `${columnLabel(heatmap.features[i]!)} · window ${heatmap.windowIds[j]} (${windowTime(heatmap.from[j]!)}) · statistic ${formatStat(heatmap.statistic[i]![j] ?? null)} · ${verdict}`;
  };
  const cellAt = (event: MouseEvent<HTMLDivElement>): { i: number; j: number } | null => {
    const box = event.currentTarget.getBoundingClientRect();
    const j = Math.floor((event.clientX - box.left - LABEL_WIDTH) / cell);
    const i = Math.floor((event.clientY - box.top) / CELL_HEIGHT);
    return i >= 0 && i < heatmap.features.length && j >= 0 && j < columns ? { i, j } : null;
  };
  const shown = new Map<string, { i: number; j: number }>();
  const show = (i: number, j: number) => shown.set(`${i}:${j}`, { i, j });
  if (selectedJ >= 0) heatmap.features.forEach((_, i) => show(i, selectedJ));
  if (selectedI >= 0) heatmap.windowIds.forEach((_, j) => show(selectedI, j));
  if (hover) show(hover.i, hover.j);
  return (
    <div className="drift-heatmap" data-testid="drift-heatmap" data-state="ready" data-windows={columns}>
      <p className="heatmap-readout" aria-live="polite">
        {readout ? describe(readout) : 'Hover a cell for its statistic; click it for both distributions.'}
      </p>
      <div className="heatmap-scroll">
        <div
          className="heatmap-plane"
          style={{ width: svgWidth, height }}
          onMouseLeave={() => setHover(null)}
          onMouseMove={(event) => {
            const at = cellAt(event);
            if (at?.i !== hover?.i || at?.j !== hover?.j) setHover(at);
          }}
          onClick={(event) => {
            const at = cellAt(event);
            if (at) onSelect(heatmap.windowIds[at.j]!, heatmap.features[at.i]!);
          }}
        >
          <canvas ref={canvas} aria-hidden="true" />
          <svg width={svgWidth} height={height} role="grid" aria-label="Drift statistic per feature and window">
            {[...shown.values()].map(({ i, j }) => {
              const feature = heatmap.features[i]!;
              const windowId = heatmap.windowIds[j]!;
              const drifted = heatmap.drifted[i]![j];
              const selected = j === selectedJ && i === selectedI;
              return (
                <rect
                  key={`${i}:${j}`}
                  role="gridcell"
                  aria-label={describe({ i, j })}
                  data-testid="heatmap-cell"
                  data-feature={feature}
                  data-window={windowId}
                  data-drifted={drifted === null ? 'none' : String(drifted)}
                  className={`heatmap-cell${selected ? ' selected' : ''}${hover?.i === i && hover.j === j ? ' hovered' : ''}`}
                  x={LABEL_WIDTH + j * cell + 0.5}
                  y={i * CELL_HEIGHT + 0.5}
                  width={cell - 1}
                  height={CELL_HEIGHT - 1}
                  rx={2}
                />
              );
            })}
          </svg>
        </div>
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
