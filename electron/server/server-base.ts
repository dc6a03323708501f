import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { SCHEMALESS } from '../core/schemaless-fastify.js';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { knownError } from '../core/errors.js';
import { drained } from '../core/request-drain.js';
import { isLoopback, type NamedToken } from '../core/http-auth.js';
import { frameworkErrorReply, installRequestGuards } from '../core/http-guards.js';
import type { Services } from '../core/services.js';
import { parseJsonBody } from '../core/json-body.js';
import { requireLaunchSecret } from './launch-secret.js';
import { sendUiSecurityHeaders } from './ui-security.js';
import { registerCallerAuth } from './token-login.js';
import { installReadOnlyGuard } from './read-only-guard.js';

export interface ServerOptions {
  /** Built by the entry point (core/services.ts); the server does not close them. */
  services: Services;
  /** Named bearer tokens; required when the server listens on anything but loopback. */
  tokens?: readonly NamedToken[];
  logger?: boolean;
  version: string;
  /** Built renderer to serve at `/`; defaults to dist/renderer beside this file's build. */
  uiDir?: string;
  /** The desktop app's per-launch secret: when set, every request must carry it (launch-secret.ts). */
  launchSecret?: string;
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

/** What the UI-only app of an early listener needs: buildServer's options without the services (early-listen.ts). */
export type UiServerOptions = Omit<ServerOptions, 'services'>;

/**
 * The part of every MLDesk server that needs no store: body parsing, the Host/Origin and launch
 * secret guards, caller auth, security headers, the error shape, the built UI and /health, /version.
 */
export async function buildBase(options: UiServerOptions, bundle: Services['bundle']): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 64 * 1024 * 1024,
    // Run ids and artifact paths can be long; MLflow clients never send oversized URLs otherwise.
    routerOptions: { maxParamLength: 2048 },
    return503OnClosing: true,
    frameworkErrors: frameworkErrorReply,
    ...SCHEMALESS,
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

  // Without a token, the Host check is what stops DNS rebinding; the Origin check always applies.
  installRequestGuards(app, { loopbackHostOnly: (options.tokens ?? []).length === 0 });
  if (options.launchSecret !== undefined) requireLaunchSecret(app, options.launchSecret);
  sendUiSecurityHeaders(app);

  registerCallerAuth(app, options.tokens ?? []);
  if (bundle) installReadOnlyGuard(app, bundle);

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
    // Browsers ask for /favicon.ico whatever the page links (the login page, a downloaded CSV): the SVG serves.
    app.get('/favicon.ico', async (_request, reply) => reply.type('image/svg+xml').header('cache-control', 'max-age=86400').sendFile('favicon.svg'));
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
  return app;
}

/**
 * A server that answers only the UI's files, with the same guards and headers as buildServer's: a
 * bundle's server listens with it while the bundle's store is still being copied and checked, so the
 * browser loads the page meanwhile; everything else waits for the full app (early-listen.ts).
 */
export async function buildUiServer(options: UiServerOptions): Promise<FastifyInstance> {
  const app = await buildBase(options, null);
  await app.ready();
  return app;
}

