import { useSyncExternalStore } from 'react';

/** Views of the app, addressed by the URL hash so reloads and the back button work in both shells. */
export type Route =
  | { view: 'experiments'; experimentId: string | null }
  | { view: 'run'; runId: string }
  | { view: 'compare'; runIds: string[] }
  | { view: 'datasets' }
  /** `ref` is `name` or `name@version`; the page shows the latest version without one. */
  | { view: 'dataset'; ref: string }
  /** `dataset` preselects a dataset (`name` or `name@version`) in the form. */
  | { view: 'new-run'; dataset: string | null }
  | { view: 'models' }
  /** A registered model; the selected version and tab live in the hash's query (`?version=3&tab=predictions`). */
  | { view: 'model'; name: string }
  /** This installation's settings: its signing key and trusted keys. */
  | { view: 'settings' }
  /** Every job (training, trials, pipeline steps, commands); `jobId` opens its detail drawer. */
  | { view: 'jobs'; jobId: string | null }
  /** Continuous-training pipeline runs. */
  | { view: 'pipelines' }
  /** Hyperparameter sweeps, one sweep's page, and the New sweep form. */
  | { view: 'sweeps' }
  | { view: 'sweep'; id: string }
  | { view: 'new-sweep' };

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'runs' && parts[1]) return { view: 'run', runId: parts[1] };
  if (parts[0] === 'compare') {
    const runs = new URLSearchParams(query).get('runs') ?? '';
    return { view: 'compare', runIds: runs.split(',').filter(Boolean) };
  }
  if (parts[0] === 'datasets') return parts[1] ? { view: 'dataset', ref: parts[1] } : { view: 'datasets' };
  if (parts[0] === 'models') return parts[1] ? { view: 'model', name: parts[1] } : { view: 'models' };
  if (parts[0] === 'settings') return { view: 'settings' };
  if (parts[0] === 'jobs') return { view: 'jobs', jobId: parts[1] ?? null };
  if (parts[0] === 'pipelines') return { view: 'pipelines' };
  if (parts[0] === 'sweeps') return parts[1] === 'new' ? { view: 'new-sweep' } : parts[1] ? { view: 'sweep', id: parts[1] } : { view: 'sweeps' };
  if (parts[0] === 'new-run') return { view: 'new-run', dataset: new URLSearchParams(query).get('dataset') || null };
  if (parts[0] === 'experiments' && parts[1]) return { view: 'experiments', experimentId: parts[1] };
  return { view: 'experiments', experimentId: null };
}

export function routeHref(route: Route): string {
  switch (route.view) {
    case 'run':
      return `#/runs/${encodeURIComponent(route.runId)}`;
    case 'compare':
      return `#/compare?runs=${route.runIds.map(encodeURIComponent).join(',')}`;
    case 'datasets':
      return '#/datasets';
    case 'dataset':
      return `#/datasets/${encodeRef(route.ref)}`;
    case 'models':
      return '#/models';
    case 'model':
      return `#/models/${encodeURIComponent(route.name)}`;
    case 'settings':
      return '#/settings';
    case 'jobs':
      return route.jobId ? `#/jobs/${encodeURIComponent(route.jobId)}` : '#/jobs';
    case 'pipelines':
      return '#/pipelines';
    case 'sweeps':
      return '#/sweeps';
    case 'sweep':
      return `#/sweeps/${encodeURIComponent(route.id)}`;
    case 'new-sweep':
      return '#/sweeps/new';
    case 'new-run':
      return route.dataset ? `#/new-run?dataset=${encodeRef(route.dataset)}` : '#/new-run';
    default:
      return route.experimentId ? `#/experiments/${encodeURIComponent(route.experimentId)}` : '#/';
  }
}

/** Dataset refs keep their readable `name@version` form in the address bar. */
function encodeRef(ref: string): string {
  return encodeURIComponent(ref).replaceAll('%40', '@');
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
