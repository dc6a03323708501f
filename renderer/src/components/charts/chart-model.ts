import type { MetricSeries } from '../../../../shared/app-api/entities';
import { niceLinearDomain, niceLogDomain } from './chart-scales';

/** Pure transforms from server series to what the chart draws; memoised by the chart, tested beside it. */

export interface ChartRun {
  runId: string;
  name: string;
  color: string;
}

export interface ChartPoint {
  x: number;
  y: number | null;
}

export interface BandPoint {
  x: number;
  band: [number, number] | null;
}

export interface ChartLine {
  run: ChartRun;
  /** The series as logged (or bucket means when sampled), null where nothing can be drawn. */
  raw: ChartPoint[];
  /** The EMA-smoothed line; null when smoothing is off. */
  smooth: ChartPoint[] | null;
  /** Bucket min–max when the server sampled the series. */
  band: BandPoint[] | null;
  sampled: boolean;
  /** Points behind the series on the server. */
  total: number;
}

export interface ChartModel {
  lines: ChartLine[];
  xDomain: [number, number];
  yDomain: [number, number];
  yTicks: number[];
  /** Points of the main lines actually drawn (what the benchmark reads). */
  pointsDrawn: number;
  /** Values left out because the log scale cannot show them. */
  hiddenNonPositive: number;
  /** The largest band value, so a spike can be checked for. */
  bandMax: number | null;
}

/**
 * TensorBoard's debiased exponential moving average: early points are not dragged toward 0, and
 * gaps (NaN) keep the running average instead of resetting it.
 */
export function emaSmooth(points: ChartPoint[], weight: number): ChartPoint[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  let last = 0;
  let count = 0;
  const out = new Array<ChartPoint>(points.length);
  for (let i = 0; i < points.length; i++) {
    const { x, y } = points[i]!;
    if (y === null) {
      out[i] = { x, y: null };
      continue;
    }
    last = last * w + (1 - w) * y;
    count++;
    out[i] = { x, y: last / (1 - w ** count) };
  }
  return out;
}

/** Lines for the runs that have this metric, in the runs' order; values the log scale cannot show become gaps. */
export function buildLines(series: MetricSeries[], runs: ChartRun[], logScale: boolean): { lines: ChartLine[]; hiddenNonPositive: number } {
  let hidden = 0;
  const lines: ChartLine[] = [];
  for (const run of runs) {
    const found = series.find((candidate) => candidate.runId === run.runId);
    if (!found || found.x.length === 0) continue;
    const s = sortedByX(found);
    const raw = new Array<ChartPoint>(s.x.length);
    for (let i = 0; i < s.x.length; i++) {
      let y = s.y[i] ?? null;
      if (logScale && y !== null && y <= 0) {
        hidden++;
        y = null;
      }
      raw[i] = { x: s.x[i]!, y };
    }
    let band: BandPoint[] | null = null;
    if (s.sampled && s.yMin && s.yMax) {
      band = new Array<BandPoint>(s.x.length);
      for (let i = 0; i < s.x.length; i++) {
        let lo = s.yMin[i] ?? null;
        const hi = s.yMax[i] ?? null;
        const mean = raw[i]!.y;
        // On a log scale the band's lower edge falls back to the mean, so upward spikes still show.
        if (logScale && lo !== null && lo <= 0) lo = mean;
        band[i] = { x: s.x[i]!, band: lo === null || hi === null || (logScale && hi <= 0) ? null : [lo, hi] };
      }
    }
    lines.push({ run, raw, smooth: null, band, sampled: s.sampled, total: s.total });
  }
  return { lines, hiddenNonPositive: hidden };
}

/** Histories come ordered by step; by wall time they can go back (clock changes, resumed runs), and lines need x order. */
function sortedByX(series: MetricSeries): MetricSeries {
  let sorted = true;
  for (let i = 1; i < series.x.length && sorted; i++) sorted = series.x[i - 1]! <= series.x[i]!;
  if (sorted) return series;
  const order = series.x.map((_, i) => i).sort((a, b) => series.x[a]! - series.x[b]!);
  const pick = <T,>(values: T[] | undefined) => values && order.map((i) => values[i]!);
  return { ...series, x: pick(series.x)!, y: pick(series.y)!, yMin: pick(series.yMin), yMax: pick(series.yMax) };
}

export function withSmoothing(lines: ChartLine[], smoothing: number): ChartLine[] {
  if (smoothing <= 0) return lines;
  return lines.map((line) => ({ ...line, smooth: emaSmooth(line.raw, smoothing) }));
}

/** Domains over everything drawn: raw values, smoothed values and band extremes. */
export function chartDomains(lines: ChartLine[], logScale: boolean, yTickCount: number): Pick<ChartModel, 'xDomain' | 'yDomain' | 'yTicks' | 'bandMax'> {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  let bandMax: number | null = null;
  const seeY = (y: number | null) => {
    if (y === null || !Number.isFinite(y)) return;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  };
  for (const line of lines) {
    for (const point of line.raw) {
      if (point.x < x0) x0 = point.x;
      if (point.x > x1) x1 = point.x;
      seeY(point.y);
    }
    if (line.band) {
      for (const point of line.band) {
        if (!point.band) continue;
        seeY(point.band[0]);
        seeY(point.band[1]);
        if (bandMax === null || point.band[1] > bandMax) bandMax = point.band[1];
      }
    }
  }
  if (x0 === Infinity) {
    x0 = 0;
    x1 = 1;
  } else if (x0 === x1) {
    x0 -= 1;
    x1 += 1;
  }
  if (y0 === Infinity) {
    y0 = logScale ? 1 : 0;
    y1 = logScale ? 10 : 1;
  }
  const { domain, ticks } = logScale ? niceLogDomain(y0, y1) : niceLinearDomain(y0, y1, yTickCount);
  return { xDomain: [x0, x1], yDomain: domain, yTicks: ticks, bandMax };
}

export function buildChartModel(series: MetricSeries[], runs: ChartRun[], options: { smoothing: number; logScale: boolean; yTickCount: number }): ChartModel {
  const { lines, hiddenNonPositive } = buildLines(series, runs, options.logScale);
  const smoothed = withSmoothing(lines, options.smoothing);
  let pointsDrawn = 0;
  for (const line of smoothed) for (const point of line.raw) if (point.y !== null) pointsDrawn++;
  return { lines: smoothed, ...chartDomains(smoothed, options.logScale, options.yTickCount), pointsDrawn, hiddenNonPositive };
}

/** Index of the point nearest to x in a list sorted by x. */
export function nearestIndex(points: ChartPoint[], x: number): number {
  let lo = 0;
  let hi = points.length - 1;
  if (hi < 0) return -1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.x < x) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(points[lo - 1]!.x - x) <= Math.abs(points[lo]!.x - x)) return lo - 1;
  return lo;
}

/** Each series without its points at or past `endX` (see curveEnd on the run page); unchanged when endX is undefined. */
export function trimSeries(series: MetricSeries[], endX: number | undefined): MetricSeries[] {
  if (endX === undefined) return series;
  // Relative time is a division: a point logged at endX may land a rounding error below it.
  const limit = endX - Math.abs(endX) * 1e-12;
  return series.map((s) => {
    const keep = s.x.map((x) => x < limit);
    if (keep.every(Boolean)) return s;
    const pick = <T,>(values: T[] | undefined) => values?.filter((_, i) => keep[i]);
    return { ...s, x: pick(s.x)!, y: pick(s.y)!, ...(s.yMin ? { yMin: pick(s.yMin) } : {}), ...(s.yMax ? { yMax: pick(s.yMax) } : {}) };
  });
}
