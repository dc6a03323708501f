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

describe('model routes', () => {
  it('round-trips the list and a model whose name needs escaping, ignoring the page’s own query', () => {
    for (const route of [{ view: 'models' }, { view: 'model', name: 'iris' }, { view: 'model', name: 'team/churn v2' }] as Route[]) expect(parseRoute(routeHref(route))).toEqual(route);
    expect(routeHref({ view: 'model', name: 'team/churn' })).toBe('#/models/team%2Fchurn');
    expect(parseRoute('#/models/iris?version=3&tab=predictions')).toEqual({ view: 'model', name: 'iris' });
  });
});

describe('jobs routes', () => {
  it('round-trips the jobs page and a job drawer', () => {
    for (const route of [{ view: 'jobs', jobId: null }, { view: 'jobs', jobId: '0123456789abcdef0123456789abcdef' }] as Route[]) expect(parseRoute(routeHref(route))).toEqual(route);
    expect(routeHref({ view: 'jobs', jobId: null })).toBe('#/jobs');
  });
});
