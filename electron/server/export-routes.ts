import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import type { z } from 'zod';
import { CompareExportSchema, PredictionsExportSchema, RunsExportSchema } from '../../shared/app-api/exports.js';
import { invalidParameter } from '../core/errors.js';
import { attachmentDisposition } from '../core/exports/folder-zip.js';
import { predictionsCsv, predictionsCsvName } from '../core/exports/predictions-csv.js';
import { recoverJournals } from '../core/serving/prediction-journal.js';
import { compareCsv, runsCsv, runsCsvName } from '../core/exports/table-csv.js';
import type { TrackingStore } from '../core/store/tracking-store.js';

/** The `q` parameter: the export's query as JSON, checked by its schema; a 400 names the field at fault. */
function queryOf<S extends z.ZodType>(request: FastifyRequest, schema: S): z.infer<S> {
  const { q } = request.query as { q?: unknown };
  if (typeof q !== 'string') throw invalidParameter("Missing value for required parameter 'q' (the export's query as JSON), or it was given more than once.");
  let json: unknown;
  try {
    json = JSON.parse(q);
  } catch (error) {
    throw invalidParameter(`Invalid value for parameter 'q': not JSON (${(error as Error).message}).`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.length ? `field '${issue.path.join('.')}' ` : ''}${issue.message}`);
    throw invalidParameter(`Invalid value for parameter 'q': ${problems.join('; ')}.`);
  }
  return parsed.data;
}

/**
 * Sends a CSV made by `rows`. Its first chunk (the header, after the query's own checks) is made
 * before the answer starts, so a bad filter or an unknown run is still a 400/404 and not a cut
 * download; the rest is pulled as the client reads (stream backpressure), never held whole.
 */
function sendCsv(reply: FastifyReply, filename: string, rows: Generator<string>): FastifyReply {
  const first = rows.next();
  function* all(): Generator<string> {
    if (!first.done) yield first.value;
    yield* rows;
  }
  reply.header('content-type', 'text/csv; charset=utf-8');
  reply.header('content-disposition', attachmentDisposition(filename));
  reply.header('cache-control', 'no-store');
  reply.header('x-content-type-options', 'nosniff');
  return reply.send(Readable.from(all(), { objectMode: false }));
}

/** CSV downloads of the runs table, the compare table and the prediction log (shared/app-api/exports.ts). */
export function registerExportRoutes(app: FastifyInstance, store: TrackingStore): void {
  app.get('/app-files/exports/runs.csv', async (request, reply) => {
    const query = queryOf(request, RunsExportSchema);
    return sendCsv(reply, runsCsvName(store, query), runsCsv(store, query));
  });
  app.get('/app-files/exports/compare.csv', async (request, reply) => {
    const query = queryOf(request, CompareExportSchema);
    return sendCsv(reply, `compare-${query.runIds.length}-runs.csv`, compareCsv(store, query));
  });
  app.get('/app-files/exports/predictions.csv', async (request, reply) => {
    const query = queryOf(request, PredictionsExportSchema);
    // Rows a killed model server answered but had not moved into the table yet belong in the file.
    try {
      recoverJournals(store.db);
    } catch (error) {
      request.log.warn(`could not replay a stopped model server's prediction journal: ${(error as Error).message}`);
    }
    return sendCsv(reply, predictionsCsvName(query), predictionsCsv(store.db, query));
  });
}
