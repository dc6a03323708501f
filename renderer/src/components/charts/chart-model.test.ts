import { describe, expect, it } from 'vitest';
import type { MetricSeries } from '../../../../shared/app-api/entities';
import { buildChartModel, emaSmooth, nearestIndex } from './chart-model';
import { linearTicks, niceLinearDomain, niceLogDomain, timeTicks } from './chart-scales';

const run = { runId: 'r1', name: 'run one', color: '#000' };

function series(y: Array<number | null>, extra: Partial<MetricSeries> = {}): MetricSeries {
  return { runId: 'r1', key: 'loss', total: y.length, sampled: false, x: y.map((_, i) => i), y, ...extra };
}

describe('emaSmooth', () => {
  it('is debiased: a constant series stays constant from the first point', () => {
    const out = emaSmooth([5, 5, 5].map((y, x) => ({ x, y })), 0.9);
    expect(out.map((p) => p.y)).toEqual([5, 5, 5].map(() => expect.closeTo(5, 10)));
  });
  it('keeps gaps as gaps and carries the average across them', () => {
    const out = emaSmooth([{ x: 0, y: 0 }, { x: 1, y: null }, { x: 2, y: 10 }], 0.5);
    expect(out[1]!.y).toBeNull();
    // (0.5*0 + 0.5*0)… then 0.5*(0.5*0)+0.5*10 = 5, debiased by 1-0.25 → 6.67
    expect(out[2]!.y).toBeCloseTo(6.667, 2);
  });
  it('with weight 0 returns the input values', () => {
    expect(emaSmooth([1, 4, 2].map((y, x) => ({ x, y })), 0).map((p) => p.y)).toEqual([1, 4, 2]);
  });
});

describe('buildChartModel', () => {
  it('counts drawn points and leaves NaN gaps out of the count', () => {
    const model = buildChartModel([series([1, null, 3])], [run], { smoothing: 0, logScale: false, yTickCount: 4 });
    expect(model.pointsDrawn).toBe(2);
    expect(model.lines[0]!.smooth).toBeNull();
  });
  it('hides non-positive values on a log scale and says how many', () => {
    const model = buildChartModel([series([0.1, 0, -2, 10])], [run], { smoothing: 0, logScale: true, yTickCount: 4 });
    expect(model.hiddenNonPositive).toBe(2);
    expect(model.yDomain).toEqual([0.1, 10]);
  });
  it('extends the y-domain to the band so a spike inside a bucket is on the chart', () => {
    const sampled = series([1, 1, 1], { sampled: true, total: 3000, yMin: [0.9, 0.8, 0.9], yMax: [1.1, 50, 1.2] });
    const model = buildChartModel([sampled], [run], { smoothing: 0, logScale: false, yTickCount: 4 });
    expect(model.bandMax).toBe(50);
    expect(model.yDomain[1]).toBeGreaterThanOrEqual(50);
  });
  it('orders wall-time points by x when timestamps went backwards', () => {
    const model = buildChartModel([{ ...series([1, 2, 3]), x: [30, 10, 20] }], [run], { smoothing: 0, logScale: false, yTickCount: 4 });
    expect(model.lines[0]!.raw.map((p) => p.x)).toEqual([10, 20, 30]);
    expect(model.lines[0]!.raw.map((p) => p.y)).toEqual([2, 3, 1]);
  });
  it('skips runs without the metric', () => {
    const model = buildChartModel([series([1, 2])], [run, { runId: 'r2', name: 'two', color: '#111' }], { smoothing: 0.5, logScale: false, yTickCount: 4 });
    expect(model.lines).toHaveLength(1);
    expect(model.lines[0]!.smooth).toHaveLength(2);
  });
});

describe('scales', () => {
  it('gives round linear ticks', () => {
    expect(linearTicks(0, 1, 4)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(niceLinearDomain(0.12, 2.31, 4)).toEqual({ domain: [0, 3], ticks: [0, 1, 2, 3] });
    expect(niceLinearDomain(0.5, 0.95, 4).ticks).toEqual([0.4, 0.6, 0.8, 1]);
  });
  it('gives decades on a log scale', () => {
    expect(niceLogDomain(0.03, 4)).toEqual({ domain: [0.01, 10], ticks: [0.01, 0.1, 1, 10] });
    expect(niceLogDomain(0.3, 4).ticks).toEqual([0.1, 0.2, 0.5, 1, 2, 5, 10]);
  });
  it('puts time ticks on round intervals', () => {
    expect(timeTicks(5, 400, 4)).toEqual([120, 240, 360]);
  });
  it('finds the nearest point', () => {
    const points = [0, 10, 20, 30].map((x) => ({ x, y: x }));
    expect(nearestIndex(points, 14)).toBe(1);
    expect(nearestIndex(points, 16)).toBe(2);
    expect(nearestIndex(points, 99)).toBe(3);
  });
});
