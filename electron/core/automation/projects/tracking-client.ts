/**
 * The few MLflow REST calls a project launch makes, against any MLflow-compatible tracking server
 * (`mldesk serve` or MLflow's own): nothing here touches a local store, so a worker on another
 * machine launches exactly as the app does. Artifacts go through the artifact proxy
 * (`/api/2.0/mlflow-artifacts/artifacts/...`), so run artifact URIs must be `mlflow-artifacts:/…`.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { MLDeskError, type ErrorCode } from '../../errors.js';

export interface RestRunInfo {
  run_id: string;
  experiment_id: string;
  status: string;
  artifact_uri: string;
  lifecycle_stage: string;
}

export interface RestRun {
  info: RestRunInfo;
  data: { metrics?: { key: string; value: number; step: number; timestamp: number }[]; params?: KV[]; tags?: KV[] };
}

export interface RestMetric {
  key: string;
  /** A number, or MLflow's strings for non-finite values ('NaN', 'Infinity', '-Infinity'). */
  value: number | string;
  timestamp: number;
  step: number;
}

export interface KV {
  key: string;
  value: string;
}

const PROXY_SCHEME = 'mlflow-artifacts:';
/** MLflow's limits on one log-batch call. */
const MAX_BATCH_PARAMS = 100;
const MAX_BATCH_TAGS = 100;

export class TrackingClient {
  private readonly base: string;

  constructor(
    trackingUri: string,
    private readonly token?: string,
  ) {
    if (!/^https?:\/\//.test(trackingUri)) throw new MLDeskError('INVALID_PARAMETER_VALUE', `The tracking URI must be http(s)://HOST:PORT, got '${trackingUri}'.`);
    this.base = trackingUri.replace(/\/+$/, '');
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...extra };
  }

  private async call<T>(method: 'GET' | 'POST', endpoint: string, body?: Record<string, unknown>): Promise<T> {
    const url = new URL(`${this.base}/api/2.0/mlflow/${endpoint}`);
    if (method === 'GET' && body) for (const [key, value] of Object.entries(body)) url.searchParams.set(key, String(value));
    const response = await fetch(url, {
      method,
      headers: this.headers(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined,
    });
    const text = await response.text();
    if (!response.ok) throw restError(`${method} ${endpoint}`, response.status, text);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** The experiment's id, created when no experiment has that name. */
  async experimentId(name: string): Promise<string> {
    try {
      const found = await this.call<{ experiment: { experiment_id: string; lifecycle_stage: string } }>('GET', 'experiments/get-by-name', { experiment_name: name });
      if (found.experiment.lifecycle_stage !== 'active') throw new MLDeskError('INVALID_PARAMETER_VALUE', `The experiment '${name}' is deleted; restore it or use another name.`);
      return found.experiment.experiment_id;
    } catch (error) {
      if ((error as MLDeskError).code !== 'RESOURCE_DOES_NOT_EXIST') throw error;
    }
    return (await this.call<{ experiment_id: string }>('POST', 'experiments/create', { name })).experiment_id;
  }

  async createRun(experimentId: string, tags: KV[], runName?: string): Promise<RestRun> {
    return (await this.call<{ run: RestRun }>('POST', 'runs/create', { experiment_id: experimentId, start_time: Date.now(), tags, ...(runName ? { run_name: runName } : {}) })).run;
  }

  async getRun(runId: string): Promise<RestRun> {
    return (await this.call<{ run: RestRun }>('GET', 'runs/get', { run_id: runId })).run;
  }

  async logParamsAndTags(runId: string, params: KV[], tags: KV[]): Promise<void> {
    for (let i = 0; i < Math.max(params.length, tags.length); i += MAX_BATCH_PARAMS) {
      await this.call('POST', 'runs/log-batch', { run_id: runId, params: params.slice(i, i + MAX_BATCH_PARAMS), tags: tags.slice(i, i + MAX_BATCH_TAGS), metrics: [] });
    }
  }

  /** One runs/log-batch call: the caller keeps within MLflow's limits (1000 metrics, 100 params, 100 tags). */
  async logBatch(runId: string, batch: { metrics: RestMetric[]; params: KV[]; tags: KV[] }): Promise<void> {
    await this.call('POST', 'runs/log-batch', { run_id: runId, ...batch });
  }

  async logInputs(runId: string, datasets: unknown[]): Promise<void> {
    await this.call('POST', 'runs/log-inputs', { run_id: runId, datasets });
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.call('POST', 'runs/set-tag', { run_id: runId, key, value });
  }

  async updateRun(runId: string, status: 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED', endTime?: number): Promise<void> {
    await this.call('POST', 'runs/update', { run_id: runId, status, ...(endTime !== undefined ? { end_time: endTime } : {}) });
  }

  /** The proxy path of a run artifact: `<artifact_uri minus mlflow-artifacts:>/<path>`. */
  artifactUrl(run: RestRun, path: string): string {
    const uri = run.info.artifact_uri;
    if (!uri.startsWith(PROXY_SCHEME)) {
      throw new MLDeskError('INVALID_STATE', `Run ${run.info.run_id} stores its artifacts at '${uri}', not behind the tracking server's artifact proxy (mlflow-artifacts:/…).`);
    }
    const root = uri.slice(PROXY_SCHEME.length).replace(/^\/+|\/+$/g, '');
    const encoded = [...root.split('/'), ...path.split('/')].map(encodeURIComponent).join('/');
    return `${this.base}/api/2.0/mlflow-artifacts/artifacts/${encoded}`;
  }

  async uploadArtifact(run: RestRun, path: string, body: Buffer | string | { file: string }): Promise<void> {
    let payload: Buffer | ReadableStream;
    let length: number;
    if (typeof body === 'object' && !Buffer.isBuffer(body)) {
      length = (await stat(body.file)).size;
      payload = Readable.toWeb(createReadStream(body.file)) as ReadableStream;
    } else {
      payload = Buffer.isBuffer(body) ? body : Buffer.from(body);
      length = payload.length;
    }
    const response = await fetch(this.artifactUrl(run, path), {
      method: 'PUT',
      headers: this.headers({ 'content-type': 'application/octet-stream', 'content-length': String(length) }),
      body: payload,
      duplex: 'half',
    } as RequestInit);
    if (!response.ok) throw restError(`upload of ${path}`, response.status, await response.text());
  }

  async downloadArtifact(run: RestRun, path: string): Promise<Response> {
    const response = await fetch(this.artifactUrl(run, path), { headers: this.headers() });
    if (!response.ok) throw restError(`download of ${path}`, response.status, await response.text());
    return response;
  }
}

function restError(what: string, status: number, text: string): MLDeskError {
  let code: ErrorCode = status === 404 ? 'RESOURCE_DOES_NOT_EXIST' : status === 401 ? 'UNAUTHENTICATED' : status === 403 ? 'PERMISSION_DENIED' : status >= 500 ? 'TEMPORARILY_UNAVAILABLE' : 'BAD_REQUEST';
  let message = text.slice(0, 500);
  try {
    const parsed = JSON.parse(text) as { error_code?: string; message?: string };
    if (parsed.message) message = parsed.message;
    if (parsed.error_code === 'INVALID_PARAMETER_VALUE' || parsed.error_code === 'RESOURCE_DOES_NOT_EXIST' || parsed.error_code === 'INVALID_STATE') code = parsed.error_code;
  } catch {
    // Not MLflow's JSON error shape: the text itself is the message.
  }
  return new MLDeskError(code, `Tracking server: ${what} failed (HTTP ${status}): ${message}`);
}
