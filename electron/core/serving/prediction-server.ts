/**
 * The prediction server: one registered model version, loaded from its run's `model/` artifacts
 * with the fastest TF.js backend, served over HTTP with TF Serving's REST API and MLflow's scoring
 * protocol. Every row is checked against the model's signature before anything is scored.
 *
 * Designed so request logging, feedback, hot swap and metrics can be added: every scored request
 * goes through `score()` (one place to log), and the served model is held in one `current` slot.
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { MLDeskError, invalidParameter, notFound } from '../errors.js';
import { CHAMPION_ALIAS, ModelRegistry } from '../registry/model-registry.js';
import type { ModelVersion } from '../registry/registry-types.js';
import type { TrackingStore } from '../store/tracking-store.js';
import { loadBackend, type BackendInfo, type BackendName } from '../training/backend.js';
import { loadModelDir, type LoadedModel, type Prediction } from '../training/model-files.js';
import { checkRows, csvRows, mlflowJsonRows, parseJsonBody, tfServingRows } from './request-rows.js';

export interface ServingTarget {
  name: string;
  alias?: string;
  version?: string;
}

/** Parses `NAME@ALIAS` or `NAME/VERSION` (a bare NAME means its champion, else its latest version). */
export function parseTarget(target: string): ServingTarget {
  const at = target.lastIndexOf('@');
  if (at > 0) return { name: target.slice(0, at), alias: requirePart(target.slice(at + 1), target) };
  const slash = target.lastIndexOf('/');
  if (slash > 0) {
    const version = target.slice(slash + 1);
    if (!/^[1-9]\d*$/.test(version)) throw invalidParameter(`Invalid model target '${target}': the version after '/' must be a positive integer.`);
    return { name: target.slice(0, slash), version };
  }
  return { name: requirePart(target, target) };
}

function requirePart(part: string, target: string): string {
  if (part.trim() === '') throw invalidParameter(`Invalid model target '${target}': use NAME@ALIAS or NAME/VERSION.`);
  return part;
}

/** The version a target names: its alias's version, the given version, else champion, else latest. */
export function resolveTarget(registry: ModelRegistry, target: ServingTarget): ModelVersion {
  if (target.alias) return registry.versionByAlias(target.name, target.alias);
  if (target.version) return registry.getVersion(target.name, target.version);
  const model = registry.getModel(target.name);
  if (model.aliases.some((a) => a.alias === CHAMPION_ALIAS)) return registry.versionByAlias(target.name, CHAMPION_ALIAS);
  // The newest version of each stage: the newest of those is the newest version overall.
  const latest = registry.latestVersions(target.name);
  if (latest.length === 0) throw notFound(`Registered model ${target.name} has no versions to serve.`);
  return latest.reduce((a, b) => (Number(b.version) > Number(a.version) ? b : a));
}

/** The local directory holding a model version's files (runs:/RUN_ID/model → the run's artifacts/model). */
export function modelDirOf(store: TrackingStore, version: ModelVersion): string {
  const match = /^runs:\/([^/]+)(?:\/(.*))?$/.exec(version.source);
  if (match) {
    const run = store.runs.get(match[1]!);
    const root = store.artifacts.localDirOf(run.info.artifact_uri);
    if (!root) throw invalidParameter(`Model version ${version.name}/${version.version}: run ${match[1]} has a non-local artifact URI ${run.info.artifact_uri}.`);
    return match[2] ? join(root, match[2]) : root;
  }
  const dir = store.artifacts.localDirOf(version.source);
  if (!dir) throw invalidParameter(`Model version ${version.name}/${version.version}: cannot load from non-local source ${version.source}.`);
  return dir;
}

export interface PredictionServerOptions {
  store: TrackingStore;
  target: string;
  port: number;
  host?: string;
  backend?: BackendName;
}

export interface ServedModel {
  name: string;
  version: string;
  modelVersion: ModelVersion;
  model: LoadedModel;
  backend: BackendInfo;
}

export interface PredictionServer {
  app: FastifyInstance;
  url: string;
  port: number;
  host: string;
  served: ServedModel;
  close(): Promise<void>;
}

type WirePrediction = { label: string; probabilities: Record<string, number> } | { value: number };

export interface ScoreResult {
  predictions: WirePrediction[];
  model_version: string;
  request_ids: string[];
}

function toWire(prediction: Prediction, classes: string[] | undefined): WirePrediction {
  if (prediction.label !== undefined && classes) {
    return { label: prediction.label, probabilities: Object.fromEntries(classes.map((c, i) => [c, prediction.probabilities![i]!])) };
  }
  return { value: prediction.value! };
}

function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof MLDeskError) return reply.code(error.httpStatus).send({ error_code: error.code, message: error.message });
  return reply.code(500).send({ error_code: 'INTERNAL_ERROR', message: (error as Error).message });
}

