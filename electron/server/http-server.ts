import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { knownError } from '../core/errors.js';
import { drained } from '../core/request-drain.js';
import { isLoopback, requireBearerToken } from '../core/http-auth.js';
import type { TrackingStore } from '../core/store/tracking-store.js';
import { parseJsonBody } from '../core/json-body.js';
import { createAppHandlers } from '../api/app-handlers.js';
import { deploymentsOf } from '../api/deployment-manager.js';
import { registerAppApiRoutes } from './app-api-routes.js';
import { registerArtifactRoutes } from './mlflow/artifact-routes.js';
import { registerRegistryRoutes } from './mlflow/registry-routes.js';
import { registerTrackingRoutes } from './mlflow/tracking-routes.js';

export interface ServerOptions {
  store: TrackingStore;
  /** Required when the server listens on anything but loopback. */
  token?: string;
  logger?: boolean;
  version: string;
  /** Built renderer to serve at `/`; defaults to dist/renderer beside this file's build. */
  uiDir?: string;
}

export { isLoopback };

const DEFAULT_UI_DIR = fileURLToPath(new URL('../../renderer', import.meta.url));
const API_PATH = /^\/(api|ajax-api|app-api|app-files)\//;

/** MLflow's error shape: {"error_code": ..., "message": ...} with the matching HTTP status. */
function errorReply(error: unknown): { status: number; body: { error_code: string; message: string } } {
  const known = knownError(error);
  if (known) return { status: known.httpStatus, body: { error_code: known.code, message: known.message } };
  const fastifyError = error as FastifyError;
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return {
      status: 400,
      body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'The request body exceeds the size limit of this endpoint (log-batch accepts at most 1 MB).' },
    };
  }
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return { status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: `Bad Request. Content-Type must be application/json: ${fastifyError.message}` } };
  }
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return { status: fastifyError.statusCode, body: { error_code: 'BAD_REQUEST', message: fastifyError.message } };
  }
  return { status: 500, body: { error_code: 'INTERNAL_ERROR', message: `Internal error: ${(error as Error).message ?? String(error)}` } };
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 64 * 1024 * 1024,
    // Run ids and artifact paths can be long; MLflow clients never send oversized URLs otherwise.
    routerOptions: { maxParamLength: 2048 },
    return503OnClosing: true,
  });

  app.removeContentTypeParser('application/json');
  // Some MLflow clients post JSON without a content type, or as text/plain.
  app.addContentTypeParser(['application/json', 'text/plain', 'application/x-www-form-urlencoded'], { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string, { nonFinite: 'strings' }));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  // A web page the user visits could otherwise post to this loopback server (text/plain bodies
  // need no CORS preflight). Browsers send Origin on such requests; MLflow clients send none.
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin === undefined || (origin === 'null' && request.method === 'GET')) return;
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = '';
    }
    if (originHost !== request.headers.host) {
      return reply
        .code(403)
        .send({ error_code: 'PERMISSION_DENIED', message: `Cross-origin request from ${origin} refused: only the MLDesk UI served here may call this API.` });
    }
  });

  if (options.token) requireBearerToken(app, options.token);

  app.setErrorHandler(async (error, request, reply) => {
    const { status, body } = errorReply(error);
    if (status >= 500) request.log.error(error);
    if ((error as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE') await drained(request.raw);
    return reply.code(status).send(body);
  });
  const uiDir = options.uiDir ?? DEFAULT_UI_DIR;
  const hasUi = existsSync(`${uiDir}/index.html`);
  if (hasUi) {
    await app.register(fastifyStatic, { root: uiDir, prefix: '/', index: 'index.html', wildcard: false });
  } else {
    app.get('/', async (_request, reply) =>
      reply.type('text/plain; charset=utf-8').send('MLDesk tracking server. The UI is not built: run `npm run build`.\n'),
    );
  }
  app.setNotFoundHandler((request, reply) => {
    // Client-side routes of the single-page UI load index.html; API paths get MLflow's error shape.
    if (hasUi && request.method === 'GET' && !API_PATH.test(request.url) && (request.headers.accept ?? '').includes('text/html')) {
      return reply.sendFile('index.html');
    }
    return reply.code(404).send({ error_code: 'ENDPOINT_NOT_FOUND', message: `No endpoint ${request.method} ${request.url.split('?')[0]}` });
  });

  app.get('/health', async () => 'OK');
  app.get('/version', async () => options.version);

  registerTrackingRoutes(app, options.store);
  registerRegistryRoutes(app, options.store);
  registerAppApiRoutes(app, options.store, createAppHandlers(options.store));
  // Prediction servers started from the app live in this process: they stop before the database closes.
  app.addHook('onClose', () => deploymentsOf(options.store).stopAll());
  await registerArtifactRoutes(app, options.store);
  return app;
}
