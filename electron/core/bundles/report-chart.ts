/** One run's line in a report chart (nulls are gaps: NaN or infinite points). */
export interface ChartSeries {
  name: string;
  x: number[];
  y: Array<number | null>;
}

const WIDTH = 560;
const HEIGHT = 260;
const PAD = { left: 56, right: 12, top: 10, bottom: 30 };
/** Distinct on light and dark backgrounds (Okabe–Ito, colour-blind safe), repeated past eight runs. */
const COLORS = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#8C6D1F', '#7F7F7F'];

const escapeXml = (text: string): string => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function tickLabel(value: number): string {
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e5 || abs < 1e-3)) return value.toExponential(1);
  return Number(value.toPrecision(3)).toString();
}

/** Round tick values across [lo, hi]: steps of 1, 2 or 5 × a power of ten. */
function ticks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** An inline SVG line chart with axes, gridlines and a legend; no script, no external resource. */
export function reportChart(series: ChartSeries[], xLabel: string): string {
  let xMin = Infinity;
  let xMax = -Infinity;
  let yMin = Infinity;
  let yMax = -Infinity;
  for (const s of series) {
    s.x.forEach((x, i) => {
      const y = s.y[i];
      if (y === null || y === undefined || !Number.isFinite(y) || !Number.isFinite(x)) return;
      xMin = Math.min(xMin, x);
      xMax = Math.max(xMax, x);
      yMin = Math.min(yMin, y);
      yMax = Math.max(yMax, y);
    });
  }
  if (!Number.isFinite(xMin)) return '<p class="meta">No finite values to draw.</p>';
  if (xMax === xMin) xMax = xMin + 1;
  if (yMax === yMin) {
    yMax += Math.abs(yMax) * 0.05 || 1;
    yMin -= Math.abs(yMin) * 0.05 || 1;
  }
  // The y range widened to round ticks, so the lowest and highest gridlines frame the lines.
  const yTicks = ticks(yMin, yMax, 5);
  const yStep = yTicks.length > 1 ? yTicks[1]! - yTicks[0]! : 0;
  if (yStep > 0) {
    yMin = Math.floor(yMin / yStep + 1e-9) * yStep;
    yMax = Math.ceil(yMax / yStep - 1e-9) * yStep;
  }
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const sx = (x: number) => PAD.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const sy = (y: number) => PAD.top + (1 - (y - yMin) / (yMax - yMin)) * plotH;
  const parts: string[] = [];
  const gridlines = yStep > 0 ? Array.from({ length: Math.round((yMax - yMin) / yStep) + 1 }, (_, i) => Number((yMin + i * yStep).toPrecision(12))) : yTicks;
  for (const t of gridlines) {
    const y = sy(t).toFixed(1);
    parts.push(`<line class="grid" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y}" y2="${y}"/><text x="${PAD.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${tickLabel(t)}</text>`);
  }
  for (const t of ticks(xMin, xMax, 6)) {
    const x = sx(t).toFixed(1);
    parts.push(`<text x="${x}" y="${HEIGHT - PAD.bottom + 16}" text-anchor="middle">${tickLabel(t)}</text>`);
  }
  parts.push(`<text x="${WIDTH - PAD.right}" y="${HEIGHT - 2}" text-anchor="end">${escapeXml(xLabel)}</text>`);
  series.forEach((s, index) => {
    let d = '';
    let pen = 'M';
    s.x.forEach((x, i) => {
      const y = s.y[i];
      if (y === null || y === undefined || !Number.isFinite(y)) {
        pen = 'M';
        return;
      }
      d += `${pen}${sx(x).toFixed(1)} ${sy(y).toFixed(1)}`;
      pen = 'L';
    });
    if (d) parts.push(`<path d="${d}" fill="none" stroke="${COLORS[index % COLORS.length]}" stroke-width="1.5"><title>${escapeXml(s.name)}</title></path>`);
  });
  const legend = series.map((s, index) => `<span><i style="background:${COLORS[index % COLORS.length]}"></i>${escapeXml(s.name)}</span>`).join('');
  return `<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img">${parts.join('')}</svg><div class="legend">${legend}</div>`;
}
