import { MLDeskError } from '../errors.js';

/**
 * The few tracking-server calls a BullMQ worker (and its controller) make, over the MLflow REST API
 * and artifact proxy only: a worker on another machine has no data dir and no shared disk.
 */

export interface RestRun {
  info: { run_id: string; experiment_id: string; status: string; run_name?: string; artifact_uri?: string; end_time?: number };
  data: { tags?: { key: string; value: string }[]; params?: { key: string; value: string }[] };
}

const TAG_LIMIT = 5000;
const clip = (text: string) => (text.length > TAG_LIMIT ? `${text.slice(0, TAG_LIMIT - 1)}…` : text);

export class TrackingRest {
  private readonly base: string;

  constructor(
    trackingUri: string,
    private readonly token?: string,
  ) {
    this.base = trackingUri.replace(/\/+$/, '');
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}`, ...extra } : extra;
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const url = `${this.base}/api/2.0/mlflow/${path}`;
    const response = await fetch(method === 'GET' && body ? `${url}?${new URLSearchParams(body as Record<string, string>)}` : url, {
      method,
      headers: this.headers(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (!response.ok) {
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        // not JSON: keep the text
      }
      throw new MLDeskError(response.status === 404 ? 'RESOURCE_DOES_NOT_EXIST' : 'TEMPORARILY_UNAVAILABLE', `Tracking server ${this.base}: ${path} answered ${response.status}: ${message}`);
    }
    return (text ? JSON.parse(text) : {}) as T;
  }

  async getRun(runId: string): Promise<RestRun> {
    return (await this.call<{ run: RestRun }>('GET', 'runs/get', { run_id: runId })).run;
  }

  async createRun(experimentId: string, runName: string, tags: Record<string, string>): Promise<RestRun> {
    const body = { experiment_id: experimentId, run_name: runName, start_time: Date.now(), tags: Object.entries(tags).map(([key, value]) => ({ key, value: clip(value) })) };
    return (await this.call<{ run: RestRun }>('POST', 'runs/create', body)).run;
  }

  async setTags(runId: string, tags: Record<string, string>): Promise<void> {
    if (Object.keys(tags).length === 0) return;
    await this.call('POST', 'runs/log-batch', { run_id: runId, tags: Object.entries(tags).map(([key, value]) => ({ key, value: clip(value) })) });
  }

  async logParams(runId: string, params: readonly { key: string; value: string }[]): Promise<void> {
    if (params.length === 0) return;
    await this.call('POST', 'runs/log-batch', { run_id: runId, params });
  }

  async endRun(runId: string, status: 'FINISHED' | 'FAILED' | 'KILLED'): Promise<void> {
    await this.call('POST', 'runs/update', { run_id: runId, status, end_time: Date.now() });
  }

  /** Ends a run still RUNNING (or SCHEDULED) with the reason as a tag; one already ended is left as it is. */
  async endRunIfOpen(runId: string, status: 'FAILED' | 'KILLED', reasonTag: string, reason: string): Promise<boolean> {
    const run = await this.getRun(runId);
    if (run.info.status !== 'RUNNING' && run.info.status !== 'SCHEDULED') return false;
    await this.setTags(runId, { [reasonTag]: reason });
    await this.endRun(runId, status);
    return true;
  }

  /** Uploads one file through the artifact proxy into the run's artifacts. */
  async putArtifact(run: RestRun, path: string, body: Uint8Array | string): Promise<void> {
    const root = (run.info.artifact_uri ?? '').replace(/^mlflow-artifacts:\/*/, '');
    if (!root || root === run.info.artifact_uri) throw new MLDeskError('INVALID_STATE', `Run ${run.info.run_id} does not store artifacts behind the tracking server's proxy (${run.info.artifact_uri ?? 'no artifact_uri'}).`);
    const url = `${this.base}/api/2.0/mlflow-artifacts/artifacts/${root}/${path.split('/').map(encodeURIComponent).join('/')}`;
    const response = await fetch(url, { method: 'PUT', headers: this.headers({ 'content-type': 'application/octet-stream' }), body, signal: AbortSignal.timeout(60_000) });
    if (!response.ok) throw new MLDeskError('TEMPORARILY_UNAVAILABLE', `Tracking server ${this.base}: uploading ${path} answered ${response.status}: ${await response.text()}`);
  }
}
