import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { invalidParameter } from '../../core/errors.js';
import { attachmentDisposition, isFolder, zipFolder } from '../../core/exports/folder-zip.js';
import type { TrackingStore } from '../../core/store/tracking-store.js';

const PREFIXES = ['/api/2.0/mlflow-artifacts', '/ajax-api/2.0/mlflow-artifacts'] as const;

const CONTENT_TYPES: Record<string, string> = {
  json: 'application/json',
  txt: 'text/plain; charset=utf-8',
  log: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  yaml: 'text/yaml; charset=utf-8',
  yml: 'text/yaml; charset=utf-8',
  html: 'text/plain; charset=utf-8',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  svg: 'text/plain; charset=utf-8',
};

/** Longest file name most file systems take, in bytes (NAME_MAX). */
const MAX_NAME_BYTES = 255;

/** Refuses what no file system path can hold (a 400 naming the path), rather than failing on it (a 500). */
function checkedPath(path: string): string {
  if (path.includes('\0')) throw invalidParameter(`Invalid value '${path.replaceAll('\0', '\\0')}' for parameter 'path': a path cannot hold a NUL character.`);
  const long = path.split('/').find((name) => Buffer.byteLength(name) > MAX_NAME_BYTES);
  if (long !== undefined) {
    throw invalidParameter(`Invalid value for parameter 'path': the name '${long.slice(0, 40)}…' is ${Buffer.byteLength(long)} bytes long; file names are limited to ${MAX_NAME_BYTES} bytes.`);
  }
  return path;
}

function wildcardPath(request: FastifyRequest): string {
  // The router has already percent-decoded the wildcard: decoding again would turn a file named
  // `100%.txt` into a URIError (500) and `%2525` into `%`.
  const path = (request.params as { '*': string })['*'] ?? '';
  if (path === '') throw invalidParameter("Missing value for required parameter 'path'.");
  return checkedPath(path);
}

function listedPath(request: FastifyRequest): string {
  const path = (request.query as { path?: unknown }).path ?? '';
  if (typeof path !== 'string') throw invalidParameter("Invalid value for parameter 'path': give it once, as one string.");
  return checkedPath(path.replace(/^\/+|\/+$/g, ''));
}

/**
 * The artifact proxy (`mlflow server --serve-artifacts`): clients whose run artifact URI is
 * `mlflow-artifacts:/...` upload, download and list files through these routes.
 */
export async function registerArtifactRoutes(app: FastifyInstance, store: TrackingStore): Promise<void> {
  await app.register(async (scope) => {
    // Uploads are streamed to disk as they arrive, whatever their content type.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

    for (const prefix of PREFIXES) {
      scope.get(`${prefix}/artifacts`, async (request) => {
        const dir = store.artifacts.resolveProxyPath(listedPath(request));
        const files = await store.artifacts.list(dir, '');
        return { files };
      });
      scope.get(`${prefix}/artifacts/*`, async (request, reply) => {
        const path = wildcardPath(request);
        const target = store.artifacts.resolveProxyPath(path);
        if (await isFolder(target)) {
          // A folder comes as a zip, but only one inside a single run's artifacts (or that folder
          // itself): the artifact root or an experiment's folder would hand out every run at once.
          const folder = store.runArtifactTarget(path, true);
          const name = folder.pathInRun === '' ? `${path.split('/').at(-2) ?? 'run'}-artifacts` : (path.split('/').at(-1) ?? 'artifacts');
          reply.header('content-type', 'application/zip');
          reply.header('content-disposition', attachmentDisposition(`${name}.zip`));
          reply.header('x-content-type-options', 'nosniff');
          return reply.send(await zipFolder(folder.target));
        }
        const { stream, size } = await store.artifacts.open(target, path);
        const extension = path.split('.').pop()?.toLowerCase() ?? '';
        reply.header('content-length', size);
        reply.header('content-type', CONTENT_TYPES[extension] ?? 'application/octet-stream');
        // Artifacts are user content: never let a browser run them as part of the app.
        reply.header('content-security-policy', "default-src 'none'; sandbox");
        reply.header('x-content-type-options', 'nosniff');
        return reply.send(stream);
      });
      scope.put(`${prefix}/artifacts/*`, async (request) => {
        // Fastify skips the parser for an empty body: an empty file is still a valid artifact.
        const body = (request.body as Readable | undefined) ?? Readable.from([]);
        await store.putRunArtifact(wildcardPath(request), body);
        return {};
      });
      scope.delete(`${prefix}/artifacts/*`, async (request) => {
        await store.deleteRunArtifact(wildcardPath(request));
        return {};
      });
    }
  });
}
