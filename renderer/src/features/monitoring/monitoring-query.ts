import { routeHref } from '../../app/router';

/** The monitoring tab's place in the model page's hash query: version, window and feature survive a reload and make links. */
export interface MonitoringQuery {
  version: string | null;
  window: string | null;
  feature: string | null;
}

export function readMonitoringQuery(): MonitoringQuery {
  const query = new URLSearchParams(window.location.hash.split('?')[1] ?? '');
  return { version: query.get('version'), window: query.get('window'), feature: query.get('feature') };
}

export function monitoringHref(model: string, query: Partial<MonitoringQuery>): string {
  const params = new URLSearchParams();
  if (query.version) params.set('version', query.version);
  params.set('tab', 'monitoring');
  if (query.window) params.set('window', query.window);
  if (query.feature) params.set('feature', query.feature);
  return `${routeHref({ view: 'model', name: model })}?${params.toString()}`;
}

/** Keeps the address in step with what is shown, without a history entry per click. */
export function writeMonitoringQuery(model: string, query: MonitoringQuery): void {
  window.history.replaceState(null, '', monitoringHref(model, query));
}
