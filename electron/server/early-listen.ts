import type { FastifyInstance } from 'fastify';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const API_PATH = /^\/(api|ajax-api|app-api|app-files)\//;

/** Requests held at most while the full app is being built; more are answered 503 at once. */
const MAX_HELD = 512;

/** How long close() lets requests in flight finish before it cuts their connections. */
const CLOSE_GRACE_MS = 2000;

/**
 * The requests a UI-only app answers as well as the full app would: the page, its assets and icon,
 * and the single-page app's own routes (GETs asking for HTML). Everything else waits.
 */
export function isUiRequest(request: IncomingMessage): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = (request.url ?? '').split('?')[0]!;
  if (path === '/' || path === '/index.html' || path === '/favicon.ico' || path === '/favicon.svg' || path.startsWith('/assets/')) return true;
  return !API_PATH.test(path) && path !== '/health' && path !== '/version' && (request.headers.accept ?? '').includes('text/html');
}

/**
 * One port, listening before the app behind it is ready. Until `serveAll`, the UI-only app given to
 * `serveUi` (same guards and headers) answers the page and its assets, and every other request is
 * held, unread, then handed to the full app in arrival order; `fail` answers the held ones instead.
 * Opening a bundle uses it so the browser loads the page while the bundle's store is still being
 * copied and checked: the page is up ~0.5 s sooner, and its first API call is answered as soon as
 * the runs can be read. Both apps route through fastify's own handler (`routing`); neither listens.
 */
export interface EarlyServer {
  readonly url: string;
  readonly port: number;
  serveUi(app: FastifyInstance): void;
  serveAll(app: FastifyInstance): void;
  /** The full app will not come: held and later requests get 503 with `message`, in the shape their API answers errors. */
  fail(message: string): void;
  /** Stops listening, lets requests in flight finish (CLOSE_GRACE_MS at most), closes the UI-only app. */
  close(): Promise<void>;
}

function answerUnavailable(request: IncomingMessage, response: ServerResponse, message: string): void {
  if (response.headersSent || response.destroyed) return;
  const code = 'TEMPORARILY_UNAVAILABLE';
  // The app API answers in its own shape, which the UI reads; everything else in MLflow's.
  const body = (request.url ?? '').startsWith('/app-api/') ? { ok: false, error: { code, message } } : { error_code: code, message };
  response.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', connection: 'close' });
  response.end(JSON.stringify(body));
}

export async function listenEarly(options: { host: string; port: number }): Promise<EarlyServer> {
  let ui: FastifyInstance | null = null;
  let full: FastifyInstance | null = null;
  let failure: string | null = null;
  let held: Array<[IncomingMessage, ServerResponse]> = [];
  const server = createServer((request, response) => {
    if (full) return full.routing(request, response);
    if (failure !== null) return answerUnavailable(request, response, failure);
    if (ui && isUiRequest(request)) return ui.routing(request, response);
    if (held.length >= MAX_HELD) return answerUnavailable(request, response, `The server is still starting and holds ${MAX_HELD} requests already; try again.`);
    held.push([request, response]);
  });
  // fastify's own defaults, which its listen() would have set.
  server.keepAliveTimeout = 72_000;
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const release = (handle: (request: IncomingMessage, response: ServerResponse) => void) => {
    const waiting = held;
    held = [];
    // A client that gave up while held has a destroyed socket: nothing to answer.
    for (const [request, response] of waiting) if (!request.socket.destroyed) handle(request, response);
  };
  let closing: Promise<void> | null = null;
  return {
    url: `http://${options.host}:${port}`,
    port,
    serveUi(app) {
      ui = app;
    },
    serveAll(app) {
      full = app;
      release((request, response) => app.routing(request, response));
    },
    fail(message) {
      failure = message;
      release((request, response) => answerUnavailable(request, response, message));
    },
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const grace = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        await closed;
        clearTimeout(grace);
        await ui?.close();
      })();
      return closing;
    },
  };
}
