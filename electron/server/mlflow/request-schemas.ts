import { z } from 'zod';
import { LIMITS } from '../../../shared/tracking-limits.js';
import { RUN_STATUSES, VIEW_TYPES } from '../../../shared/tracking-types.js';
import { invalidParameter } from '../../core/errors.js';

/**
 * Request schemas of MLflow's REST API 2.0, as the protobuf JSON mapping accepts them: ids are
 * strings, int64 fields may come as numbers or numeric strings, doubles may be "NaN"/"Infinity".
 */
const id = z.union([z.string(), z.number().int().nonnegative()]).transform(String);
const int64 = z.union([z.number().int(), z.string().regex(/^-?\d+$/, 'expected an integer')]).transform(Number);
const double = z.unknown().transform((value, ctx) => {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (value === 'NaN') return NaN;
    if (value === 'Infinity' || value === 'inf') return Infinity;
    if (value === '-Infinity' || value === '-inf') return -Infinity;
    if (value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  }
  ctx.addIssue({ code: 'custom', message: 'expected a number (or "NaN", "Infinity", "-Infinity")' });
  return z.NEVER;
});
const keyValue = z.object({ key: z.string(), value: z.string() });
const keyValueOptional = z.object({ key: z.string(), value: z.string().optional().default('') });
export const maxResults = (limit: number, fallback: number) =>
  z
    .union([z.number().int(), z.string().regex(/^\d+$/, 'expected an integer')])
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be at least 1').max(limit, `must be at most ${limit}`))
    .optional()
    .default(fallback);
export const stringList = z.union([z.array(z.string()), z.string()]).transform((v) => (Array.isArray(v) ? v : [v]));
/**
 * MLDesk's bounds on runs/search (MLflow has none): each experiment id is a bound SQL value (SQLite
 * takes 32,766 per statement) and each order_by key a joined table (SQLite joins at most 64).
 */
const SEARCH_MAX_EXPERIMENT_IDS = 10_000;
const SEARCH_MAX_ORDER_BY = 20;

export const schemas = {
  createExperiment: z.object({
    name: z.string().min(1, 'cannot be empty').max(LIMITS.maxExperimentNameLength),
    artifact_location: z.string().optional(),
    tags: z.array(keyValue).optional().default([]),
  }),
  experimentId: z.object({ experiment_id: id }),
  experimentByName: z.object({ experiment_name: z.string() }),
  updateExperiment: z.object({ experiment_id: id, new_name: z.string() }),
  setExperimentTag: z.object({ experiment_id: id, key: z.string(), value: z.string() }),
  searchExperiments: z.object({
    max_results: maxResults(LIMITS.experimentSearchMaxResults, LIMITS.experimentSearchDefaultMaxResults),
    page_token: z.string().optional(),
    filter: z.string().optional(),
    order_by: stringList.optional().default([]),
    view_type: z.enum(VIEW_TYPES).optional().default('ACTIVE_ONLY'),
  }),
  createRun: z.object({
    experiment_id: id.optional().default('0'),
    user_id: z.string().optional(),
    run_name: z.string().max(LIMITS.maxRunNameLength).optional(),
    start_time: int64.optional(),
    tags: z.array(keyValue).optional().default([]),
  }),
  updateRun: z.object({
    run_id: z.string().optional(),
    run_uuid: z.string().optional(),
    status: z.enum(RUN_STATUSES).optional(),
    end_time: int64.optional(),
    run_name: z.string().max(LIMITS.maxRunNameLength).optional(),
  }),
  runId: z.object({ run_id: z.string().optional(), run_uuid: z.string().optional() }),
  logMetric: z.object({
    run_id: z.string().optional(),
    run_uuid: z.string().optional(),
    key: z.string(),
    value: double,
    timestamp: int64,
    step: int64.optional().default(0),
  }),
  logParam: z.object({ run_id: z.string().optional(), run_uuid: z.string().optional(), key: z.string(), value: z.string() }),
  setTag: z.object({ run_id: z.string().optional(), run_uuid: z.string().optional(), key: z.string(), value: z.string() }),
  deleteTag: z.object({ run_id: z.string(), key: z.string() }),
  logBatch: z.object({
    run_id: z.string(),
    metrics: z
      .array(z.object({ key: z.string(), value: double, timestamp: int64, step: int64.optional().default(0) }))
      .optional()
      .default([]),
    params: z.array(keyValue).optional().default([]),
    tags: z.array(keyValue).optional().default([]),
  }),
  logModel: z.object({ run_id: z.string(), model_json: z.string() }),
  logInputs: z.object({
    run_id: z.string(),
    datasets: z
      .array(
        z.object({
          tags: z.array(keyValueOptional).optional().default([]),
          dataset: z.object({
            name: z.string(),
            digest: z.string(),
            source_type: z.string(),
            source: z.string(),
            schema: z.string().optional(),
            profile: z.string().optional(),
          }),
        }),
      )
      .optional()
      .default([]),
  }),
  searchRuns: z.object({
    experiment_ids: stringList
      .pipe(z.array(z.string()).max(SEARCH_MAX_EXPERIMENT_IDS, `may name at most ${SEARCH_MAX_EXPERIMENT_IDS} experiments`))
      .optional()
      .default([]),
    filter: z.string().optional(),
    run_view_type: z.enum(VIEW_TYPES).optional().default('ACTIVE_ONLY'),
    max_results: maxResults(LIMITS.searchMaxResults, LIMITS.searchDefaultMaxResults),
    order_by: stringList.pipe(z.array(z.string()).max(SEARCH_MAX_ORDER_BY, `may hold at most ${SEARCH_MAX_ORDER_BY} keys`)).optional().default([]),
    page_token: z.string().optional(),
  }),
  metricHistory: z.object({
    run_id: z.string().optional(),
    run_uuid: z.string().optional(),
    metric_key: z.string(),
    page_token: z.string().optional(),
    max_results: z
      .union([z.number().int(), z.string().regex(/^\d+$/, 'expected an integer')])
      .transform(Number)
      .pipe(z.number().int().min(1).max(1_000_000))
      .optional(),
  }),
  listArtifacts: z.object({
    run_id: z.string().optional(),
    run_uuid: z.string().optional(),
    path: z.string().optional(),
    page_token: z.string().optional(),
  }),
};

