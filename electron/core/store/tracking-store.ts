import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { DatasetInput, FileInfo, KeyValue, Run, RunInfo, RunStatus } from '../../../shared/tracking-types.js';
import { AppEventBus } from '../app-events.js';
import { dataDirLayout } from '../data-dir.js';
import { invalidParameter } from '../errors.js';
import { ArtifactFiles, PROXY_SCHEME } from './artifact-files.js';
import { openDatabase, type SqliteDatabase } from './database.js';
import { ExperimentStore } from './experiments.js';
import { RunDataStore, type Batch } from './run-data.js';
import { logInputs } from './run-inputs.js';
import { RunJsonWriter } from './run-json.js';
import { searchRuns, searchRunsJson, type RunSearch } from './run-search.js';
import { forgetRunArtifacts, recordRunArtifact, runArtifactTarget, type RunArtifactTarget } from './run-artifact-index.js';
import { StoreMaintenance } from './store-maintenance.js';
import { RunStore, type CreateRunInput } from './runs.js';

/**
 * The lineage store of one data directory: the SQLite database plus the artifact files beside it.
 * Every service (tracking server, CLI, Electron app) goes through this one object.
 */
export class TrackingStore {
  readonly experiments: ExperimentStore;
  readonly runs: RunStore;
  readonly runData: RunDataStore;
  readonly artifacts: ArtifactFiles;
  readonly events = new AppEventBus();
  private readonly runJson: RunJsonWriter;
  private maintenance: StoreMaintenance | null = null;
  private closed = false;

  private constructor(
    readonly db: SqliteDatabase,
    readonly dataDir: string,
  ) {
    const layout = dataDirLayout(dataDir);
    this.artifacts = new ArtifactFiles(layout.artifacts);
    this.experiments = new ExperimentStore(db, (id) => `${PROXY_SCHEME}/${id}`, this.events);
    this.runs = new RunStore(db, this.experiments, this.events);
    this.runData = new RunDataStore(db, this.runs, this.events);
    this.runJson = new RunJsonWriter(db);
  }

  /**
   * `background: true` (the tracking server) moves WAL checkpoints and the storing of metric
   * points (queued by its requests, see metric-queue.ts) to a worker thread (store-maintenance.ts), off the path of its requests.
   */
  static open(dataDir: string, options: { background?: boolean } = {}): TrackingStore {
    const path = dataDirLayout(dataDir).database;
    const store = new TrackingStore(openDatabase(path), dataDir);
    if (options.background) store.maintenance = StoreMaintenance.start(store.db, path, store.runData);
    return store;
  }

  createRun(input: CreateRunInput): Run {
    return this.runs.get(this.runs.create(input).run_uuid);
  }

  updateRun(runId: string, patch: { status?: RunStatus; endTime?: number; runName?: string }): RunInfo {
    return this.runs.update(runId, patch);
  }

  logBatch(runId: string, batch: Batch, options: { single?: boolean } = {}): void {
    this.runData.logBatch(runId, batch, options);
  }

  logInputs(runId: string, inputs: DatasetInput[]): void {
    logInputs(this.db, this.runs, runId, inputs);
  }

  setTag(runId: string, tag: KeyValue): void {
    this.runData.logBatch(runId, { metrics: [], params: [], tags: [tag] }, { single: true });
  }

  searchRuns(query: RunSearch): { runs: Run[]; next_page_token?: string } {
    // Filters and order read latest_metrics of every run: points still queued must be there.
    this.runData.queue.fold();
    return searchRuns(this.db, this.runs, query);
  }

  /** searchRuns as MLflow's runs/search answer in UTF-8 JSON, for the HTTP route, written into `allocate(size)`. */
  searchRunsJson(query: RunSearch, allocate?: (size: number) => Buffer): Buffer {
    this.runData.queue.fold();
    return searchRunsJson(this.db, this.runJson, query, allocate);
  }

  /** artifacts/list for a run: files directly under `path` of the run's artifact root. */
  async listRunArtifacts(runId: string, path: string | undefined): Promise<{ root_uri: string; files: FileInfo[] }> {
    const run = this.runs.row(runId);
    const root = this.artifacts.localDirOf(run.artifact_uri);
    if (root === null) {
      throw invalidParameter(`The artifact store of run ${runId} (${run.artifact_uri}) is not managed by this server; list it with its own client.`);
    }
    const sub = (path ?? '').replace(/^\/+|\/+$/g, '');
    if (sub.split('/').some((part) => part === '..')) {
      throw invalidParameter(`Invalid value '${path}' for parameter 'path': '..' is not allowed in artifact paths.`);
    }
    const files = await this.artifacts.list(sub ? join(root, sub) : root, sub);
    return { root_uri: run.artifact_uri, files };
  }

  /** Records an uploaded file in the artifacts index when it sits under a run's artifact root. */
  recordArtifact(relativeToRoot: string, size: number, sha256: string): void {
    const match = /^(\d+)\/([0-9a-f]{32})\/artifacts\/(.+)$/.exec(relativeToRoot);
    if (!match) return;
    const row = this.db.prepare('SELECT run_pk FROM runs WHERE run_uuid = ?').get(match[2]) as { run_pk: number } | undefined;
    if (!row) return;
    recordRunArtifact(this.db, row.run_pk, match[3]!, size, sha256);
  }

  /** Where an artifact-proxy upload or delete goes: strictly inside one run's artifact folder (else 400). */
  runArtifactTarget(proxyPath: string, allowRunRoot = false): RunArtifactTarget {
    return runArtifactTarget(this.artifacts, this.runs, proxyPath, allowRunRoot);
  }

  /** Stores an upload through the artifact proxy and indexes it under its run. */
  async putRunArtifact(proxyPath: string, body: Readable): Promise<void> {
    const { target, runPk, pathInRun } = this.runArtifactTarget(proxyPath);
    const { size, sha256 } = await this.artifacts.write(target, body, proxyPath);
    recordRunArtifact(this.db, runPk, pathInRun, size, sha256);
  }

  /** Deletes a file or folder through the artifact proxy, and its rows of the artifacts index. */
  async deleteRunArtifact(proxyPath: string): Promise<void> {
    const { target, runPk, pathInRun } = this.runArtifactTarget(proxyPath);
    await this.artifacts.remove(target);
    forgetRunArtifacts(this.db, runPk, pathInRun);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.events.close();
    this.maintenance?.stop();
    // Whatever is still queued is folded, so the file is complete on its own.
    this.runData.queue.fold();
    // Folding the WAL back leaves a single self-contained file for backups and bundles.
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
  }
}
