/**
 * The prediction server: a registered model served over HTTP with TF Serving's REST API and
 * MLflow's scoring protocol, with the fastest TF.js backend. Every row is checked against the
 * model's signature before anything is scored; concurrent rows are scored in micro-batches
 * (scoring-batcher.ts); every scored row is in the prediction log before its answer is sent
 * (prediction-log.ts); the version answering follows the registry live (model-router.ts); ground
 * truth comes back through POST /v1/feedback; GET /metrics speaks Prometheus.
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { MLDeskError, invalidParameter, notFound } from '../errors.js';
import { requireBearerToken } from '../http-auth.js';
import { frameworkErrorReply, installRequestGuards } from '../http-guards.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import type { TrackingStore } from '../store/tracking-store.js';
import { loadBackend, type BackendName } from '../training/backend.js';
import { ModelRouter, type Lease, type ServedModel } from './model-router.js';
import { PredictionLog } from './prediction-log.js';
import { parseFeedbackBody, recordFeedback } from './prediction-records.js';
import { parseJsonBody } from '../json-body.js';
import { drained } from '../request-drain.js';
import { RefusalRecorder } from './prediction-refusals.js';
import { rangeWarnings } from './range-warnings.js';
import { checkRows, csvRows, mlflowJsonRows, tfServingRows, type Row } from './request-rows.js';
import { ScoringBatcher } from './scoring-batcher.js';
import { ShadowScorer } from './shadow-scorer.js';
import { ServingMetrics } from './serving-metrics.js';
import { readMonitoringGauges } from '../monitoring/monitoring-gauges.js';
import { parseTarget, resolveTarget } from './serving-target.js';
import { SCHEMALESS } from '../schemaless-fastify.js';

export { parseTarget, resolveTarget, modelDirOf, type ServingTarget } from './serving-target.js';
export type { ServedModel } from './model-router.js';

export interface PredictionServerOptions {
  store: TrackingStore;
  /** The registry of the process's services (core/services.ts), shared with whoever changes it there. */
  registry: ModelRegistry;
  target: string;
  port: number;
  host?: string;
  backend?: BackendName;
  /** Required to bind anything but loopback; callers then send `Authorization: Bearer <token>`. */
  token?: string;
  /** Write every scored row to the prediction log (default true; off only for comparisons). */
  logPredictions?: boolean;
  /** Rows that may wait for the log before requests are refused with 503. */
  maxPendingLogRows?: number;
  /** Score the model's `challenger` on live traffic as shadow rows when its CT policy asks (default true; needs the prediction log). */
  shadow?: boolean;
  /** Called when the version behind a route changes (an alias moved). */
  onVersionSwap?: (model: string, route: string, from: string, to: string) => void;
}

export interface PredictionServer {
  app: FastifyInstance;
  url: string;
  port: number;
  host: string;
  /** The model name and the version its default route resolved to at start. */
  served: ServedModel;
  router: ModelRouter;
  metrics: ServingMetrics;
  log: PredictionLog | null;
  close(): Promise<void>;
}

function errorStatus(error: unknown): number {
  if (error instanceof MLDeskError) return error.httpStatus;
  const status = (error as { statusCode?: number }).statusCode;
  return status && status >= 400 && status < 500 ? status : 500;
}

/** Internal errors already written to stderr: each distinct message once, so a broken log cannot flood it. */
const reportedInternal = new Set<string>();

/** A 500 is a bug or a broken part (the log's writer, the backend): its stack goes to stderr, where the server's operator and CI see it. */
function reportInternal(error: unknown): void {
  const message = (error as Error)?.message ?? String(error);
  if (reportedInternal.has(message) || reportedInternal.size >= 100) return;
  reportedInternal.add(message);
  process.emitWarning(`The model server answered 500: ${(error as Error)?.stack ?? message}`, 'MLDeskPredictionServerError');
}

function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  const status = errorStatus(error);
  if (status === 500) reportInternal(error);
  if (status === 503) reply.header('retry-after', '1');
  const code = error instanceof MLDeskError ? error.code : status < 500 ? 'INVALID_PARAMETER_VALUE' : 'INTERNAL_ERROR';
  return reply.code(status).send({ error_code: code, message: (error as Error).message });
}

