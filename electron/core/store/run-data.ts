import type { Statement } from 'better-sqlite3';
import { keyProblem, LIMITS, textLength } from '../../../shared/tracking-limits.js';
import { encodeMetricValue, type KeyValue, type Metric } from '../../../shared/tracking-types.js';
import { invalidParameter, notFound } from '../errors.js';
import type { AppEventBus } from '../app-events.js';
import { BulkStatement } from './bulk-statement.js';
import { BlockAccumulator, metricBlocksOf, type MetricBlocks } from './metric-blocks.js';
import { OPEN_GATE, type WriteGate } from './store-maintenance.js';
import type { SqliteDatabase } from './database.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { RUN_NAME_TAG, type RunStore } from './runs.js';

export interface MetricPoint {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface Batch {
  metrics: MetricPoint[];
  params: KeyValue[];
  tags: KeyValue[];
}

interface Latest {
  value: number;
  step: number;
  timestamp: number;
}

/** MLflow's notion of "latest": highest step, then latest timestamp, then largest value (NaN lowest). */
function isLater(a: Latest, b: Latest): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  const av = Number.isNaN(a.value) ? -Infinity : a.value;
  const bv = Number.isNaN(b.value) ? -Infinity : b.value;
  return av > bv;
}

/** The stored row stays when it is later than the incoming one (see isLater). */
const LATEST_CONFLICT = `ON CONFLICT (run_pk, key) DO UPDATE SET value = excluded.value, is_nan = excluded.is_nan,
    step = excluded.step, timestamp = excluded.timestamp
  WHERE excluded.step > latest_metrics.step
     OR (excluded.step = latest_metrics.step AND excluded.timestamp > latest_metrics.timestamp)
     OR (excluded.step = latest_metrics.step AND excluded.timestamp = latest_metrics.timestamp
         AND (CASE WHEN excluded.is_nan THEN -9e999 ELSE excluded.value END)
           > (CASE WHEN latest_metrics.is_nan THEN -9e999 ELSE latest_metrics.value END))`;

/** Thrown inside a savepoint to undo a bulk insert that met a point already stored. */
const REPEATED_POINT = Symbol('repeated point');

