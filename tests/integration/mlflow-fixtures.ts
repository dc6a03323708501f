/**
 * Small MLflow-client-shaped helpers shared by the integration tests: request bodies look like the
 * ones MLflow's Python client 2.x sends (string ids, millisecond timestamps, run_uuid alongside run_id).
 */
import { expect } from 'vitest';
import { BASE_TIME, uniqueName, type ApiClient, type ApiResponse, type MlflowError } from './server-process.js';

export interface WireKeyValue {
  key: string;
  value: string;
}

export interface WireMetric {
  key: string;
  value: number | string;
  timestamp: number;
  step: number;
}

export interface WireRunInfo {
  run_id: string;
  run_uuid: string;
  run_name: string;
  experiment_id: string;
  user_id: string;
  status: string;
  start_time?: number;
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: string;
}

export interface WireRun {
  info: WireRunInfo;
  data: { metrics?: WireMetric[]; params?: WireKeyValue[]; tags?: WireKeyValue[] };
  inputs?: { dataset_inputs?: Array<{ tags?: WireKeyValue[]; dataset: Record<string, string> }> };
}

export interface WireExperiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  last_update_time: number;
  creation_time: number;
  tags?: WireKeyValue[];
}

export async function createExperiment(api: ApiClient, name = uniqueName('exp'), tags: WireKeyValue[] = []): Promise<string> {
  const res = await api.post<{ experiment_id: string }>('experiments/create', { name, tags });
  expect(res.status, res.text).toBe(200);
  expect(typeof res.body.experiment_id).toBe('string');
  return res.body.experiment_id;
}

export async function createRun(
  api: ApiClient,
  experimentId: string,
  extra: { run_name?: string; start_time?: number | string; tags?: WireKeyValue[]; user_id?: string } = {},
): Promise<WireRun> {
  const res = await api.post<{ run: WireRun }>('runs/create', {
    experiment_id: experimentId,
    user_id: extra.user_id ?? 'tester',
    start_time: extra.start_time ?? Date.now(),
    tags: extra.tags ?? [],
    ...(extra.run_name !== undefined ? { run_name: extra.run_name } : {}),
  });
  expect(res.status, res.text).toBe(200);
  return res.body.run;
}

export async function getRun(api: ApiClient, runId: string): Promise<WireRun> {
  const res = await api.get<{ run: WireRun }>('runs/get', { run_id: runId });
  expect(res.status, res.text).toBe(200);
  return res.body.run;
}

export async function logBatch(
  api: ApiClient,
  runId: string,
  batch: { metrics?: WireMetric[]; params?: WireKeyValue[]; tags?: WireKeyValue[] },
): Promise<void> {
  const res = await api.post('runs/log-batch', { run_id: runId, metrics: batch.metrics ?? [], params: batch.params ?? [], tags: batch.tags ?? [] });
  expect(res.status, res.text).toBe(200);
}

export async function metricHistory(api: ApiClient, runId: string, key: string): Promise<WireMetric[]> {
  const res = await api.get<{ metrics?: WireMetric[] }>('metrics/get-history', { run_id: runId, metric_key: key });
  expect(res.status, res.text).toBe(200);
  return res.body.metrics ?? [];
}

export function metric(key: string, value: number | string, step = 0, timestamp = BASE_TIME + step): WireMetric {
  return { key, value, timestamp, step };
}

export function tagValue(run: WireRun, key: string): string | undefined {
  return run.data.tags?.find((tag) => tag.key === key)?.value;
}

export function paramValue(run: WireRun, key: string): string | undefined {
  return run.data.params?.find((param) => param.key === key)?.value;
}

export function latestMetric(run: WireRun, key: string): WireMetric | undefined {
  return run.data.metrics?.find((m) => m.key === key);
}

/** Asserts MLflow's error shape: status, error_code, and a message naming every given fragment. */
export function expectMlflowError(res: ApiResponse<unknown>, status: number, errorCode: string, ...mentions: Array<string | RegExp>): MlflowError {
  expect(res.status, res.text).toBe(status);
  const body = res.body as MlflowError;
  expect(body.error_code, res.text).toBe(errorCode);
  expect(typeof body.message).toBe('string');
  for (const mention of mentions) {
    if (typeof mention === 'string') expect(body.message).toContain(mention);
    else expect(body.message).toMatch(mention);
  }
  return body;
}
