import type { XAxis } from '../../../../shared/app-api/entities';

/** Axis domains and ticks are computed here rather than by recharts, so the hover overlay maps pixels with the same scale. */

const NICE_STEPS = [1, 2, 2.5, 5, 10];

/** About `count` evenly spaced round numbers inside [lo, hi]. */
export function linearTicks(lo: number, hi: number, count: number): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = magnitude * (NICE_STEPS.find((s) => s * magnitude >= raw) ?? 10);
  const ticks: number[] = [];
  for (let value = Math.ceil(lo / step) * step; value <= hi + step * 1e-9; value += step) {
    // Rounding keeps 0.30000000000000004 out of the labels.
    ticks.push(Number(value.toPrecision(12)));
  }
  return ticks;
}

/** A y-domain extended to round numbers at both ends, with its ticks. */
export function niceLinearDomain(lo: number, hi: number, count: number): { domain: [number, number]; ticks: number[] } {
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = magnitude * (NICE_STEPS.find((s) => s * magnitude >= raw) ?? 10);
  const domain: [number, number] = [Math.floor(lo / step) * step, Math.ceil(hi / step) * step];
  return { domain, ticks: linearTicks(domain[0], domain[1], count) };
}

/** Powers of ten covering [lo, hi] (both > 0); with a narrow range, 1-2-5 steps in between. */
export function niceLogDomain(lo: number, hi: number): { domain: [number, number]; ticks: number[] } {
  const first = Math.floor(Math.log10(lo));
  const last = Math.max(first + 1, Math.ceil(Math.log10(hi)));
  const decades = last - first;
  const ticks: number[] = [];
  for (let exponent = first; exponent <= last; exponent++) {
    const base = 10 ** exponent;
    ticks.push(base);
    if (decades <= 2 && exponent < last) ticks.push(2 * base, 5 * base);
  }
  return { domain: [10 ** first, 10 ** last], ticks: ticks.map((t) => Number(t.toPrecision(12))) };
}

const SECOND = 1;
const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;
const TIME_STEPS = [1, 2, 5, 10, 15, 30, MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY];

/** Ticks for a time range given in seconds, on round clock intervals. */
export function timeTicks(loSeconds: number, hiSeconds: number, count: number): number[] {
  const raw = (hiSeconds - loSeconds) / Math.max(1, count);
  if (raw < SECOND) return linearTicks(loSeconds, hiSeconds, count);
  const step = TIME_STEPS.find((s) => s >= raw) ?? Math.ceil(raw / (7 * DAY)) * 7 * DAY;
  // Wall-clock ticks fall on local round times (e.g. 14:00, not 13:59:43 UTC offsets).
  const offset = step >= HOUR ? new Date(loSeconds * 1000).getTimezoneOffset() * 60 : 0;
  const ticks: number[] = [];
  for (let value = Math.ceil((loSeconds - offset) / step) * step + offset; value <= hiSeconds; value += step) ticks.push(value);
  return ticks;
}

/** Ticks for the x-axis mode; wall time is in ms, relative time in seconds, steps are integers. */
export function xTicks(mode: XAxis, lo: number, hi: number, count: number): number[] {
  if (mode === 'wall') return timeTicks(lo / 1000, hi / 1000, count).map((s) => s * 1000);
  if (mode === 'relative') return timeTicks(lo, hi, count);
  return linearTicks(lo, hi, count).filter((t) => Number.isInteger(t));
}

/** 1.2k, 35M: short labels for axes. */
export function formatCompact(value: number): string {
  const abs = Math.abs(value);
  if (abs === 0) return '0';
  if (abs >= 1e9) return `${trim(value / 1e9)}B`;
  if (abs >= 1e6) return `${trim(value / 1e6)}M`;
  if (abs >= 1e4) return `${trim(value / 1e3)}k`;
  if (abs < 1e-4) return value.toExponential(1).replace('.0e', 'e');
  return trim(value);
}

function trim(value: number): string {
  return String(Number(value.toPrecision(4)));
}

/** 1h 05m, 42s, 3.5s: a duration given in seconds. */
export function formatSeconds(seconds: number): string {
  const sign = seconds < 0 ? '-' : '';
  const s = Math.abs(seconds);
  if (s < 10) return `${sign}${trim(s)}s`;
  if (s < MINUTE) return `${sign}${Math.round(s)}s`;
  if (s < HOUR) {
    const m = Math.floor(s / MINUTE);
    const rest = Math.round(s % MINUTE);
    return rest ? `${sign}${m}m ${String(rest).padStart(2, '0')}s` : `${sign}${m}m`;
  }
  if (s < DAY) {
    const h = Math.floor(s / HOUR);
    const rest = Math.round((s % HOUR) / MINUTE);
    return rest ? `${sign}${h}h ${String(rest).padStart(2, '0')}m` : `${sign}${h}h`;
  }
  const d = Math.floor(s / DAY);
  const rest = Math.round((s % DAY) / HOUR);
  return rest ? `${sign}${d}d ${rest}h` : `${sign}${d}d`;
}

/** A wall-clock label whose precision follows the visible range. */
export function formatWall(ms: number, rangeMs: number): string {
  const date = new Date(ms);
  if (rangeMs > 2 * DAY * 1000) return date.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  if (rangeMs > 5 * MINUTE * 1000) return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function xTickFormatter(mode: XAxis, range: number): (value: number) => string {
  if (mode === 'wall') return (value) => formatWall(value, range);
  if (mode === 'relative') return formatSeconds;
  return formatCompact;
}

/** The x value in a tooltip: exact steps, full timestamps. */
export function formatXValue(mode: XAxis, value: number): string {
  if (mode === 'wall') return new Date(value).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  if (mode === 'relative') return formatSeconds(value);
  return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(1);
}

export const X_AXIS_LABELS: Record<XAxis, string> = { step: 'Step', wall: 'Wall time', relative: 'Relative time' };
