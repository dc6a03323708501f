import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ChangeContext } from '../../core/registry/registry-types.js';
import type { Services } from '../../core/services.js';
import { decodePageToken, encodePageToken } from '../../core/store/page-token.js';
import { maxResults, parseRequest, stringList } from './request-schemas.js';
import { MLFLOW_PREFIXES } from './tracking-routes.js';
import { callerOf } from '../token-login.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
/** Every request's context names its authenticated caller. */
type RequestContext = ChangeContext & { actor: string };
type Handler = (input: unknown, context: RequestContext) => unknown;

/**
 * A name the caller gives for the alias audit trail, kept as a display name only: who made the
 * change is the identity the server authenticated (token name, else the OS user it runs as).
 */
export const ACTOR_HEADER = 'x-mldesk-user';
const MLDESK_PREFIX = '/api/2.0/mldesk';

const SEARCH_MAX_RESULTS = 1000;
const SEARCH_DEFAULT_MAX_RESULTS = 100;
const VERSION_SEARCH_MAX_RESULTS = 200_000;
const VERSION_SEARCH_DEFAULT_MAX_RESULTS = 10_000;
/** Alias moves per page of the REST trail (default and most). */
const ALIAS_HISTORY_MAX_RESULTS = 1000;

const version = z.union([z.string(), z.number().int()]).transform(String);
const text = z.string();
const keyValue = z.object({ key: z.string(), value: z.string().optional().default('') });
const flag = z.union([z.boolean(), z.enum(['true', 'false', 'True', 'False'])]).transform((v) => v === true || v === 'true' || v === 'True');
const search = (limit: number, fallback: number) =>
  z.object({ filter: z.string().optional(), max_results: maxResults(limit, fallback), order_by: stringList.optional().default([]), page_token: z.string().optional() });

const schemas = {
  createModel: z.object({ name: text, description: z.string().optional(), tags: z.array(keyValue).optional().default([]) }),
  name: z.object({ name: text }),
  aliasHistory: z.object({ name: text, alias: z.string().optional(), max_results: maxResults(ALIAS_HISTORY_MAX_RESULTS, ALIAS_HISTORY_MAX_RESULTS), page_token: z.string().optional() }),
  updateModel: z.object({ name: text, description: z.string().optional() }),
  rename: z.object({ name: text, new_name: text }),
  modelTag: z.object({ name: text, key: text, value: z.string().optional().default('') }),
  modelTagKey: z.object({ name: text, key: text }),
  setAlias: z.object({ name: text, alias: text, version, reason: z.string().optional() }),
  alias: z.object({ name: text, alias: text, reason: z.string().optional() }),
  latestVersions: z.object({ name: text, stages: stringList.optional().default([]) }),
  searchModels: search(SEARCH_MAX_RESULTS, SEARCH_DEFAULT_MAX_RESULTS),
  searchVersions: search(VERSION_SEARCH_MAX_RESULTS, VERSION_SEARCH_DEFAULT_MAX_RESULTS),
  createVersion: z.object({
    name: text,
    source: text,
    run_id: z.string().optional(),
    run_link: z.string().optional(),
    description: z.string().optional(),
    tags: z.array(keyValue).optional().default([]),
  }),
  version: z.object({ name: text, version }),
  updateVersion: z.object({ name: text, version, description: z.string().optional() }),
  transition: z.object({ name: text, version, stage: text, archive_existing_versions: flag.optional().default(false) }),
  versionTag: z.object({ name: text, version, key: text, value: z.string().optional().default('') }),
  versionTagKey: z.object({ name: text, version, key: text }),
  settings: z.object({ four_eyes: flag }),
  review: z.object({
    name: text,
    version,
    /** A display name only; the review is recorded under the caller's authenticated identity. */
    reviewer: z.string().trim().max(200, 'is longer than 200 characters').optional(),
    decision: z.enum(['approved', 'rejected']),
    comment: z.string().optional(),
    gates: z.unknown().optional(),
  }),
};

/** GET parameters come in the query string; DELETE bodies are optional, so both are read. */
function inputOf(request: FastifyRequest): unknown {
  const query = (request.query ?? {}) as Record<string, unknown>;
  if (request.method === 'GET') return query;
  const body = request.body;
  return body && typeof body === 'object' && !Array.isArray(body) ? { ...query, ...body } : body === undefined || body === null ? query : body;
}

function contextOf(request: FastifyRequest, input: unknown): RequestContext {
  const header = request.headers[ACTOR_HEADER];
  const actorDisplay = Array.isArray(header) ? header[0] : header;
  const reason = input && typeof input === 'object' && typeof (input as { reason?: unknown }).reason === 'string' ? (input as { reason: string }).reason : undefined;
  return { actor: callerOf(request).identity, actorDisplay, reason };
}