/** Logging to runs: metrics, params, tags and dataset inputs, each call one transaction. */
export class RunDataStore {
  private readonly insertMetric: Statement;
  private readonly upsertLatest: Statement;
  private readonly insertParam: Statement;
  private readonly paramsOfKeys: Statement<[number, string], { key: string; value: string }>;
  private readonly upsertTag: Statement;
  private readonly renameRun: Statement;
  private readonly bumpDataVersion: Statement;
  private readonly bulkMetrics: BulkStatement;
  private readonly bulkLatest: BulkStatement;
  readonly blocks: MetricBlocks;
  /**
   * Queue block summaries for a background fold instead of writing them in the request's
   * transaction; set while a store-maintenance worker runs (see metric-blocks.ts).
   */
  deferBlocks = false;
  /** Set with deferBlocks: tells the background fold when a request is writing. */
  writeGate: WriteGate = OPEN_GATE;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly runs: RunStore,
    private readonly events?: AppEventBus,
  ) {
    this.insertMetric = db.prepare('INSERT OR IGNORE INTO metrics (run_pk, key, step, timestamp, value, is_nan) VALUES (?, ?, ?, ?, ?, ?)');
    this.upsertLatest = db.prepare(`INSERT INTO latest_metrics (run_pk, key, value, is_nan, step, timestamp) VALUES (?, ?, ?, ?, ?, ?) ${LATEST_CONFLICT}`);
    this.bulkLatest = new BulkStatement(db, 'INSERT INTO latest_metrics (run_pk, key, value, is_nan, step, timestamp) VALUES', 6, LATEST_CONFLICT);
    this.bulkMetrics = new BulkStatement(db, 'INSERT OR IGNORE INTO metrics (run_pk, key, step, timestamp, value, is_nan) VALUES', 6);
    this.insertParam = db.prepare('INSERT OR IGNORE INTO params (run_pk, key, value) VALUES (?, ?, ?)');
    this.paramsOfKeys = db.prepare('SELECT key, value FROM params WHERE run_pk = ? AND key = ?');
    this.upsertTag = db.prepare(
      `INSERT INTO tags (run_pk, key, value) VALUES (?, ?, ?)
       ON CONFLICT (run_pk, key) DO UPDATE SET value = excluded.value`,
    );
    this.renameRun = db.prepare('UPDATE runs SET name = ? WHERE run_pk = ?');
    // latest_metrics has no trigger bumping the run's data version (see migration 9): once here.
    this.bumpDataVersion = db.prepare('UPDATE runs SET data_version = data_version + 1 WHERE run_pk = ?');
    this.blocks = metricBlocksOf(db);
  }

  /**
   * Validates everything first, then writes everything in one transaction: all or nothing.
   * `single` names fields as the one-item endpoints (log-metric, log-parameter, set-tag) call them.
   */
  logBatch(runId: string, batch: Batch, options: { single?: boolean } = {}): void {
    validateBatch(batch, options.single ? (_list, _index, field) => field : (list, index, field) => `${list}[${index}]${field ? `.${field}` : ''}`);
    const run = this.runs.activeRow(runId);
    const runPk = run.run_pk;
    const latestByKey = new Map<string, MetricPoint>();
    for (const point of batch.metrics) {
      const seen = latestByKey.get(point.key);
      if (!seen || isLater(point, seen)) latestByKey.set(point.key, point);
    }
    // Immediate: the param check reads before writing, and a deferred transaction would fail with
    // SQLITE_BUSY_SNAPSHOT if another process (a CLI training run) wrote in between.
    const write = this.db.transaction(() => {
      for (const param of batch.params) {
        const existing = this.paramsOfKeys.get(runPk, param.key);
        if (existing && existing.value !== param.value) {
          throw invalidParameter(
            `Changing param values is not allowed. Param with key='${param.key}' was already logged with value='${existing.value}' for run ID='${runId}'. Attempted logging new value '${param.value}'.`,
          );
        }
        if (!existing) this.insertParam.run(runPk, param.key, param.value);
      }
      if (batch.metrics.length > 0) this.insertMetrics(runPk, batch.metrics);
      if (latestByKey.size > 0) {
        const args: unknown[] = [];
        for (const [key, point] of latestByKey) {
          const nan = Number.isNaN(point.value);
          args.push(runPk, key, nan ? 0 : point.value, nan ? 1 : 0, point.step, point.timestamp);
        }
        if (args.length === 6) this.upsertLatest.run(args);
        else this.bulkLatest.run(args);
        this.bumpDataVersion.run(runPk);
      }
      for (const tag of batch.tags) {
        this.upsertTag.run(runPk, tag.key, tag.value);
        if (tag.key === RUN_NAME_TAG) this.renameRun.run(tag.value, runPk);
      }
      // Immediate: the param check reads before the writes, and a deferred transaction that read
      // while another process wrote fails with SQLITE_BUSY_SNAPSHOT instead of waiting.
    });
    this.writeGate.enter();
    try {
      write.immediate();
    } finally {
      this.writeGate.leave();
    }
    if (latestByKey.size > 0) {
      this.events?.emit('metrics.logged', { runId, experimentId: String(run.experiment_id), keys: [...latestByKey.keys()] });
    }
    if (batch.params.length > 0 || batch.tags.length > 0) this.runs.changed(run);
  }

  /** Stores the points and folds the new finite ones into metric_blocks (or queues them for it). */
  private insertMetrics(runPk: number, metrics: MetricPoint[]): void {
    let fresh: MetricPoint[];
    if (this.insertAllNew(runPk, metrics)) fresh = metrics;
    else {
      // Some point was stored already (a retried call) or comes twice: the table ignores it, so it
      // must not count twice in the blocks, and only one at a time tells which.
      fresh = [];
      for (const point of metrics) {
        const nan = Number.isNaN(point.value);
        if (this.insertMetric.run(runPk, point.key, point.step, point.timestamp, nan ? 0 : point.value, nan ? 1 : 0).changes) fresh.push(point);
      }
    }
    const finite = fresh.filter((point) => Number.isFinite(point.value));
    if (this.deferBlocks) {
      this.blocks.queue(runPk, finite);
      return;
    }
    const blocks = new BlockAccumulator();
    for (const point of finite) blocks.add(point);
    this.blocks.write(runPk, blocks);
  }

  /** Inserts every point in multi-row statements; undoes it all and answers false if any was not new. */
  private insertAllNew(runPk: number, metrics: MetricPoint[]): boolean {
    const args = new Array<unknown>(metrics.length * 6);
    metrics.forEach((point, i) => {
      const nan = Number.isNaN(point.value);
      args[i * 6] = runPk;
      args[i * 6 + 1] = point.key;
      args[i * 6 + 2] = point.step;
      args[i * 6 + 3] = point.timestamp;
      args[i * 6 + 4] = nan ? 0 : point.value;
      args[i * 6 + 5] = nan ? 1 : 0;
    });
    // One point that is not new inserted nothing: there is nothing to undo.
    if (metrics.length === 1) return this.insertMetric.run(args).changes === 1;
    try {
      this.db.transaction(() => {
        if (this.bulkMetrics.run(args) !== metrics.length) throw REPEATED_POINT;
      })();
      return true;
    } catch (error) {
      if (error === REPEATED_POINT) return false;
      throw error;
    }
  }

  deleteTag(runId: string, key: string): void {
    const run = this.runs.activeRow(runId);
    const result = this.db.prepare('DELETE FROM tags WHERE run_pk = ? AND key = ?').run(run.run_pk, key);
    if (result.changes === 0) throw notFound(`No tag with name: ${key} in run with id ${runId}`);
    this.runs.changed(run);
  }

  metricHistory(
    runId: string,
    key: string,
    maxResults: number | undefined,
    pageToken: string | undefined,
  ): { metrics: Metric[]; next_page_token?: string } {
    const run = this.runs.row(runId);
    const offset = decodePageToken(pageToken);
    const limit = maxResults ?? -1;
    const rows = this.db
      .prepare(
        `SELECT step, timestamp, value, is_nan FROM metrics WHERE run_pk = ? AND key = ?
         ORDER BY step, timestamp, value LIMIT ? OFFSET ?`,
      )
      .raw()
      .all(run.run_pk, key, limit === -1 ? -1 : limit + 1, offset) as Array<[number, number, number, number]>;
    const more = limit !== -1 && rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const metrics: Metric[] = page.map(([step, timestamp, value, isNan]) => ({
      key,
      value: isNan ? 'NaN' : encodeMetricValue(value),
      timestamp,
      step,
    }));
    return more ? { metrics, next_page_token: encodePageToken(offset + limit) } : { metrics };
  }
}

