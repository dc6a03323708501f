import type { Statement } from 'better-sqlite3';
import { keyProblem, LIMITS, textLength } from '../../../shared/tracking-limits.js';
import { encodeMetricValue, type KeyValue, type Metric } from '../../../shared/tracking-types.js';
import { invalidParameter, notFound } from '../errors.js';
import type { AppEventBus } from '../app-events.js';
import { MetricPointWriter, type MetricPoint } from './metric-points.js';
import { metricQueueOf, type MetricQueue } from './metric-queue.js';
import { OPEN_GATE, type WriteGate } from './store-maintenance.js';
import type { SqliteDatabase } from './database.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { RUN_NAME_TAG, type RunStore } from './runs.js';

export type { MetricPoint };

export interface Batch {
  metrics: MetricPoint[];
  params: KeyValue[];
  tags: KeyValue[];
}

/** Logging to runs: metrics, params, tags and dataset inputs, each call one transaction. */
export class RunDataStore {
  private readonly insertParam: Statement;
  private readonly paramsOfKeys: Statement<[number, string], { key: string; value: string }>;
  private readonly upsertTag: Statement;
  private readonly renameRun: Statement;
  private readonly points: MetricPointWriter;
  readonly queue: MetricQueue;
  /**
   * Queue metric points for a background fold instead of storing them in the request's
   * transaction; set while a store-maintenance worker runs (see metric-queue.ts).
   */
  deferMetrics = false;
  /** Set with deferMetrics: tells the background fold when a request is writing. */
  writeGate: WriteGate = OPEN_GATE;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly runs: RunStore,
    private readonly events?: AppEventBus,
  ) {
    this.insertParam = db.prepare('INSERT OR IGNORE INTO params (run_pk, key, value) VALUES (?, ?, ?)');
    this.paramsOfKeys = db.prepare('SELECT key, value FROM params WHERE run_pk = ? AND key = ?');
    this.upsertTag = db.prepare(
      `INSERT INTO tags (run_pk, key, value) VALUES (?, ?, ?)
       ON CONFLICT (run_pk, key) DO UPDATE SET value = excluded.value`,
    );
    this.renameRun = db.prepare('UPDATE runs SET name = ? WHERE run_pk = ?');
    this.points = new MetricPointWriter(db);
    this.queue = metricQueueOf(db);
  }

  /**
   * Validates everything first, then writes everything in one transaction: all or nothing.
   * `single` names fields as the one-item endpoints (log-metric, log-parameter, set-tag) call them.
   */
  logBatch(runId: string, batch: Batch, options: { single?: boolean } = {}): void {
    validateBatch(batch, options.single ? (_list, _index, field) => field : (list, index, field) => `${list}[${index}]${field ? `.${field}` : ''}`);
    const run = this.runs.activeRow(runId);
    const runPk = run.run_pk;
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
      if (this.deferMetrics) this.queue.add(runPk, batch.metrics);
      else this.points.write(runPk, batch.metrics);
      for (const tag of batch.tags) {
        this.upsertTag.run(runPk, tag.key, tag.value);
        if (tag.key === RUN_NAME_TAG) this.renameRun.run(tag.value, runPk);
      }
    });
    this.writeGate.enter();
    try {
      write.immediate();
    } finally {
      this.writeGate.leave();
    }
    if (batch.metrics.length > 0) {
      this.events?.emit('metrics.logged', { runId, experimentId: String(run.experiment_id), keys: [...new Set(batch.metrics.map((point) => point.key))] });
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
    this.queue.fold(run.run_pk);
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
