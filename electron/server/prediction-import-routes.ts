/**
 * POST /api/2.0/mldesk/predictions/log-batch: predictions made by a model served elsewhere, put
 * into the prediction log so monitoring treats them as served ones (prediction-import.ts). A JSON
 * body `{"model", "version", "rows": [{feature..., "prediction", "id"?, "time"?, "label"?}]}`, or
 * a CSV body (Content-Type text/csv, header line first) with `?model=&version=` in the query.
 * Everything or nothing is stored; refused rows are listed in `errors`.
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { drained } from '../core/request-drain.js';
import type { Services } from '../core/services.js';
import { importVersionOf, ImportRefusedError } from '../core/serving/prediction-import.js';
import { importPredictionsBody, type ImportBody } from '../core/serving/prediction-import-sources.js';
import { parseRequest } from './mlflow/request-schemas.js';

export const LOG_BATCH_PATH = '/api/2.0/mldesk/predictions/log-batch';
/** Bytes of one request body: about 100,000 rows of a few dozen features. Bigger files: `mldesk monitor import`. */
export const LOG_BATCH_BODY_LIMIT = 32 * 1024 * 1024;
/** Rows of one request: all of them are checked and stored in one transaction that holds the database. */
export const LOG_BATCH_MAX_ROWS = 100_000;

const version = z.union([z.string(), z.number().int()]).transform(String);
const schemas = {
  json: z.object({ model: z.string().min(1), version, rows: z.array(z.unknown()) }),
  csvQuery: z.object({ model: z.string().min(1), version }),
};

const mib = (bytes: number) => `${bytes / (1024 * 1024)} MiB`;

function send(reply: FastifyReply, status: number, body: Record<string, unknown>): FastifyReply {
  return reply.code(status).send(body);
}

export function registerPredictionImportRoutes(app: FastifyInstance, services: Services): void {
  // A scope of its own: the CSV body parser and the 413 apply to this route only.
  void app.register(async (scope) => {
    scope.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string' }, (_request, body, done) => done(null, body));
    scope.setErrorHandler(async (error: FastifyError, request, reply) => {
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        await drained(request.raw);
        return send(reply, 413, {
          error_code: 'REQUEST_LIMIT_EXCEEDED',
          message: `The request body exceeds the size limit of log-batch (${mib(LOG_BATCH_BODY_LIMIT)}). Split the rows over several requests, or import the file with \`mldesk monitor import\`.`,
        });
      }
      if (error instanceof ImportRefusedError) {
        return send(reply, 400, { error_code: error.code, message: error.message, errors: error.problems, error_count: error.total });
      }
      throw error;
    });
    scope.post(LOG_BATCH_PATH, { bodyLimit: LOG_BATCH_BODY_LIMIT }, async (request) => {
      const csv = typeof request.body === 'string';
      let target: { model: string; version: string };
      let body: ImportBody;
      if (csv) {
        target = parseRequest(schemas.csvQuery, request.query ?? {});
        body = { kind: 'csv', text: request.body as string };
      } else {
        const parsed = parseRequest(schemas.json, request.body ?? {});
        target = parsed;
        body = { kind: 'json', rows: parsed.rows };
      }
      const imported = await importVersionOf(services.store, services.registry, target.model, target.version);
      return importPredictionsBody(services.store.db, imported, body, LOG_BATCH_MAX_ROWS);
    });
  });
}