type FieldName = (list: 'metrics' | 'params' | 'tags', index: number, field: string) => string;

function validateBatch(batch: Batch, name: FieldName): void {
  const total = batch.metrics.length + batch.params.length + batch.tags.length;
  if (total > LIMITS.batchMaxItems) {
    throw invalidParameter(
      `A batch logging request can contain at most ${LIMITS.batchMaxItems} metrics, params, and tags in total. Received a batch of ${total} items (${batch.metrics.length} metrics, ${batch.params.length} params, ${batch.tags.length} tags).`,
    );
  }
  if (batch.metrics.length > LIMITS.batchMaxMetrics) {
    throw invalidParameter(`Field 'metrics': a batch logging request can contain at most ${LIMITS.batchMaxMetrics} metrics. Got ${batch.metrics.length} metrics.`);
  }
  if (batch.params.length > LIMITS.batchMaxParams) {
    throw invalidParameter(`Field 'params': a batch logging request can contain at most ${LIMITS.batchMaxParams} params. Got ${batch.params.length} params.`);
  }
  if (batch.tags.length > LIMITS.batchMaxTags) {
    throw invalidParameter(`Field 'tags': a batch logging request can contain at most ${LIMITS.batchMaxTags} tags. Got ${batch.tags.length} tags.`);
  }
  // A batch of a training loop repeats a few keys many times: each is checked once.
  const validKeys = new Set<string>();
  batch.metrics.forEach((metric, index) => {
    if (validKeys.has(metric.key)) return;
    const problem = keyProblem('metric', metric.key);
    if (problem) throw invalidParameter(`Field '${name('metrics', index, 'key')}': ${problem}`);
    validKeys.add(metric.key);
  });
  const seenParams = new Map<string, string>();
  batch.params.forEach((param, index) => {
    const problem = keyProblem('param', param.key);
    if (problem) throw invalidParameter(`Field '${name('params', index, 'key')}': ${problem}`);
    if (textLength(param.value) > LIMITS.maxParamValueLength) {
      throw invalidParameter(
        `Field '${name('params', index, 'value')}': param value for key '${param.key}' had length ${textLength(param.value)}, which exceeded length limit of ${LIMITS.maxParamValueLength}.`,
      );
    }
    const previous = seenParams.get(param.key);
    if (previous !== undefined && previous !== param.value) {
      throw invalidParameter(
        `Field '${name('params', index, '')}': duplicate parameter key '${param.key}' with different values ('${previous}' and '${param.value}') in one batch.`,
      );
    }
    seenParams.set(param.key, param.value);
  });
  batch.tags.forEach((tag, index) => {
    const problem = keyProblem('tag', tag.key);
    if (problem) throw invalidParameter(`Field '${name('tags', index, 'key')}': ${problem}`);
    if (textLength(tag.value) > LIMITS.maxTagValueLength) {
      throw invalidParameter(
        `Field '${name('tags', index, 'value')}': tag value for key '${tag.key}' had length ${textLength(tag.value)}, which exceeded length limit of ${LIMITS.maxTagValueLength}.`,
      );
    }
  });
}
