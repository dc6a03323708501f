import type { FastifyInstance } from 'fastify';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageFileName } from '../../shared/app-api/handoff.js';
import { exportPackage } from '../core/bundles/package-export.js';
import { invalidParameter, permissionDenied } from '../core/errors.js';
import { attachmentDisposition } from '../core/exports/folder-zip.js';
import type { Services } from '../core/services.js';

const SUFFIX = '.mldesk-package';

/**
 * The app's "Export package": `GET /app-files/packages/<model>/<version>.mldesk-package` writes the
 * signed package to a temporary file (an unapproved version is a 400 naming why, before any byte
 * is sent) and streams it; the temporary file goes once the answer is sent or dropped.
 */
export function registerPackageRoutes(app: FastifyInstance, services: Pick<Services, 'store' | 'registry' | 'datasets' | 'bundle'>): void {
  app.get('/app-files/packages/:model/:file', async (request, reply) => {
    const { model, file } = request.params as { model: string; file: string };
    if (!file.endsWith(SUFFIX) || !/^[1-9]\d{0,14}$/.test(file.slice(0, -SUFFIX.length))) {
      throw invalidParameter(`Invalid package path '${file}': expected <version>${SUFFIX}, the version a positive integer.`);
    }
    if (services.bundle) throw permissionDenied('This is a bundle opened read-only: handoff packages are exported from your own data dir.');
    const version = file.slice(0, -SUFFIX.length);
    const name = packageFileName(model, version);
    const dir = await mkdtemp(join(tmpdir(), 'mldesk-package-'));
    const cleanup = () => void rm(dir, { recursive: true, force: true });
    try {
      const out = join(dir, name);
      await exportPackage({ store: services.store, registry: services.registry, datasets: services.datasets, dataDir: services.store.dataDir }, `${model}/${version}`, out);
      const stream = createReadStream(out);
      stream.once('close', cleanup);
      reply.header('content-type', 'application/zip');
      reply.header('content-disposition', attachmentDisposition(name));
      reply.header('cache-control', 'no-store');
      reply.header('x-content-type-options', 'nosniff');
      return reply.send(stream);
    } catch (error) {
      cleanup();
      throw error;
    }
  });
}
