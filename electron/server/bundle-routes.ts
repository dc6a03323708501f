import type { FastifyInstance } from 'fastify';
import { createReadStream } from 'node:fs';
import { bundleExportJobs } from '../core/bundles/bundle-export-jobs.js';
import { notFound } from '../core/errors.js';
import { attachmentDisposition } from '../core/exports/folder-zip.js';
import type { TrackingStore } from '../core/store/tracking-store.js';

/** The download of a bundle the app exported (`bundles.export`): a plain GET the browser saves to disk. */
export function registerBundleRoutes(app: FastifyInstance, store: TrackingStore): void {
  app.get('/app-files/bundles/:file', async (request, reply) => {
    const { file } = request.params as { file: string };
    const match = /^([0-9a-f-]{36})\.mldesk$/.exec(file);
    const found = match ? bundleExportJobs(store).download(match[1]!) : null;
    if (!found) throw notFound(`No exported bundle '${file}' is waiting for download (they are kept for 30 minutes).`);
    reply.header('content-type', 'application/zip');
    reply.header('content-disposition', attachmentDisposition(found.fileName));
    reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    return reply.send(createReadStream(found.file));
  });
}
