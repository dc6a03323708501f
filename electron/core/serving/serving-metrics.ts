/**
 * The model server's Prometheus metrics (GET /metrics): requests, errors and latency per model
 * version, micro-batch sizes, and the prediction log's state, so a log that falls behind is
 * visible (rows waiting, rows refused with 503, rows whose commit failed) instead of silent.
 * One registry per server: several servers in one process (the desktop app) never collide.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PredictionLogCounters } from './prediction-log.js';
import type { MonitoringGauges } from '../monitoring/monitoring-gauges.js';

interface Child {
  requests: { inc(n: number): void };
  errors: { inc(n: number): void } | undefined;
  latency: { observe(seconds: number): void } | undefined;
  rows: { inc(n: number): void } | undefined;
  /** Counted since the counters were last read. */
  pendingRequests: number;
  pendingRows: number;
}

export class ServingMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'model' | 'version' | 'endpoint' | 'code'>;
  private readonly errors: Counter<'model' | 'version' | 'endpoint' | 'code'>;
  private readonly latency: Histogram<'model' | 'version'>;
  private readonly rows: Counter<'model' | 'version'>;
  private readonly batchRows: Histogram;
  readonly swaps: Counter<'route'>;

  constructor(private readonly model: string, log: () => PredictionLogCounters | null, loaded: () => string[], monitoring?: () => MonitoringGauges) {
    const registers = [this.registry];
    this.requests = new Counter({ collect: () => this.flushCounts(), name: 'mldesk_serving_requests_total', help: 'Scoring requests answered, by served version, endpoint and HTTP status.', labelNames: ['model', 'version', 'endpoint', 'code'], registers });
    this.errors = new Counter({ collect: () => this.flushCounts(), name: 'mldesk_serving_errors_total', help: 'Scoring requests answered with an error status (4xx and 5xx).', labelNames: ['model', 'version', 'endpoint', 'code'], registers });
    this.latency = new Histogram({
      name: 'mldesk_serving_request_duration_seconds',
      help: 'Time from a scoring request being read to its answer being ready (prediction logged), by served version.',
      labelNames: ['model', 'version'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.rows = new Counter({ collect: () => this.flushCounts(), name: 'mldesk_serving_rows_total', help: 'Rows scored, by served version.', labelNames: ['model', 'version'], registers });
    this.batchRows = new Histogram({ name: 'mldesk_serving_batch_rows', help: 'Rows per model call after micro-batching concurrent requests.', buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 1024], registers });
    this.swaps = new Counter({ name: 'mldesk_serving_version_swaps_total', help: 'Times a route (the served alias) started resolving to another version.', labelNames: ['route'], registers });
    new Gauge({
      name: 'mldesk_serving_loaded_versions',
      help: 'Model versions loaded in memory.',
      registers,
      collect() {
        this.set(loaded().length);
      },
    });
    const logGauge = (name: string, help: string, pick: (c: PredictionLogCounters) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const counters = log();
          this.set(counters ? pick(counters) : 0);
        },
      });
    logGauge('mldesk_prediction_log_enabled', '1 when every scored row is written to the prediction log.', () => 1);
    logGauge('mldesk_prediction_log_rows_journaled', 'Rows written to the journal since start, each before its answer was sent.', (c) => c.journaled);
    logGauge('mldesk_prediction_log_rows_written', 'Rows moved from the journal into the predictions table since start.', (c) => c.written);
    logGauge('mldesk_prediction_log_rows_pending', 'Rows in the journal not yet in the predictions table (new requests get 503 past a bound).', (c) => c.pending);
    logGauge('mldesk_prediction_log_rows_rejected', 'Rows refused with 503 because the log was behind (backpressure); never scored.', (c) => c.rejected);
    logGauge('mldesk_prediction_log_rows_failed', 'Rows whose journal write failed; their requests got 500, not a prediction.', (c) => c.failed);
    logGauge('mldesk_prediction_log_rows_ignored', 'Journal lines not inserted: already in the table (a repeated move) or unreadable.', (c) => c.ignored);
    logGauge('mldesk_prediction_log_batches', 'Transactions that moved journaled rows into the table since start.', (c) => c.batches);
    logGauge('mldesk_prediction_log_commit_seconds', 'Time spent moving rows into the table since start.', (c) => c.commitSeconds);
    logGauge('mldesk_prediction_log_writer_idle', '1 while the writer thread runs SCHED_IDLE (it keeps up); 0 while raised or unmanaged.', (c) => c.writerIdle);
    logGauge('mldesk_prediction_log_writer_raises', 'Times the writer thread was raised to ordinary scheduling: rows backed up, or a flush or shutdown waited on it.', (c) => c.writerRaises);
    logGauge('mldesk_prediction_log_move_errors', 'Moves that failed and were retried (the rows stay in the journal meanwhile).', (c) => c.moveErrors);
    if (monitoring) this.monitoringGauges(monitoring);
  }

  /** Monitoring read once per scrape (the first gauge collected reads; the others use its answer). */
  private monitoringGauges(read: () => MonitoringGauges): void {
    const registers = [this.registry];
    const model = this.model;
    let current: MonitoringGauges | null = null;
    const fresh = (first: boolean): MonitoringGauges => {
      if (first || !current) current = read();
      return current;
    };
    const gauge = <L extends string>(name: string, help: string, labelNames: L[], first: boolean, fill: (g: Gauge<L>, m: MonitoringGauges) => void) =>
      new Gauge<L>({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          fill(this, fresh(first));
        },
      });
    gauge('mldesk_alert_firing', 'Alerts firing per alert rule of the model (0 when none).', ['model', 'rule'], true, (g, m) => {
      for (const r of m.rules) g.set({ model, rule: r.rule }, r.firing);
    });
    gauge('mldesk_alert_rule_info', 'The alert rules of the model, described (always 1).', ['model', 'rule', 'description'], false, (g, m) => {
      for (const r of m.rules) g.set({ model, rule: r.rule, description: r.description }, 1);
    });
    gauge('mldesk_feature_drift', "A feature's drift statistic (p-value for tests, distance otherwise) in the version's latest window; __prediction__ is the output.", ['model', 'version', 'feature', 'method'], false, (g, m) => {
      for (const f of m.featureDrift) g.set({ model, version: f.version, feature: f.feature, method: f.method }, f.statistic);
    });
    gauge('mldesk_feature_drifted', '1 when the feature drifted in the version\'s latest window, 0 when not.', ['model', 'version', 'feature'], false, (g, m) => {
      for (const f of m.featureDrift) if (f.drifted !== null) g.set({ model, version: f.version, feature: f.feature }, f.drifted);
    });
    gauge('mldesk_dataset_drift_share', "Share of drifted features in the version's latest window.", ['model', 'version'], false, (g, m) => {
      for (const d of m.datasetDriftShare) g.set({ model, version: d.version }, d.share);
    });
    gauge('mldesk_quality', "Quality in the version's latest window: realised against ground truth, or estimated (method cbpe) before labels.", ['model', 'version', 'metric', 'method'], false, (g, m) => {
      for (const q of m.quality) g.set({ model, version: q.version, metric: q.metric, method: q.method }, q.value);
    });
  }

  /**
   * Label children cached per (endpoint, version, code): prom-client hashes a label object on
   * every call otherwise, which cost ~9% of the server's time at 30k requests/s. Even through a
   * child each call hashes its labels again (~0.3 µs), so the counters are counted here and added
   * to prom-client's when the metrics are read (their collect hook); the latency histogram, which
   * has no call to add many observations at once, is observed per request.
   */
  private readonly children = new Map<string, Child>();

  observe(endpoint: string, version: string, code: number, seconds: number, rows: number): void {
    const key = `${endpoint}\u0000${version}\u0000${code}`;
    let child = this.children.get(key);
    if (!child) {
      const labels = { model: this.model, version, endpoint, code: String(code) };
      child = {
        requests: this.requests.labels(labels),
        errors: code >= 400 ? this.errors.labels(labels) : undefined,
        latency: code >= 400 ? undefined : this.latency.labels({ model: this.model, version }),
        rows: code >= 400 ? undefined : this.rows.labels({ model: this.model, version }),
        pendingRequests: 0,
        pendingRows: 0,
      };
      this.children.set(key, child);
    }
    child.pendingRequests++;
    child.pendingRows += rows;
    child.latency?.observe(seconds);
  }

  /** Adds the requests, errors and rows counted since the last read to prom-client's counters. */
  private flushCounts(): void {
    for (const child of this.children.values()) {
      if (child.pendingRequests === 0) continue;
      child.requests.inc(child.pendingRequests);
      child.errors?.inc(child.pendingRequests);
      if (child.pendingRows > 0) child.rows?.inc(child.pendingRows);
      child.pendingRequests = 0;
      child.pendingRows = 0;
    }
  }

  batch(rows: number): void {
    this.batchRows.observe(rows);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