const PREDICT_PATH = /^\/v1\/models\/([^/:]+)(?:\/versions\/([^/:]+)|\/labels\/([^/:]+))?:predict$/;
const STATUS_PATH = /^\/v1\/models\/([^/:]+)(?:\/versions\/([^/:]+)|\/labels\/([^/:]+))?$/;

type Route = { version?: string; alias?: string };

/** A percent-decoded path segment; a malformed escape (`%E0%A4%A`, `abc%`) is the caller's mistake. */
function decodePathPart(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalidParameter(`Malformed percent-encoding in the ${what} '${text}' of the request path.`);
  }
}

function routeOf(match: RegExpExecArray): Route {
  if (match[2] !== undefined) return { version: decodePathPart(match[2], 'version') };
  if (match[3] !== undefined) return { alias: decodePathPart(match[3], 'alias') };
  return {};
}
type ParsedRows = { rows: Record<string, unknown>[]; fromText: boolean };

/** The row a refusal names (`row 3, field ...`), as JSON; else the body as sent. */
function offendingInput(error: unknown, rows: Record<string, unknown>[] | null, body: string): string {
  const row = /^row (\d+)[,:]/.exec((error as Error).message ?? '');
  const named = row && rows ? rows[Number(row[1])] : undefined;
  return named ? JSON.stringify(named) : body;
}

