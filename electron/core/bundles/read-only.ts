import type { OperationName } from '../../../shared/app-api/operations.js';
import { permissionDenied, type MLDeskError } from '../errors.js';

/**
 * What a bundle opened read-only answers. Both lists name the READS: anything not on them (a write
 * added later included) is refused by default, so forgetting to list a new operation makes it
 * unavailable in a bundle rather than able to change it.
 */

/** App operations that only read, or write only to the reviewer's own data dir (never the bundle's store). */
export const READ_ONLY_OPERATIONS: ReadonlySet<OperationName> = new Set<OperationName>([
  'session.get',
  'bundle.info',
  'experiments.list',
  'runs.columns',
  'runs.page',
  'runs.get',
  'runs.lineage',
  'runs.reproduceCheck',
  'runs.evaluation',
  'metrics.series',
  'artifacts.list',
  'artifacts.preview',
  'datasets.list',
  'datasets.get',
  'datasets.samples',
  'models.list',
  'models.get',
  'models.aliasHistory',
  'models.settings',
  'qualityTests.list',
  'training.jobs',
  'training.backends',
  'deployments.list',
  'predictions.page',
  'predictions.example',
  'predictions.get',
  'predictions.stats',
  'predictions.refusals',
  'predictions.quality',
  'monitoring.settings',
  'monitoring.overview',
  'monitoring.heatmap',
  'monitoring.cell',
  'monitoring.lineage',
  'alerts.list',
  'ct.policy.get',
  'ct.policy.list',
  'pipelines.list',
  'pipelines.get',
  'pipelines.shadow',
  'jobs.list',
  'jobs.get',
  'sweeps.list',
  'sweeps.get',
  'alerts.rules.list',
  'alerts.deliveries',
  'handoff.get',
  // The reviewer's own key (kept in their data dir) and the keys they trust, read there.
  'keys.show',
  'keys.list',
  // The review panel writes its draft and the review file to the reviewer's data dir, never the bundle.
  'reviews.comments',
  'reviews.draft',
  'reviews.draft.addComment',
  'reviews.draft.removeComment',
  'reviews.draft.update',
  'reviews.draft.save',
]);

/**
 * MLflow REST endpoints (after the /api/2.0/mlflow or /ajax-api/2.0/mlflow prefix) that MLflow's
 * clients call with POST but that only read. Every other non-GET request is a write.
 */
export const MLFLOW_READ_POSTS: ReadonlySet<string> = new Set([
  'experiments/search',
  'runs/search',
  'registered-models/search',
  'registered-models/get-latest-versions',
  'model-versions/search',
]);

const MLFLOW_PATH = /^\/(?:api|ajax-api)\/2\.0\/mlflow\/([^?]*)/;

/** The operation a POST /app-api/<op> names, or null for another path. */
export function appOperationOf(path: string): string | null {
  const match = /^\/app-api\/([^/?]+)$/.exec(path.split('?')[0]!);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return match[1]!;
  }
}

/** Whether an HTTP request only reads: GET/HEAD anywhere, MLflow's read-only POSTs, and app operations judged per operation. */
export function isReadRequest(method: string, url: string): boolean {
  if (method === 'GET' || method === 'HEAD') return true;
  if (method !== 'POST') return false;
  const path = url.split('?')[0]!;
  const operation = appOperationOf(path);
  if (operation !== null) return READ_ONLY_OPERATIONS.has(operation as OperationName);
  const mlflow = MLFLOW_PATH.exec(path);
  return mlflow !== null && MLFLOW_READ_POSTS.has(mlflow[1]!.replace(/\/+$/, ''));
}

export function readOnlyError(what: string): MLDeskError {
  return permissionDenied(`${what} is refused: the bundle is read-only (it is shown as its author exported it; import it with \`mldesk bundle import\` to work on a copy).`);
}

/** The handlers with every operation that may write replaced by a PERMISSION_DENIED refusal. */
export function readOnlyHandlers<H extends Record<string, unknown>>(handlers: H): H {
  const guarded: Record<string, unknown> = { ...handlers };
  for (const name of Object.keys(handlers)) {
    if (READ_ONLY_OPERATIONS.has(name as OperationName)) continue;
    guarded[name] = () => {
      throw readOnlyError(`The operation '${name}'`);
    };
  }
  return guarded as H;
}
