import { columnLabel, windowTime, type MonitoringHeatmap } from './monitoring-types';

export const LABEL_WIDTH = 150;
export const CELL_HEIGHT = 22;
export const AXIS_HEIGHT = 22;

type Rgb = [number, number, number];

function parseColor(text: string): Rgb | null {
  const hex = /^#([0-9a-f]{6})$/i.exec(text.trim());
  if (hex) return [0, 2, 4].map((k) => parseInt(hex[1]!.slice(k, k + 2), 16)) as Rgb;
  const rgb = /^rgba?\(\s*(\d+)[ ,]+(\d+)[ ,]+(\d+)/.exec(text.trim());
  return rgb ? [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])] : null;
}

/** `color-mix(in srgb, a p%, b)`, which canvas cannot be trusted to parse: the same mix monitoring.css draws. */
function mix(a: Rgb, b: Rgb, share: number): string {
  return `rgb(${a.map((v, k) => Math.round(v * share + b[k]! * (1 - share))).join(',')})`;
}

/** Ten colour steps (neutral → amber below the threshold, red past it), as the legend's cellFill but stepped. */
function fillFor(score: number | null, colors: { warn: Rgb; danger: Rgb; zero: Rgb }): string | null {
  if (score === null) return null;
  if (score < 1) return mix(colors.warn, colors.zero, Math.min(5, Math.floor(score * score * 6)) / 10);
  const level = Math.min(9, 6 + Math.floor((score - 1) / 1.5));
  return mix(colors.danger, colors.zero, [0.55, 0.7, 0.85, 1][level - 6]!);
}

/**
 * Draws every cell, label and tick of the heat map on one canvas: thousands of SVG elements took
 * over a second to build and lay out with 30 features × 400 windows. Colours come from the page's
 * CSS variables, so both themes match the SVG overlay (the selected window's and feature's cells).
 */
export function drawHeatmap(canvas: HTMLCanvasElement, heatmap: MonitoringHeatmap, cell: number, selectedColumn: string | null): void {
  const style = getComputedStyle(canvas);
  const css = (name: string) => style.getPropertyValue(name).trim();
  const zero = parseColor(css('--heat-zero')) ?? [230, 233, 239];
  const colors = { warn: parseColor(css('--warn')) ?? [181, 71, 8], danger: parseColor(css('--danger')) ?? [196, 50, 10], zero };
  const width = LABEL_WIDTH + cell * heatmap.windowIds.length;
  const height = heatmap.features.length * CELL_HEIGHT + AXIS_HEIGHT;
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const font = style.fontFamily;
  ctx.textBaseline = 'alphabetic';
  heatmap.features.forEach((feature, i) => {
    const y = i * CELL_HEIGHT;
    const selected = feature === selectedColumn;
    ctx.font = `${selected ? 700 : 400} 12px ${font}`;
    ctx.fillStyle = css(selected ? '--accent' : '--text');
    ctx.textAlign = 'end';
    const label = columnLabel(feature);
    ctx.fillText(label.length > 20 ? `${label.slice(0, 19)}…` : label, LABEL_WIDTH - 8, y + CELL_HEIGHT / 2 + 4);
    ctx.lineWidth = 0.5;
    ctx.strokeStyle = css('--border');
    for (let j = 0; j < heatmap.windowIds.length; j++) {
      const x = LABEL_WIDTH + j * cell + 0.5;
      const fill = fillFor(heatmap.score[i]![j] ?? null, colors);
      ctx.beginPath();
      ctx.roundRect(x, y + 0.5, cell - 1, CELL_HEIGHT - 1, 2);
      if (fill) {
        ctx.fillStyle = fill;
        ctx.fill();
      }
      ctx.stroke();
    }
    ctx.fillStyle = css('--panel');
    ctx.strokeStyle = css('--text');
    ctx.lineWidth = 1;
    for (let j = 0; j < heatmap.windowIds.length; j++) {
      if (!heatmap.drifted[i]![j]) continue;
      ctx.beginPath();
      ctx.arc(LABEL_WIDTH + j * cell + cell / 2, y + CELL_HEIGHT / 2, Math.min(3.5, cell / 4), 0, Math.PI * 2);
      ctx.fill();
      ctx.stroke();
    }
  });
  ctx.font = `400 11px ${font}`;
  ctx.fillStyle = css('--muted');
  ctx.textAlign = 'start';
  const tickEvery = Math.max(1, Math.ceil(110 / cell));
  const axisY = heatmap.features.length * CELL_HEIGHT + 15;
  for (let j = 0; j < heatmap.windowIds.length; j += tickEvery) ctx.fillText(windowTime(heatmap.from[j]!), LABEL_WIDTH + j * cell + 1, axisY);
}
