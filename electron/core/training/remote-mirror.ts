/**
 * `mldesk train --run-id` on a machine that shares no disk with the tracking server (a BullMQ
 * worker): training writes into a scratch data dir under the server's run id, exactly as it does
 * locally, and this mirror copies that run to the server over the REST API and artifact proxy:
 * params and tags as they appear, per-epoch metrics while training runs (so a sweep's early
 * stopping sees them), then the files (model, lineage) and the final status.
 */
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { KeyValue } from '../../../shared/tracking-types.js';
import type { TrackingStore } from '../store/tracking-store.js';
import type { RestMetric, RestRun, TrackingClient } from '../automation/projects/tracking-client.js';

const MAX_METRICS = 1000;
const MAX_PARAMS = 100;
const MAX_TAGS = 100;
/** Set by the run's creator on the server (the project launch); the scratch run's own are meaningless there. */
const SERVER_OWNED = /^mlflow\.(runName|user|source\.|parentRunId|gitRepoURL)/;

export class RemoteRunMirror {
  private readonly sentParams = new Set<string>();
  private readonly sentTags = new Map<string, string>();
  private readonly sentPoints = new Map<string, number>();
  private chain: Promise<void> = Promise.resolve();
  private failure: Error | null = null;

  constructor(
    private readonly scratch: TrackingStore,
    private readonly client: TrackingClient,
    private readonly remote: RestRun,
  ) {
    // The project launch logged its parameters already; they keep its values (MLflow refuses a param changed).
    for (const param of remote.data.params ?? []) this.sentParams.add(param.key);
  }

  get runId(): string {
    return this.remote.info.run_id;
  }

  /** Queues a sync after the one under way (calls never overlap); a failure is kept for finish(). */
  sync(): Promise<void> {
    this.chain = this.chain.then(() => this.syncNow()).catch((error: unknown) => {
      this.failure ??= error as Error;
    });
    return this.chain;
  }

  private async syncNow(): Promise<void> {
    const run = this.scratch.runs.get(this.runId);
    const params = run.data.params.filter((param) => !this.sentParams.has(param.key));
    const tags = run.data.tags.filter((tag) => !SERVER_OWNED.test(tag.key) && this.sentTags.get(tag.key) !== tag.value);
    const metrics: RestMetric[] = [];
    for (const { key } of run.data.metrics) {
      const from = this.sentPoints.get(key) ?? 0;
      const history = this.scratch.runData.metricHistory(this.runId, key, undefined, undefined).metrics.slice(from);
      for (const point of history) metrics.push({ key, value: point.value, timestamp: point.timestamp, step: point.step });
      this.sentPoints.set(key, from + history.length);
    }
    await this.send(metrics, params, tags);
    for (const param of params) this.sentParams.add(param.key);
    for (const tag of tags) this.sentTags.set(tag.key, tag.value);
  }

  private async send(metrics: RestMetric[], params: KeyValue[], tags: KeyValue[]): Promise<void> {
    for (let m = 0, p = 0, t = 0; m < metrics.length || p < params.length || t < tags.length; m += MAX_METRICS, p += MAX_PARAMS, t += MAX_TAGS) {
      await this.client.logBatch(this.runId, { metrics: metrics.slice(m, m + MAX_METRICS), params: params.slice(p, p + MAX_PARAMS), tags: tags.slice(t, t + MAX_TAGS) });
    }
  }

  /** Last metrics and tags, dataset inputs, every artifact file, then the run's final status. */
  async finish(): Promise<void> {
    await this.sync();
    if (this.failure) throw this.failure;
    const run = this.scratch.runs.get(this.runId);
    const datasets = run.inputs?.dataset_inputs ?? [];
    if (datasets.length > 0) await this.client.logInputs(this.runId, datasets);
    const root = this.scratch.artifacts.localDirOf(run.info.artifact_uri);
    if (root !== null) {
      for (const file of await filesUnder(root)) await this.client.uploadArtifact(this.remote, relative(root, file).split(sep).join('/'), { file });
    }
    if (run.info.status !== 'RUNNING') await this.client.updateRun(this.runId, run.info.status as 'FINISHED' | 'FAILED' | 'KILLED', run.info.end_time ?? Date.now());
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await filesUnder(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}