export async function createPredictionServer(options: PredictionServerOptions): Promise<PredictionServer> {
  const { store } = options;
  const host = options.host ?? '127.0.0.1';
  const target = parseTarget(options.target);
  // Fails before anything listens when the target names nothing servable.
  resolveTarget(options.registry, target);
  const loaded = await loadBackend(options.backend);
  const log =
    options.logPredictions === false
      ? null
      : new PredictionLog(store.db, { maxPendingRows: options.maxPendingLogRows });
  const router = new ModelRouter(store, options.registry, loaded.tf, loaded.info, target, {
    onSwap: (route, from, to) => {
      metrics.swaps.inc({ route });
      options.onVersionSwap?.(target.name, route, from, to);
    },
  });
  const metrics = new ServingMetrics(
    target.name,
    () => log?.counters ?? null,
    () => router.loaded().map((s) => s.version),
    () => readMonitoringGauges(store.db, target.name),
  );
  const batcher = new ScoringBatcher({ log, onBatch: (rows) => metrics.batch(rows) });
  const shadow = log && options.shadow !== false ? new ShadowScorer(store.db, router, (error) => process.emitWarning(`shadow scoring: ${error.message}`)) : null;
  // Kept with the prediction log, whose writer thread writes them: a server without one (comparisons only) writes nothing.
  const refusals = log ? new RefusalRecorder((batch) => log.recordRefusals(batch)) : null;
  // The first request should not pay for loading: load the default route's version now.
  let first: Lease;
  try {
    first = await router.acquire();
    first.release();
    // A writer that cannot open the database would fail every request: refuse to start instead.
    await log?.ready();
  } catch (error) {
    await log?.close();
    await router.close();
    throw error;
  }

  const app = Fastify({ logger: false, bodyLimit: 32 * 1024 * 1024, return503OnClosing: true, frameworkErrors: frameworkErrorReply, ...SCHEMALESS });
  // Its prediction log and feedback feed monitoring: a rebound web page must not write to them.
  installRequestGuards(app, { loopbackHostOnly: !options.token, serverName: 'this model server' });
  if (options.token) requireBearerToken(app, options.token);
  // Bodies are parsed in the handlers, whatever their content type (as TF Serving does: `curl -d`
  // sends application/x-www-form-urlencoded), so a body that is not JSON gets our error and message.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error_code: 'ENDPOINT_NOT_FOUND', message: `No endpoint ${request.method} ${request.url.split('?')[0]}.` }),
  );
  app.setErrorHandler(async (error, request, reply) => {
    // A body over the limit is read to its end first (request-drain.ts), so the client gets this answer.
    if ((error as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') await drained(request.raw);
    return sendError(reply, error);
  });

  const checkName = (name: string): void => {
    const decoded = decodePathPart(name, 'model name');
    if (decoded !== target.name) throw notFound(`This server serves model '${target.name}', not '${decoded}'.`);
  };
  const bodyText = (body: unknown): string => (typeof body === 'string' ? body : '');
  const jsonOf = (body: unknown, example = '{"instances": [{"feature": value, ...}]}'): unknown => {
    try {
      return parseJsonBody(bodyText(body), { empty: 'error' });
    } catch (error) {
      // Whatever the content type says, the body is read as JSON: say so, with the shape expected.
      throw invalidParameter(`${(error as Error).message} The body must be JSON, e.g. ${example}, whatever the Content-Type.`);
    }
  };

  /** A caller's mistake (4xx, not 503 backpressure) is kept for the app's refusals panel. */
  const refused = (endpoint: string, version: string | null, error: unknown, input: string): void => {
    const status = errorStatus(error);
    if (!refusals || status < 400 || status >= 500 || status === 429) return;
    const code = error instanceof MLDeskError ? error.code : 'INVALID_PARAMETER_VALUE';
    refusals.record({ model: target.name, version, endpoint, status, code, reason: (error as Error).message, input, timestamp: Date.now() });
  };

  const fail = (reply: FastifyReply, endpoint: string, version: string, error: unknown, input?: string): void => {
    metrics.observe(endpoint, version, errorStatus(error), 0, 0);
    if (input !== undefined) refused(endpoint, version === 'none' ? null : version, error, input);
    sendError(reply, error);
  };

  /** Checks the rows against the leased version's signature, scores them in a micro-batch, answers. */
  const scoreOn = (reply: FastifyReply, lease: Lease, parsed: ParsedRows, endpoint: string, started: number, body: string): void => {
    const version = lease.served.version;
    let rows: Row[];
    try {
      rows = checkRows(lease.served.model.signature, parsed.rows, { fromText: parsed.fromText });
      log?.reserve(rows.length);
    } catch (error) {
      lease.release();
      fail(reply, endpoint, version, error, offendingInput(error, parsed.rows, body));
      return;
    }
    const warnings = rangeWarnings(lease.served.model.signature, rows);
    // Called once the rows are scored and in the prediction log (or either failed).
    batcher.submit(lease.served, { rows, endpoint, started, warnings }, (error, scored) => {
      lease.release();
      if (error || !scored) {
        fail(reply, endpoint, version, error);
        return;
      }
      metrics.observe(endpoint, version, 200, (performance.now() - started) / 1000, rows.length);
      // The predictions are JSON already (as logged): the answer is put together around them.
      const body = `{"predictions":[${scored.outputs.join(',')}],"model_version":${JSON.stringify(version)},"request_ids":${JSON.stringify(scored.requestIds)}}`;
      reply.type('application/json; charset=utf-8').send(body);
      shadow?.after(version, rows, scored.requestIds);
    });
  };

  /**
   * The one path every prediction takes: resolve the version (a lease, which pins it for the
   * request's whole life), check every row, score in a micro-batch, log, answer. Callbacks, not
   * promises, on this path: each await cost every request a few microtask turns.
   */
  const score = (reply: FastifyReply, endpoint: string, route: Route, body: unknown, parse: () => ParsedRows): void => {
    const started = performance.now();
    let parsed: ParsedRows;
    let lease: Lease | null;
    try {
      parsed = parse();
      lease = router.tryAcquire(route);
    } catch (error) {
      fail(reply, endpoint, 'none', error, bodyText(body));
      return;
    }
    if (lease) {
      scoreOn(reply, lease, parsed, endpoint, started, bodyText(body));
      return;
    }
    // The version is not loaded yet: this request (and those after it) wait for it to load once.
    router.acquire(route).then(
      (loaded) => scoreOn(reply, loaded, parsed, endpoint, started, bodyText(body)),
      (error: unknown) => fail(reply, endpoint, 'none', error, bodyText(body)),
    );
  };

  app.post('/v1/models/*', (request, reply) => {
    const match = PREDICT_PATH.exec(request.url.split('?')[0]!);
    if (!match) {
      reply.code(404).send({ error_code: 'ENDPOINT_NOT_FOUND', message: `No endpoint POST ${request.url}: use /v1/models/NAME[/versions/V|/labels/ALIAS]:predict.` });
      return;
    }
    let route: Route;
    try {
      checkName(match[1]!);
      route = routeOf(match);
    } catch (error) {
      refused('tfserving', null, error, `POST ${request.url}`);
      sendError(reply, error);
      return;
    }
    score(reply, 'tfserving', route, request.body, () => ({ rows: tfServingRows(jsonOf(request.body)), fromText: false }));
  });

  app.post('/invocations', (request, reply) => {
    const type = String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    // text/csv is read as CSV; any other body as JSON, as on the :predict route.
    score(reply, 'invocations', {}, request.body, () => {
      if (type === 'text/csv') return { rows: csvRows(bodyText(request.body)).rows, fromText: true };
      return { rows: mlflowJsonRows(jsonOf(request.body)), fromText: false };
    });
  });

  app.post('/v1/feedback', async (request, reply) => {
    try {
      if (!log) throw new MLDeskError('INVALID_STATE', 'This server runs without a prediction log (--no-prediction-log), so there is nothing to join feedback to.');
      const items = parseFeedbackBody(jsonOf(request.body, '{"request_id": "...", "actual": ...}'));
      try {
        return reply.send(recordFeedback(store.db, items));
      } catch (error) {
        if (!(error instanceof MLDeskError) || error.httpStatus !== 404) throw error;
        // A prediction answered a moment ago may still be in the journal only: move it, look again.
        await log.flush();
        return reply.send(recordFeedback(store.db, items));
      }
    } catch (error) {
      refused('feedback', null, error, bodyText(request.body));
      return sendError(reply, error);
    }
  });

  const versionStatus = (version: string) => {
    const isLoaded = router.loaded().some((s) => s.version === version);
    return {
      version,
      state: isLoaded ? 'AVAILABLE' : 'START',
      status: { error_code: 'OK', error_message: isLoaded ? '' : 'Registered; loaded on its first request.' },
    };
  };

  app.get('/v1/models/*', async (request, reply) => {
    try {
      const path = request.url.split('?')[0]!;
      const metadata = /^(.*)\/metadata$/.exec(path);
      const match = STATUS_PATH.exec(metadata ? metadata[1]! : path);
      if (!match) return reply.code(404).send({ error_code: 'ENDPOINT_NOT_FOUND', message: `No endpoint GET ${request.url}.` });
      checkName(match[1]!);
      const route = routeOf(match);
      const version = router.resolve(route);
      if (metadata) {
        const lease = await router.acquire(route);
        lease.release();
        return reply.send({ model_spec: { name: target.name, version: version.version }, metadata: { signature: lease.served.model.signature } });
      }
      const explicit = route.version !== undefined || route.alias !== undefined;
      const versions = explicit ? [version.version] : [...new Set([version.version, ...router.loaded().map((s) => s.version)])];
      return reply.send({ model_version_status: versions.map(versionStatus) });
    } catch (error) {
      return sendError(reply, error);
    }
  });

  app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.text()));
  const healthy = async (_request: unknown, reply: FastifyReply) => reply.code(200).type('text/plain').send('\n');
  app.get('/ping', healthy);
  app.get('/health', healthy);
  app.get('/version', async (_request, reply) => {
    const version = router.resolve();
    return reply.send({ model: target.name, model_version: version.version, run_id: version.run_id, backend: loaded.info.name, prediction_log: log !== null });
  });

  try {
    await app.listen({ host, port: options.port });
  } catch (error) {
    await log?.close();
    await router.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shownHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    app,
    url: `http://${shownHost}:${port}`,
    port,
    host,
    served: first.served,
    router,
    metrics,
    log,
    close() {
      // In-flight requests finish (and are logged) before the log and the models go.
      closing ??= app.close().then(async () => {
        shadow?.close();
        refusals?.flush();
        await log?.close();
        await router.close();
      });
      return closing;
    },
  };
}