/** MLflow's model registry endpoints, plus MLDesk's approvals and alias history. */
export function registerRegistryRoutes(app: FastifyInstance, services: Services): void {
  const { registry } = services;
  const mount = (prefixes: readonly string[], methods: Method[], path: string, handler: Handler) => {
    for (const prefix of prefixes) {
      app.route({
        method: methods,
        url: `${prefix}/${path}`,
        handler: async (request) => {
          const input = inputOf(request);
          return handler(input, contextOf(request, input));
        },
      });
    }
  };
  const route = (methods: Method[], path: string, handler: Handler) => mount(MLFLOW_PREFIXES, methods, path, handler);

  // Registered models
  route(['POST'], 'registered-models/create', (input) => {
    const req = parseRequest(schemas.createModel, input);
    return { registered_model: registry.createModel(req.name, { description: req.description, tags: req.tags }) };
  });
  route(['GET'], 'registered-models/get', (input) => ({ registered_model: registry.getModel(parseRequest(schemas.name, input).name) }));
  route(['GET', 'POST'], 'registered-models/search', (input) => {
    const req = parseRequest(schemas.searchModels, input);
    return registry.searchModels({ filter: req.filter, maxResults: req.max_results, orderBy: req.order_by, pageToken: req.page_token });
  });
  route(['PATCH'], 'registered-models/update', (input) => {
    const req = parseRequest(schemas.updateModel, input);
    return { registered_model: registry.updateModel(req.name, req.description) };
  });
  route(['POST'], 'registered-models/rename', (input) => {
    const req = parseRequest(schemas.rename, input);
    return { registered_model: registry.renameModel(req.name, req.new_name) };
  });
  route(['DELETE'], 'registered-models/delete', (input, context) => {
    registry.deleteModel(parseRequest(schemas.name, input).name, context);
    return {};
  });
  route(['POST'], 'registered-models/set-tag', (input) => {
    const req = parseRequest(schemas.modelTag, input);
    registry.setModelTag(req.name, req.key, req.value);
    return {};
  });
  route(['DELETE'], 'registered-models/delete-tag', (input) => {
    const req = parseRequest(schemas.modelTagKey, input);
    registry.deleteModelTag(req.name, req.key);
    return {};
  });
  route(['GET', 'POST'], 'registered-models/get-latest-versions', (input) => {
    const req = parseRequest(schemas.latestVersions, input);
    return { model_versions: registry.latestVersions(req.name, req.stages) };
  });
  route(['POST'], 'registered-models/alias', (input, context) => {
    const req = parseRequest(schemas.setAlias, input);
    registry.setAlias(req.name, req.alias, req.version, context);
    return {};
  });
  route(['DELETE'], 'registered-models/alias', (input, context) => {
    const req = parseRequest(schemas.alias, input);
    registry.deleteAlias(req.name, req.alias, context);
    return {};
  });
  route(['GET'], 'registered-models/alias', (input) => {
    const req = parseRequest(schemas.alias, input);
    return { model_version: registry.versionByAlias(req.name, req.alias) };
  });

  // Model versions
  route(['POST'], 'model-versions/create', (input, context) => {
    const req = parseRequest(schemas.createVersion, input);
    return {
      model_version: registry.createVersion(req.name, {
        source: req.source,
        runId: req.run_id,
        runLink: req.run_link,
        description: req.description,
        tags: req.tags,
        creator: context.actor,
      }),
    };
  });
  route(['GET'], 'model-versions/get', (input) => {
    const req = parseRequest(schemas.version, input);
    return { model_version: registry.getVersion(req.name, req.version) };
  });
  route(['GET', 'POST'], 'model-versions/search', (input) => {
    const req = parseRequest(schemas.searchVersions, input);
    return registry.searchVersions({ filter: req.filter, maxResults: req.max_results, orderBy: req.order_by, pageToken: req.page_token });
  });
  route(['PATCH'], 'model-versions/update', (input) => {
    const req = parseRequest(schemas.updateVersion, input);
    return { model_version: registry.updateVersion(req.name, req.version, req.description) };
  });
  route(['DELETE'], 'model-versions/delete', (input, context) => {
    const req = parseRequest(schemas.version, input);
    registry.deleteVersion(req.name, req.version, context);
    return {};
  });
  route(['POST'], 'model-versions/transition-stage', (input) => {
    const req = parseRequest(schemas.transition, input);
    return { model_version: registry.transitionStage(req.name, req.version, req.stage, req.archive_existing_versions) };
  });
  route(['POST'], 'model-versions/set-tag', (input) => {
    const req = parseRequest(schemas.versionTag, input);
    registry.setVersionTag(req.name, req.version, req.key, req.value);
    return {};
  });
  route(['DELETE'], 'model-versions/delete-tag', (input) => {
    const req = parseRequest(schemas.versionTagKey, input);
    registry.deleteVersionTag(req.name, req.version, req.key);
    return {};
  });
  route(['GET'], 'model-versions/get-download-uri', (input) => {
    const req = parseRequest(schemas.version, input);
    return { artifact_uri: registry.downloadUri(req.name, req.version) };
  });

  // MLDesk: approvals and the alias audit trail
  const mldesk = (methods: Method[], path: string, handler: Handler) => mount([MLDESK_PREFIX], methods, path, handler);
  mldesk(['POST'], 'model-versions/review', (input, context) => {
    const req = parseRequest(schemas.review, input);
    return {
      review: registry.approvals.review(req.name, req.version, {
        reviewer: context.actor,
        reviewerDisplay: req.reviewer,
        decision: req.decision,
        comment: req.comment,
        gates: req.gates,
      }),
    };
  });
  mldesk(['GET'], 'model-versions/reviews', (input) => {
    const req = parseRequest(schemas.version, input);
    return { reviews: registry.approvals.reviews(req.name, req.version) };
  });
  mldesk(['GET'], 'registered-models/alias-history', (input) => {
    const req = parseRequest(schemas.aliasHistory, input);
    const offset = decodePageToken(req.page_token);
    // One more than asked tells whether a next page exists without counting the whole trail.
    const entries = registry.aliasHistory(req.name, req.alias, { offset, limit: req.max_results + 1 });
    const more = entries.length > req.max_results;
    return { entries: entries.slice(0, req.max_results), ...(more ? { next_page_token: encodePageToken(offset + req.max_results) } : {}) };
  });
  mldesk(['GET'], 'registry/settings', () => ({ settings: registry.settings() }));
  mldesk(['PATCH'], 'registry/settings', (input, context) => ({ settings: registry.setFourEyes(parseRequest(schemas.settings, input).four_eyes, context.actor) }));
}
