import { useSyncExternalStore } from 'react';

/** Views of the app, addressed by the URL hash so reloads and the back button work in both shells. */
export type Route =
  | { view: 'experiments'; experimentId: string | null }
  | { view: 'run'; runId: string }
  | { view: 'compare'; runIds: string[] };

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'runs' && parts[1]) return { view: 'run', runId: parts[1] };
  if (parts[0] === 'compare') {
    const runs = new URLSearchParams(query).get('runs') ?? '';
    return { view: 'compare', runIds: runs.split(',').filter(Boolean) };
  }
  if (parts[0] === 'experiments' && parts[1]) return { view: 'experiments', experimentId: parts[1] };
  return { view: 'experiments', experimentId: null };
}

export function routeHref(route: Route): string {
  switch (route.view) {
    case 'run':
      return `#/runs/${encodeURIComponent(route.runId)}`;
    case 'compare':
      return `#/compare?runs=${route.runIds.map(encodeURIComponent).join(',')}`;
    default:
      return route.experimentId ? `#/experiments/${encodeURIComponent(route.experimentId)}` : '#/';
  }
}

export function navigate(route: Route): void {
  window.location.hash = routeHref(route);
}

function subscribe(callback: () => void): () => void {
  window.addEventListener('hashchange', callback);
  return () => window.removeEventListener('hashchange', callback);
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}
