import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';

/**
 * The built UI's page and assets held in memory and answered in the turn their request is read.
 *
 * Only the UI-only app of an early listener uses it (a bundle's server, early-listen.ts). That app
 * answers the page while the same thread loads the full app's modules and opens the bundle, in
 * steps of up to ~150 ms each (one chunk's compile). Served from disk, each file took four of the
 * thread's turns (stat, open, read, close on the thread pool), each waiting behind such a step: the
 * page reached the browser 0.4-0.7 s after the port listened, against 0.1 s for `mldesk serve`.
 * From memory it takes one. Source maps are left to the full app (only devtools ask for them).
 */

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
};

interface UiFile {
  body: Buffer;
  type: string;
  etag: string;
  lastModified: string;
}

function load(path: string): UiFile | null {
  const type = TYPES[extname(path)];
  if (!type) return null;
  const stat = statSync(path);
  // The validators @fastify/static (send) gives the same file, so a cached copy stays valid when the full app takes over.
  return { body: readFileSync(path), type, etag: `W/"${stat.size.toString(16)}-${stat.mtime.getTime().toString(16)}"`, lastModified: stat.mtime.toUTCString() };
}

/** Reads the UI's files: index.html, favicon.svg and every asset but source maps. */
export function loadUiFiles(uiDir: string): Map<string, UiFile> {
  const files = new Map<string, UiFile>();
  const page = load(join(uiDir, 'index.html'));
  if (page) files.set('/', page).set('/index.html', page);
  const icon = load(join(uiDir, 'favicon.svg'));
  if (icon) files.set('/favicon.svg', icon).set('/favicon.ico', icon);
  let assets: string[] = [];
  try {
    assets = readdirSync(join(uiDir, 'assets'));
  } catch {
    // A UI built without assets has nothing more to hold.
  }
  for (const name of assets) {
    if (name.endsWith('.map')) continue;
    const file = load(join(uiDir, 'assets', name));
    if (file) files.set(`/assets/${name}`, file);
  }
  return files;
}

function answer(file: UiFile, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.header('cache-control', 'public, max-age=0').header('last-modified', file.lastModified).header('etag', file.etag).type(file.type);
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  return reply.send(file.body);
}

/** GET (and HEAD) routes for each file, through the app's guards and headers like any route. */
export function registerPreloadedUi(app: FastifyInstance, files: Map<string, UiFile>): void {
  for (const [path, file] of files) app.get(path, (request, reply) => answer(file, request, reply));
}

/** The page, for the client-side routes of the single-page UI (the not-found handler). */
export function preloadedPage(files: Map<string, UiFile>, request: FastifyRequest, reply: FastifyReply): FastifyReply | null {
  const page = files.get('/index.html');
  return page ? answer(page, request, reply) : null;
}