/** Scores checked rows with the served model; the one path every prediction goes through. */
function score(served: ServedModel, rows: Record<string, unknown>[], fromText = false): ScoreResult {
  const checked = checkRows(served.model.signature, rows, { fromText });
  const classes = served.model.signature.output.classes;
  const predictions = served.model.predict(checked).map((p) => toWire(p, classes));
  return { predictions, model_version: served.version, request_ids: checked.map(() => randomUUID()) };
}

/** Loads the target's model version (no HTTP yet): errors here mean "cannot serve this target". */
export async function loadServedModel(store: TrackingStore, target: string, backend?: BackendName): Promise<ServedModel> {
  const parsed = parseTarget(target);
  const modelVersion = resolveTarget(new ModelRegistry(store.db), parsed);
  const dir = modelDirOf(store, modelVersion);
  const loaded = await loadBackend(backend);
  const model = await loadModelDir(loaded.tf, dir);
  return { name: modelVersion.name, version: modelVersion.version, modelVersion, model, backend: loaded.info };
}

const PREDICT_PATH = /^\/v1\/models\/([^/:]+)(?:\/versions\/([^/:]+)|\/labels\/([^/:]+))?:predict$/;
const STATUS_PATH = /^\/v1\/models\/([^/:]+)(?:\/versions\/([^/:]+)|\/labels\/([^/:]+))?$/;

export async function createPredictionServer(options: PredictionServerOptions): Promise<PredictionServer> {
  const { store } = options;
  const host = options.host ?? '127.0.0.1';
  const served = await loadServedModel(store, options.target, options.backend);
  const registry = new ModelRegistry(store.db);

  const app = Fastify({ logger: false, bodyLimit: 32 * 1024 * 1024 });
  // Bodies are parsed in the handlers so malformed JSON gets our error shape and message.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(['application/json', 'text/csv'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error_code: 'ENDPOINT_NOT_FOUND', message: `No endpoint ${request.method} ${request.url.split('?')[0]}.` }),
  );
  app.setErrorHandler((error, _request, reply) => {
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return reply.code(status).send({ error_code: 'INVALID_PARAMETER_VALUE', message: (error as Error).message });
    return sendError(reply, error);
  });

  /** Checks that a TF Serving path names the served version (404 otherwise). */
  const checkPath = (name: string, version?: string, label?: string): void => {
    const decodedName = decodeURIComponent(name);
    if (decodedName !== served.name) throw notFound(`This server serves model '${served.name}', not '${decodedName}'.`);
    if (version !== undefined && decodeURIComponent(version) !== served.version) {
      throw notFound(`This server serves ${served.name} version ${served.version}, not version ${decodeURIComponent(version)}.`);
    }
    if (label !== undefined) {
      const alias = decodeURIComponent(label);
      const aliased = registry.versionByAlias(served.name, alias);
      if (aliased.version !== served.version) {
        throw notFound(`Alias '${alias}' of ${served.name} points at version ${aliased.version}; this server serves version ${served.version}.`);
      }
    }
  };

  const bodyText = (body: unknown): string => (typeof body === 'string' ? body : '');

  app.post('/v1/models/*', async (request, reply) => {
    try {
      const match = PREDICT_PATH.exec(request.url.split('?')[0]!);
      if (!match) return reply.code(404).send({ error_code: 'ENDPOINT_NOT_FOUND', message: `No endpoint POST ${request.url}: use /v1/models/NAME[/versions/V|/labels/ALIAS]:predict.` });
      checkPath(match[1]!, match[2], match[3]);
      return reply.send(score(served, tfServingRows(parseJsonBody(bodyText(request.body)))));
    } catch (error) {
      return sendError(reply, error);
    }
  });

  app.get('/v1/models/*', async (request, reply) => {
    try {
      const match = STATUS_PATH.exec(request.url.split('?')[0]!);
      if (!match) return reply.code(404).send({ error_code: 'ENDPOINT_NOT_FOUND', message: `No endpoint GET ${request.url}.` });
      checkPath(match[1]!, match[2], match[3]);
      return reply.send({ model_version_status: [{ version: served.version, state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }] });
    } catch (error) {
      return sendError(reply, error);
    }
  });

  app.post('/invocations', async (request, reply) => {
    try {
      const type = String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type === 'text/csv') return reply.send(score(served, csvRows(bodyText(request.body)).rows, true));
      if (type !== 'application/json') {
        throw invalidParameter(`Unsupported content type '${type || 'none'}': send application/json or text/csv.`);
      }
      return reply.send(score(served, mlflowJsonRows(parseJsonBody(bodyText(request.body)))));
    } catch (error) {
      return sendError(reply, error);
    }
  });

  const healthy = async (_request: unknown, reply: FastifyReply) => reply.code(200).type('text/plain').send('\n');
  app.get('/ping', healthy);
  app.get('/health', healthy);
  app.get('/version', async (_request, reply) =>
    reply.send({ model: served.name, model_version: served.version, run_id: served.modelVersion.run_id, backend: served.backend.name }),
  );

  try {
    await app.listen({ host, port: options.port });
  } catch (error) {
    served.model.dispose();
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
    served,
    close() {
      closing ??= app.close().then(() => served.model.dispose());
      return closing;
    },
  };
}
