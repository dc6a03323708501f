import type { FastifyInstance } from 'fastify';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { AppEvent } from '../../shared/app-api/events.js';
import type { AppHandlers } from '../api/app-handlers.js';
import { artifactKind, runArtifactFile, runArtifactRoot } from '../api/artifact-preview.js';
import { dispatch } from '../api/dispatch.js';
import { EventCoalescer } from '../core/app-events.js';
import { attachmentDisposition, isFolder, zipFolder } from '../core/exports/folder-zip.js';
import { notFound } from '../core/errors.js';
import type { TrackingStore } from '../core/store/tracking-store.js';
import { callerOf } from './token-login.js';

/**
 * A reader that has not drained its stream for this long, or behind on this many entities, is cut
 * off; EventSource reconnects by itself.
 */
const STALLED_READER_MS = 30_000;
const MAX_ENTITIES_BEHIND = 10_000;

const IMAGE_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', bmp: 'image/bmp' };

/**
 * The app API over HTTP for `mldesk serve` and browsers: POST /app-api/<operation> answers
 * `{ ok, value | error }`; GET /app-api/events streams push events as server-sent events.
 */
export function registerAppApiRoutes(app: FastifyInstance, store: TrackingStore, handlers: AppHandlers): void {
  app.post('/app-api/:operation', async (request, reply) => {
    const { operation } = request.params as { operation: string };
    const result = await dispatch(handlers, operation, request.body, callerOf(request));
    const status = result.ok
      ? 200
      : result.error.code === 'RESOURCE_DOES_NOT_EXIST' || result.error.code === 'ENDPOINT_NOT_FOUND'
        ? 404
        : result.error.code === 'INTERNAL_ERROR'
          ? 500
          : result.error.code === 'TEMPORARILY_UNAVAILABLE'
            ? 503
            : result.error.code === 'PERMISSION_DENIED'
              ? 403
              : 400;
    return reply.code(status).send(result);
  });

  const streams = new Set<() => void>();
  // Event streams never go idle, so they are ended before the server waits for connections to close.
  app.addHook('preClose', async () => {
    for (const end of streams) end();
  });

  app.get('/app-api/events', (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    // A slow reader must not make the server buffer without bound: once the socket stops taking
    // data, events wait here coalesced (the latest state of each entity) until it drains.
    let behind: EventCoalescer | null = null;
    let stalled: NodeJS.Timeout | undefined;
    const write = (text: string) => {
      if (res.write(text) || behind) return;
      behind = new EventCoalescer();
      stalled = setTimeout(() => res.destroy(), STALLED_READER_MS);
    };
    const format = (event: AppEvent) => `event: ${event.type}\ndata: ${JSON.stringify(event.payload)}\n\n`;
    const send = (event: AppEvent) => {
      if (!behind) return write(format(event));
      behind.add(structuredClone(event));
      if (behind.size > MAX_ENTITIES_BEHIND) res.destroy();
    };
    res.on('drain', () => {
      if (!behind) return;
      clearTimeout(stalled);
      const events = behind.take();
      behind = null;
      write(events.map(format).join(''));
    });
    const unsubscribe = store.events.subscribe(send);
    // Comments keep idle connections (and proxies) from timing out.
    const keepAlive = setInterval(() => behind || write(': keep-alive\n\n'), 15_000);
    const end = () => {
      clearInterval(keepAlive);
      clearTimeout(stalled);
      unsubscribe();
      streams.delete(end);
      res.end();
    };
    streams.add(end);
    request.raw.on('close', end);
  });

  // Raw artifact files of a run, for image previews and downloads in the UI; a folder (or the
  // run's whole artifacts, an empty path) downloads as a zip.
  app.get('/app-files/artifacts/:runId/*', async (request, reply) => {
    const { runId, '*': path } = request.params as { runId: string; '*': string };
    const whole = path.replace(/\/+$/, '') === '';
    const file = whole ? runArtifactRoot(store, runId) : runArtifactFile(store, runId, path);
    if (await isFolder(file)) {
      // "Download folder": the folder's files under their paths inside it, zipped as they are sent.
      const name = whole ? `${store.runs.row(runId, 'runId').name || runId}-artifacts` : path.replace(/\/+$/, '').split('/').pop()!;
      reply.header('content-type', 'application/zip');
      reply.header('content-disposition', attachmentDisposition(`${name}.zip`));
      reply.header('x-content-type-options', 'nosniff');
      return reply.send(await zipFolder(file));
    }
    let size: number;
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new Error('not a file');
      size = info.size;
    } catch {
      throw notFound(`Artifact '${path}' of run ${runId} does not exist.`);
    }
    const extension = path.split('.').pop()?.toLowerCase() ?? '';
    const kind = artifactKind(path);
    reply.header('content-type', kind === 'image' ? IMAGE_TYPES[extension]! : kind === 'binary' ? 'application/octet-stream' : 'text/plain; charset=utf-8');
    reply.header('content-length', size);
    reply.header('content-security-policy', "default-src 'none'; sandbox");
    reply.header('x-content-type-options', 'nosniff');
    if (kind === 'binary') reply.header('content-disposition', `attachment; filename="${encodeURIComponent(path.split('/').pop() ?? 'artifact')}"`);
    return reply.send(createReadStream(file));
  });
}
