import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LIMITS } from '../../../shared/tracking-limits.js';
import { recordLoggedModel } from '../../core/store/logged-models.js';
import type { TrackingStore } from '../../core/store/tracking-store.js';
import { ReplyBuffers } from './reply-buffers.js';
import { parseLogBatch, parseRequest, runIdOf, schemas } from './request-schemas.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type Handler = (input: unknown) => unknown;

/** A handler's answer that is already UTF-8 JSON, sent as it is (fastify serialises no Buffer); its memory may be reused once sent. */
class JsonBytes {
  constructor(readonly bytes: Buffer) {}
}

/** MLflow clients send GET parameters in the query string and everything else as a JSON body. */
function inputOf(request: FastifyRequest): unknown {
  if (request.method === 'GET') return request.query ?? {};
  return request.body ?? {};
}

export const MLFLOW_PREFIXES = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'] as const;

export function registerTrackingRoutes(app: FastifyInstance, store: TrackingStore): void {
  const replyBuffers = new ReplyBuffers();
  const route = (methods: Method[], path: string, handler: Handler, options: { bodyLimit?: number } = {}) => {
    for (const prefix of MLFLOW_PREFIXES) {
      app.route({
        method: methods,
        url: `${prefix}/${path}`,
        ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
        handler: async (request, reply) => {
          const answer = await handler(inputOf(request));
          if (!(answer instanceof JsonBytes)) return answer;
          replyBuffers.recycleAfter(reply.raw, answer.bytes);
          return reply.type('application/json; charset=utf-8').send(answer.bytes);
        },
      });
    }
  };

  // Experiments
  route(['POST'], 'experiments/create', (input) => {
    const req = parseRequest(schemas.createExperiment, input);
    return { experiment_id: store.experiments.create(req.name, req.artifact_location, req.tags) };
  });
  route(['GET'], 'experiments/get', (input) => {
    const req = parseRequest(schemas.experimentId, input);
    return { experiment: store.experiments.get(req.experiment_id) };
  });
  route(['GET'], 'experiments/get-by-name', (input) => {
    const req = parseRequest(schemas.experimentByName, input);
    return { experiment: store.experiments.getByName(req.experiment_name) };
  });
  route(['GET', 'POST'], 'experiments/search', (input) => {
    const req = parseRequest(schemas.searchExperiments, input);
    return store.experiments.search({
      viewType: req.view_type,
      filter: req.filter,
      orderBy: req.order_by,
      maxResults: req.max_results,
      pageToken: req.page_token,
    });
  });
  route(['POST'], 'experiments/update', (input) => {
    const req = parseRequest(schemas.updateExperiment, input);
    store.experiments.update(req.experiment_id, req.new_name);
    return {};
  });
  route(['POST'], 'experiments/delete', (input) => {
    store.experiments.setLifecycle(parseRequest(schemas.experimentId, input).experiment_id, 'deleted');
    return {};
  });
  route(['POST'], 'experiments/restore', (input) => {
    store.experiments.setLifecycle(parseRequest(schemas.experimentId, input).experiment_id, 'active');
    return {};
  });
  route(['POST'], 'experiments/set-experiment-tag', (input) => {
    const req = parseRequest(schemas.setExperimentTag, input);
    store.experiments.setExperimentTag(req.experiment_id, req.key, req.value);
    return {};
  });

  // Runs
  route(['POST'], 'runs/create', (input) => {
    const req = parseRequest(schemas.createRun, input);
    return {
      run: store.createRun({ experimentId: req.experiment_id, userId: req.user_id, runName: req.run_name, startTime: req.start_time, tags: req.tags }),
    };
  });
  route(['POST'], 'runs/update', (input) => {
    const req = parseRequest(schemas.updateRun, input);
    return { run_info: store.updateRun(runIdOf(req), { status: req.status, endTime: req.end_time, runName: req.run_name }) };
  });
  route(['GET'], 'runs/get', (input) => ({ run: store.runs.get(runIdOf(parseRequest(schemas.runId, input))) }));
  route(['POST'], 'runs/delete', (input) => {
    store.runs.setLifecycle(runIdOf(parseRequest(schemas.runId, input)), 'deleted');
    return {};
  });
  route(['POST'], 'runs/restore', (input) => {
    store.runs.setLifecycle(runIdOf(parseRequest(schemas.runId, input)), 'active');
    return {};
  });
  route(['POST'], 'runs/log-metric', (input) => {
    const req = parseRequest(schemas.logMetric, input);
    store.logBatch(runIdOf(req), { metrics: [{ key: req.key, value: req.value, timestamp: req.timestamp, step: req.step }], params: [], tags: [] }, { single: true });
    return {};
  });
  route(['POST'], 'runs/log-parameter', (input) => {
    const req = parseRequest(schemas.logParam, input);
    store.logBatch(runIdOf(req), { metrics: [], params: [{ key: req.key, value: req.value }], tags: [] }, { single: true });
    return {};
  });
  route(['POST'], 'runs/set-tag', (input) => {
    const req = parseRequest(schemas.setTag, input);
    store.setTag(runIdOf(req), { key: req.key, value: req.value });
    return {};
  });
  route(['POST'], 'runs/delete-tag', (input) => {
    const req = parseRequest(schemas.deleteTag, input);
    store.runData.deleteTag(req.run_id, req.key);
    return {};
  });
  route(
    ['POST'],
    'runs/log-batch',
    (input) => {
      const req = parseLogBatch(input);
      store.logBatch(req.run_id, { metrics: req.metrics, params: req.params, tags: req.tags });
      return {};
    },
    { bodyLimit: LIMITS.batchMaxBodyBytes },
  );
  route(['POST'], 'runs/log-model', (input) => {
    const req = parseRequest(schemas.logModel, input);
    recordLoggedModel(store, req.run_id, req.model_json);
    return {};
  });
  route(['POST'], 'runs/log-inputs', (input) => {
    const req = parseRequest(schemas.logInputs, input);
    store.logInputs(req.run_id, req.datasets);
    return {};
  });
  route(['GET', 'POST'], 'runs/search', (input) => {
    const req = parseRequest(schemas.searchRuns, input);
    // Put together from each run's cached JSON document: a 1,000-run answer is ~1.6 MB, and
    // building it afresh, even as text, cost several times what selecting the runs does.
    return new JsonBytes(
      store.searchRunsJson(
        {
          experimentIds: req.experiment_ids,
          filter: req.filter,
          viewType: req.run_view_type,
          maxResults: req.max_results,
          orderBy: req.order_by,
          pageToken: req.page_token,
        },
        (size) => replyBuffers.take(size),
      ),
    );
  });
  route(['GET'], 'metrics/get-history', (input) => {
    const req = parseRequest(schemas.metricHistory, input);
    return store.runData.metricHistory(runIdOf(req), req.metric_key, req.max_results, req.page_token);
  });
  route(['GET'], 'artifacts/list', async (input) => {
    const req = parseRequest(schemas.listArtifacts, input);
    return store.listRunArtifacts(runIdOf(req), req.path);
  });
}
