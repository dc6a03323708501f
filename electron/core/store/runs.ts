import { randomUUID } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { RUN_STATUSES, type KeyValue, type Run, type RunInfo, type RunStatus } from '../../../shared/tracking-types.js';
import { invalidParameter, notFound } from '../errors.js';
import type { AppEventBus } from '../app-events.js';
import type { SqliteDatabase } from './database.js';
import type { ExperimentStore } from './experiments.js';
import { metricQueueOf, type MetricQueue } from './metric-queue.js';
import { generateRunName } from './run-names.js';

export interface RunRow {
  run_pk: number;
  run_uuid: string;
  experiment_id: number;
  name: string;
  user_id: string;
  status: RunStatus;
  start_time: number | null;
  end_time: number | null;
  lifecycle_stage: 'active' | 'deleted';
  artifact_uri: string;
}

export interface CreateRunInput {
  experimentId: string;
  userId?: string;
  runName?: string;
  startTime?: number;
  tags: KeyValue[];
  /**
   * The id to give the run (32 hex digits) instead of a fresh one: `mldesk train --run-id` on a
   * remote worker trains into a scratch copy of the tracking server's run under the same id.
   */
  runId?: string;
}

export const RUN_NAME_TAG = 'mlflow.runName';
export const USER_TAG = 'mlflow.user';

export function runInfoFromRow(row: RunRow): RunInfo {
  const info: RunInfo = {
    run_id: row.run_uuid,
    run_uuid: row.run_uuid,
    run_name: row.name,
    experiment_id: String(row.experiment_id),
    user_id: row.user_id,
    status: row.status,
    artifact_uri: row.artifact_uri,
    lifecycle_stage: row.lifecycle_stage,
  };
  if (row.start_time !== null) info.start_time = row.start_time;
  if (row.end_time !== null) info.end_time = row.end_time;
  return info;
}

