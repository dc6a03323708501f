import type { Statement } from 'better-sqlite3';
import { keyProblem, LIMITS, textLength } from '../../../shared/tracking-limits.js';
import { encodeMetricValue, type KeyValue, type Metric } from '../../../shared/tracking-types.js';
import { invalidParameter, notFound } from '../errors.js';
import type { AppEventBus } from '../app-events.js';
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

/** Logging to runs: metrics, params, tags and dataset inputs, each call one transaction. */
export class RunDataStore {
  private readonly insertMetric: Statement;
  private readonly upsertLatest: Statement;
  private readonly insertParam: Statement;
  private readonly paramsOfKeys: Statement<[number, string], { key: string; value: string }>;
  private readonly upsertTag: Statement;
  private readonly renameRun: Statement;
  private readonly upsertBlock: Statement;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly runs: RunStore,
    private readonly events?: AppEventBus,
  ) {
    this.insertMetric = db.prepare('INSERT OR IGNORE INTO metrics (run_pk, key, step, timestamp, value, is_nan) VALUES (?, ?, ?, ?, ?, ?)');
    // The WHERE clause keeps the stored row when it is later than the incoming one.
    this.upsertLatest = db.prepare(
      `INSERT INTO latest_metrics (run_pk, key, value, is_nan, step, timestamp) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_pk, key) DO UPDATE SET value = excluded.value, is_nan = excluded.is_nan,
         step = excluded.step, timestamp = excluded.timestamp
       WHERE excluded.step > latest_metrics.step
          OR (excluded.step = latest_metrics.step AND excluded.timestamp > latest_metrics.timestamp)
          OR (excluded.step = latest_metrics.step AND excluded.timestamp = latest_metrics.timestamp
              AND (CASE WHEN excluded.is_nan THEN -9e999 ELSE excluded.value END)
                > (CASE WHEN latest_metrics.is_nan THEN -9e999 ELSE latest_metrics.value END))`,
    );
    this.insertParam = db.prepare('INSERT OR IGNORE INTO params (run_pk, key, value) VALUES (?, ?, ?)');
    this.paramsOfKeys = db.prepare('SELECT key, value FROM params WHERE run_pk = ? AND key = ?');
    this.upsertTag = db.prepare(
      `INSERT INTO tags (run_pk, key, value) VALUES (?, ?, ?)
       ON CONFLICT (run_pk, key) DO UPDATE SET value = excluded.value`,
    );
    this.renameRun = db.prepare('UPDATE runs SET name = ? WHERE run_pk = ?');
    this.upsertBlock = db.prepare(
      `INSERT INTO metric_blocks (run_pk, key, level, block, count, sum, min, max, first_step, last_step, first_timestamp, last_timestamp)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_pk, key, level, block) DO UPDATE SET
         count = count + excluded.count, sum = sum + excluded.sum,
         min = min(min, excluded.min), max = max(max, excluded.max),
         first_step = min(first_step, excluded.first_step), last_step = max(last_step, excluded.last_step),
         first_timestamp = min(first_timestamp, excluded.first_timestamp), last_timestamp = max(last_timestamp, excluded.last_timestamp)`,
    );
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
    this.db.transaction(() => {
      for (const param of batch.params) {
        const existing = this.paramsOfKeys.get(runPk, param.key);
        if (existing && existing.value !== param.value) {
          throw invalidParameter(
            `Changing param values is not allowed. Param with key='${param.key}' was already logged with value='${existing.value}' for run ID='${runId}'. Attempted logging new value '${param.value}'.`,
          );
        }
        if (!existing) this.insertParam.run(runPk, param.key, param.value);
      }
      const blocks = new BlockAccumulator();
      for (const point of batch.metrics) {
        const nan = Number.isNaN(point.value);
        const inserted = this.insertMetric.run(runPk, point.key, point.step, point.timestamp, nan ? 0 : point.value, nan ? 1 : 0).changes;
        // A repeated point is ignored by the table, so it must not be counted twice in the blocks.
        if (inserted && Number.isFinite(point.value)) blocks.add(point);
      }
      for (const b of blocks.values()) {
        this.upsertBlock.run(runPk, b.key, b.level, b.block, b.count, b.sum, b.min, b.max, b.firstStep, b.lastStep, b.firstTimestamp, b.lastTimestamp);
      }
      for (const [key, point] of latestByKey) {
        const nan = Number.isNaN(point.value);
        this.upsertLatest.run(runPk, key, nan ? 0 : point.value, nan ? 1 : 0, point.step, point.timestamp);
      }
      for (const tag of batch.tags) {
        this.upsertTag.run(runPk, tag.key, tag.value);
        if (tag.key === RUN_NAME_TAG) this.renameRun.run(tag.value, runPk);
      }
      // Immediate: the param check reads before the writes, and a deferred transaction that read
      // while another process wrote fails with SQLITE_BUSY_SNAPSHOT instead of waiting.
    }).immediate();
    if (latestByKey.size > 0) {
      this.events?.emit('metrics.logged', { runId, experimentId: String(run.experiment_id), keys: [...latestByKey.keys()] });
    }
    if (batch.params.length > 0 || batch.tags.length > 0) this.runs.changed(run);
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

export const BLOCK_LEVELS = [5, 8, 11] as const;

interface Block {
  key: string;
  level: number;
  block: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  firstStep: number;
  lastStep: number;
  firstTimestamp: number;
  lastTimestamp: number;
}

/** Folds a batch's points into metric_blocks rows before writing them: one upsert per block, not per point. */
class BlockAccumulator {
  private readonly blocks = new Map<string, Block>();

  add(point: MetricPoint): void {
    for (const level of BLOCK_LEVELS) {
      const block = Math.floor(point.step / 2 ** level);
      const id = `${level}\u0000${block}\u0000${point.key}`;
      const b = this.blocks.get(id);
      if (!b) {
        this.blocks.set(id, {
          key: point.key, level, block, count: 1, sum: point.value, min: point.value, max: point.value,
          firstStep: point.step, lastStep: point.step, firstTimestamp: point.timestamp, lastTimestamp: point.timestamp,
        });
        continue;
      }
      b.count++;
      b.sum += point.value;
      if (point.value < b.min) b.min = point.value;
      if (point.value > b.max) b.max = point.value;
      if (point.step < b.firstStep) b.firstStep = point.step;
      if (point.step > b.lastStep) b.lastStep = point.step;
      if (point.timestamp < b.firstTimestamp) b.firstTimestamp = point.timestamp;
      if (point.timestamp > b.lastTimestamp) b.lastTimestamp = point.timestamp;
    }
  }

  values(): IterableIterator<Block> {
    return this.blocks.values();
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
  batch.metrics.forEach((metric, index) => {
    const problem = keyProblem('metric', metric.key);
    if (problem) throw invalidParameter(`Field '${name('metrics', index, 'key')}': ${problem}`);
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
