/**
 * Shadow scoring: while the model has a `challenger` and its continuous-training policy asks for
 * it (policy.shadow), every batch the champion answered is also scored by the challenger, after
 * the answers went out (never on the request's path), and kept as shadow rows
 * (shadow_predictions) tied to the champion's logged rows by request id. The challenger's answers
 * are never returned; the prediction log and so the champion's monitoring never see them.
 */
import { insertShadowRows, type ShadowRow } from '../automation/ct/shadow-store.js';
import type { SqliteDatabase } from '../store/database.js';
import type { Lease, ModelRouter } from './model-router.js';
import type { Row } from './request-rows.js';
import { predictionEncoder } from './scoring-batcher.js';

/** How long the policy flag and the challenger's version may be stale: an alias moved reaches shadowing within this. */
const LOOKUP_MAX_AGE_MS = 1000;
const CHALLENGER = 'challenger';

interface Queued {
  lease: Lease;
  rows: Row[];
  requestIds: string[];
  servedVersion: string;
}

export class ShadowScorer {
  private readonly lookup;
  private cached: { at: number; version: number | null } = { at: -Infinity, version: null };
  private queue: Queued[] = [];
  private scheduled = false;
  private loading = false;
  private closed = false;
  private readonly encoders = new WeakMap<object, ReturnType<typeof predictionEncoder>>();

  constructor(
    private readonly db: SqliteDatabase,
    private readonly router: ModelRouter,
    private readonly onError: (error: Error) => void = () => {},
  ) {
    this.lookup = db.prepare(
      `SELECT p.policy_json AS policy, a.version FROM registered_models m
       JOIN ct_policies p ON p.model_name = m.name
       JOIN registered_model_aliases a ON a.model_id = m.model_id AND a.alias = '${CHALLENGER}'
       WHERE m.name = ?`,
    );
  }

  /** The challenger's version when shadowing is on for the model, else null (cached briefly). */
  private challenger(): number | null {
    const now = performance.now();
    if (now - this.cached.at < LOOKUP_MAX_AGE_MS) return this.cached.version;
    const row = this.lookup.get(this.router.modelName) as { policy: string; version: number } | undefined;
    const on = row !== undefined && (JSON.parse(row.policy) as { shadow?: boolean }).shadow !== false;
    this.cached = { at: now, version: on ? row.version : null };
    return this.cached.version;
  }

  /** Called once a batch's answers were sent: queues the challenger's scoring for the next turn. */
  after(servedVersion: string, rows: Row[], requestIds: string[]): void {
    if (this.closed) return;
    try {
      const version = this.challenger();
      if (version === null || String(version) === servedVersion) return;
      const lease = this.router.tryAcquire({ alias: CHALLENGER });
      if (!lease) {
        // Loaded once in the background; rows answered meanwhile are not shadowed.
        if (!this.loading) {
          this.loading = true;
          this.router.acquire({ alias: CHALLENGER }).then(
            (loaded) => loaded.release(),
            (error: unknown) => this.onError(error as Error),
          ).finally(() => (this.loading = false));
        }
        return;
      }
      this.queue.push({ lease, rows, requestIds, servedVersion });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    } catch (error) {
      this.onError(error as Error);
    }
  }

  private flush(): void {
    this.scheduled = false;
    const queued = this.queue;
    this.queue = [];
    const out: ShadowRow[] = [];
    const now = Date.now();
    for (const item of queued) {
      try {
        const served = item.lease.served;
        let encode = this.encoders.get(served);
        if (!encode) {
          encode = predictionEncoder(served.model.signature.output.classes);
          this.encoders.set(served, encode);
        }
        // Unknown categories read as zeros: the champion accepted these rows, the challenger must not refuse them.
        const predictions = served.model.predict(item.rows, 'zeros');
        predictions.forEach((prediction, i) => {
          const label = prediction.label ?? null;
          out.push({
            requestId: item.requestIds[i]!,
            model: served.name,
            version: Number(served.version),
            servedVersion: Number(item.servedVersion),
            outputJson: encode(prediction),
            label,
            value: label === null ? (prediction.value ?? null) : null,
            time: now,
          });
        });
      } catch (error) {
        this.onError(error as Error);
      } finally {
        item.lease.release();
      }
    }
    try {
      insertShadowRows(this.db, out);
    } catch (error) {
      this.onError(error as Error);
    }
  }

  /** Stops shadowing; what is queued is written first. */
  close(): void {
    if (this.queue.length > 0) this.flush();
    this.closed = true;
  }
}
