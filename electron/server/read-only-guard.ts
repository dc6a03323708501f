import type { FastifyInstance, FastifyRequest } from 'fastify';
import { appOperationOf, isReadRequest, readOnlyError } from '../core/bundles/read-only.js';
import type { OpenBundleContext } from '../core/bundles/open-bundle.js';
import { MLDeskError } from '../core/errors.js';

/**
 * Requests that read artifact or dataset files (the artifact routes, and the app operations that look
 * into a run's files: evaluation, lineage, the model's files): they wait for the check to have written them.
 */
const ARTIFACT_URL =
  /^\/(?:(?:api|ajax-api)\/2\.0\/mlflow-artifacts\/|(?:api|ajax-api)\/2\.0\/mlflow\/artifacts\/|app-files\/artifacts\/|app-api\/(?:artifacts\.|runs\.evaluation|runs\.lineage|runs\.reproduceCheck|models\.get|predictions\.example|datasets\.get))/;
const PROXY_FILE = /^\/(?:api|ajax-api)\/2\.0\/mlflow-artifacts\/artifacts\/(.+)$/;

/** The `artifacts/…` entry an artifact-proxy download names, if it is one. */
function proxiedEntry(request: FastifyRequest): string | null {
  const match = PROXY_FILE.exec(request.url.split('?')[0]!);
  if (!match) return null;
  try {
    return `artifacts/${decodeURIComponent(match[1]!)}`;
  } catch {
    return null;
  }
}

/**
 * Serving a bundle read-only: every request that could write is answered 403 PERMISSION_DENIED
 * before any route sees it (MLflow's error shape), whatever the route; artifact reads wait for the
 * artifacts to be checked, and one that failed its check is refused by name. Installed after the
 * Host/Origin and auth guards, so those answer first as on `mldesk serve`.
 */
export function installReadOnlyGuard(app: FastifyInstance, bundle: OpenBundleContext): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!isReadRequest(request.method, request.url)) {
      const path = request.url.split('?')[0]!;
      const operation = appOperationOf(path);
      const error = readOnlyError(operation === null ? `${request.method} ${path}` : `The operation '${operation}'`);
      // The app API answers in its own shape, which the UI reads; everything else in MLflow's.
      const body = operation === null ? { error_code: error.code, message: error.message } : { ok: false, error: { code: error.code, message: error.message } };
      return reply.code(error.httpStatus).send(body);
    }
    if (!ARTIFACT_URL.test(request.url)) return;
    await bundle.artifactsChecked();
    const entry = proxiedEntry(request);
    const problem = entry === null ? null : bundle.artifactProblem(entry);
    if (problem !== null) throw new MLDeskError('INVALID_STATE', `This artifact is not served: it failed the bundle's integrity check (${problem}).`);
  });
}