function fieldName(path: PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Parses a request with a schema; the first problem becomes MLflow's INVALID_PARAMETER_VALUE naming the field. */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = fieldName(issue.path);
  let received: unknown = input;
  for (const part of issue.path) received = (received as Record<PropertyKey, unknown> | undefined)?.[part];
  if (received === undefined) throw invalidParameter(`Missing value for required parameter '${field}'.`);
  throw invalidParameter(`Invalid value ${describe(received)} for parameter '${field}' supplied: ${issue.message}.`);
}

/** MLflow accepts the deprecated run_uuid wherever run_id is expected. */
export function runIdOf(request: { run_id?: string | undefined; run_uuid?: string | undefined }): string {
  const value = request.run_id || request.run_uuid;
  if (!value) throw invalidParameter("Missing value for required parameter 'run_id'.");
  return value;
}

export type LogBatchRequest = z.infer<typeof schemas.logBatch>;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function plainKeyValues(list: unknown): Array<{ key: string; value: string }> | undefined {
  if (list === undefined) return [];
  if (!Array.isArray(list)) return undefined;
  const out = new Array<{ key: string; value: string }>(list.length);
  for (let i = 0; i < list.length; i++) {
    const item: unknown = list[i];
    if (!isRecord(item) || typeof item.key !== 'string' || typeof item.value !== 'string') return undefined;
    out[i] = { key: item.key, value: item.value };
  }
  return out;
}

/**
 * log-batch as MLflow clients send it (numbers as JSON numbers, integers within 2^53) read
 * without zod, which cost about as much as storing the points for 1,000 of them; anything else
 * goes through the schema. Accepts only what the schema accepts and gives the same result.
 */
export function parseLogBatch(input: unknown): LogBatchRequest {
  return plainLogBatch(input) ?? parseRequest(schemas.logBatch, input);
}

export function plainLogBatch(input: unknown): LogBatchRequest | undefined {
  if (!isRecord(input) || typeof input.run_id !== 'string') return undefined;
  const params = plainKeyValues(input.params);
  const tags = plainKeyValues(input.tags);
  if (!params || !tags) return undefined;
  const list = input.metrics;
  if (list !== undefined && !Array.isArray(list)) return undefined;
  const metrics = new Array<{ key: string; value: number; timestamp: number; step: number }>(list?.length ?? 0);
  for (let i = 0; i < metrics.length; i++) {
    const item: unknown = list![i];
    if (!isRecord(item)) return undefined;
    const { key, value, timestamp, step } = item;
    if (typeof key !== 'string' || typeof value !== 'number' || !Number.isSafeInteger(timestamp)) return undefined;
    if (step !== undefined && !Number.isSafeInteger(step)) return undefined;
    metrics[i] = { key, value, timestamp: timestamp as number, step: (step as number | undefined) ?? 0 };
  }
  return { run_id: input.run_id, metrics, params, tags };
}