/** Run lifecycle: create, read, update, delete and restore. Logging data is in run-data.ts. */
export class RunStore {
  private readonly byUuid: Statement<[string], RunRow>;
  private readonly insert: Statement;
  private readonly upsertTag: Statement;
  private readonly inputTags: Statement;
  private readonly pageStatements: { metrics: Statement; params: Statement; tags: Statement; inputs: Statement };
  private readonly queue: MetricQueue;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly experiments: ExperimentStore,
    private readonly events?: AppEventBus,
  ) {
    this.byUuid = db.prepare(
      `SELECT run_pk, run_uuid, experiment_id, name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri
       FROM runs WHERE run_uuid = ?`,
    );
    this.insert = db.prepare(
      `INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, end_time, artifact_uri)
       VALUES (?, ?, ?, ?, 'RUNNING', ?, NULL, ?)`,
    );
    this.upsertTag = db.prepare(
      `INSERT INTO tags (run_pk, key, value) VALUES (?, ?, ?)
       ON CONFLICT (run_pk, key) DO UPDATE SET value = excluded.value`,
    );
    this.queue = metricQueueOf(db);
    this.inputTags = db.prepare('SELECT key, value FROM run_input_tags WHERE run_pk = ? AND dataset_pk = ? ORDER BY key');
    const page = 'run_pk IN (SELECT value FROM json_each(?))';
    this.pageStatements = {
      metrics: db.prepare(`SELECT run_pk, key, value, is_nan, step, timestamp FROM latest_metrics WHERE ${page} ORDER BY run_pk, key`).raw(),
      params: db.prepare(`SELECT run_pk, key, value FROM params WHERE ${page} ORDER BY run_pk, key`).raw(),
      tags: db.prepare(`SELECT run_pk, key, value FROM tags WHERE ${page} ORDER BY run_pk, key`).raw(),
      inputs: db.prepare(
        `SELECT ri.run_pk, d.dataset_pk, d.name, d.digest, d.source_type, d.source, d.schema, d.profile
         FROM run_inputs ri JOIN datasets d ON d.dataset_pk = ri.dataset_pk WHERE ri.${page} ORDER BY ri.run_pk, ri.dataset_pk`,
      ),
    };
  }

  row(runId: string, field = 'run_id'): RunRow {
    if (runId === '') throw invalidParameter(`Missing value for required parameter '${field}'.`);
    const row = this.byUuid.get(runId);
    if (!row) throw notFound(`Run with id=${runId} not found`);
    return row;
  }

  /** The run, which must not be deleted: MLflow refuses to log to deleted runs. */
  activeRow(runId: string): RunRow {
    const row = this.row(runId);
    if (row.lifecycle_stage !== 'active') {
      throw invalidParameter(`The run ${runId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`);
    }
    return row;
  }

  create(input: CreateRunInput): RunRow {
    const experiment = this.experiments.row(input.experimentId);
    if (experiment.lifecycle_stage !== 'active') {
      throw invalidParameter(
        `The experiment ${input.experimentId} must be in the 'active' state. Current state is ${experiment.lifecycle_stage}.`,
      );
    }
    const tagName = input.tags.find((tag) => tag.key === RUN_NAME_TAG)?.value;
    if (input.runName && tagName && input.runName !== tagName) {
      throw invalidParameter(
        `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${input.runName}', mlflow.runName='${tagName}').`,
      );
    }
    const name = input.runName || tagName || generateRunName();
    const userId = input.userId ?? input.tags.find((tag) => tag.key === USER_TAG)?.value ?? '';
    if (input.runId !== undefined && !/^[0-9a-f]{32}$/.test(input.runId)) throw invalidParameter(`Run id '${input.runId}' must be 32 lowercase hex digits.`);
    const uuid = input.runId ?? randomUUID().replaceAll('-', '');
    const base = experiment.artifact_location.replace(/\/+$/, '');
    const artifactUri = `${base}/${uuid}/artifacts`;
    const created = this.db.transaction(() => {
      const info = this.insert.run(uuid, experiment.experiment_id, name, userId, input.startTime ?? Date.now(), artifactUri);
      const runPk = Number(info.lastInsertRowid);
      for (const tag of input.tags) this.upsertTag.run(runPk, tag.key, tag.value);
      this.upsertTag.run(runPk, RUN_NAME_TAG, name);
      return this.row(uuid);
    })();
    this.changed(created);
    return created;
  }

  update(runId: string, patch: { status?: RunStatus; endTime?: number; runName?: string }): RunInfo {
    const row = this.activeRow(runId);
    if (patch.status !== undefined && !RUN_STATUSES.includes(patch.status)) {
      throw invalidParameter(`Invalid value '${patch.status}' for parameter 'status': expected one of ${RUN_STATUSES.join(', ')}.`);
    }
    this.db.transaction(() => {
      this.db
        .prepare('UPDATE runs SET status = COALESCE(?, status), end_time = COALESCE(?, end_time), name = COALESCE(?, name) WHERE run_pk = ?')
        .run(patch.status ?? null, patch.endTime ?? null, patch.runName || null, row.run_pk);
      if (patch.runName) this.upsertTag.run(row.run_pk, RUN_NAME_TAG, patch.runName);
    })();
    const updated = this.row(runId);
    this.changed(updated);
    return runInfoFromRow(updated);
  }

  /** Tells listeners (the UI) that a run's info, params or tags changed. */
  changed(row: RunRow): void {
    this.events?.emit('run.changed', { runId: row.run_uuid, experimentId: String(row.experiment_id) });
  }

  setLifecycle(runId: string, stage: 'active' | 'deleted'): void {
    const row = this.row(runId);
    this.db
      .prepare('UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE run_pk = ?')
      .run(stage, stage === 'deleted' ? Date.now() : null, row.run_pk);
    this.changed(row);
  }

  get(runId: string): Run {
    return this.load([this.row(runId)])[0]!;
  }

  /** Loads whole runs (latest metrics, params, tags, inputs) for rows in the given order. */
  load(rows: RunRow[]): Run[] {
    const runs = new Map<number, Run>();
    for (const row of rows) {
      runs.set(row.run_pk, {
        info: runInfoFromRow(row),
        data: { metrics: [], params: [], tags: [] },
        inputs: { dataset_inputs: [] },
      });
    }
    if (rows.length === 0) return [];
    // Points the tracking server logged moments ago may still be queued for latest_metrics.
    if (rows.length === 1) this.queue.fold(rows[0]!.run_pk);
    else this.queue.fold();
    // The page's run keys go in as one JSON array: one prepared statement per table for any page size.
    const pks = JSON.stringify(rows.map((row) => row.run_pk));
    const { metrics, params, tags, inputs } = this.pageStatements;
    for (const m of metrics.iterate(pks) as IterableIterator<[number, string, number, number, number, number]>) {
      runs.get(m[0])!.data.metrics.push({ key: m[1], value: wireValue(m[2], m[3]), timestamp: m[5], step: m[4] });
    }
    for (const p of params.iterate(pks) as IterableIterator<[number, string, string]>) {
      runs.get(p[0])!.data.params.push({ key: p[1], value: p[2] });
    }
    for (const t of tags.iterate(pks) as IterableIterator<[number, string, string]>) {
      runs.get(t[0])!.data.tags.push({ key: t[1], value: t[2] });
    }
    const inputRows = inputs.all(pks) as Array<{
      run_pk: number;
      dataset_pk: number;
      name: string;
      digest: string;
      source_type: string;
      source: string;
      schema: string | null;
      profile: string | null;
    }>;
    for (const input of inputRows) {
      const dataset: Run['inputs']['dataset_inputs'][number]['dataset'] = {
        name: input.name,
        digest: input.digest,
        source_type: input.source_type,
        source: input.source,
      };
      if (input.schema !== null) dataset.schema = input.schema;
      if (input.profile !== null) dataset.profile = input.profile;
      runs.get(input.run_pk)!.inputs.dataset_inputs.push({
        tags: this.inputTags.all(input.run_pk, input.dataset_pk) as KeyValue[],
        dataset,
      });
    }
    return [...runs.values()];
  }
}

function wireValue(value: number, isNan: number): number | 'NaN' | 'Infinity' | '-Infinity' {
  if (isNan) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}
