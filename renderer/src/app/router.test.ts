import { describe, expect, it } from 'vitest';
import { parseRoute, routeHref, type Route } from './router';

describe('dataset and training routes', () => {
  it('round-trips through the address, keeping name@version readable', () => {
    const routes: Route[] = [
      { view: 'datasets' },
      { view: 'dataset', ref: 'iris' },
      { view: 'dataset', ref: 'Churn-Data_2024.v2@12' },
      { view: 'new-run', dataset: null },
      { view: 'new-run', dataset: 'iris@3' },
    ];
    for (const route of routes) expect(parseRoute(routeHref(route))).toEqual(route);
    expect(routeHref({ view: 'dataset', ref: 'iris@2' })).toBe('#/datasets/iris@2');
    expect(routeHref({ view: 'new-run', dataset: 'iris@2' })).toBe('#/new-run?dataset=iris@2');
  });

  it('leaves the existing routes as they were', () => {
    expect(parseRoute('#/runs/abc')).toEqual({ view: 'run', runId: 'abc' });
    expect(parseRoute('#/')).toEqual({ view: 'experiments', experimentId: null });
    expect(parseRoute('#/new-run?dataset=')).toEqual({ view: 'new-run', dataset: null });
  });
});
