/**
 * Micro-batching: rows of requests that arrive in the same event-loop turn for the same model
 * version go through the network in one call. A TF.js call costs roughly the same for one row as
 * for thirty, so under concurrent load this multiplies throughput, and a lone request waits for
 * nothing but the current turn.
 */
import type { Prediction } from '../training/model-files.js';
import type { ServedModel } from './model-router.js';
import type { Row } from './request-rows.js';

interface Job {
  rows: Row[];
  resolve: (predictions: Prediction[]) => void;
  reject: (error: Error) => void;
}

export class ScoringBatcher {
  private pending = new Map<ServedModel, Job[]>();
  private scheduled = false;

  constructor(private readonly onBatch: (rows: number) => void = () => {}) {}

  score(served: ServedModel, rows: Row[]): Promise<Prediction[]> {
    return new Promise<Prediction[]>((resolve, reject) => {
      const jobs = this.pending.get(served);
      if (jobs) jobs.push({ rows, resolve, reject });
      else this.pending.set(served, [{ rows, resolve, reject }]);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.run());
      }
    });
  }

  private run(): void {
    this.scheduled = false;
    const groups = this.pending;
    this.pending = new Map();
    for (const [served, jobs] of groups) {
      const rows = jobs.length === 1 ? jobs[0]!.rows : jobs.flatMap((job) => job.rows);
      let predictions: Prediction[];
      try {
        predictions = served.model.predict(rows);
      } catch (error) {
        for (const job of jobs) job.reject(error as Error);
        continue;
      }
      this.onBatch(rows.length);
      let offset = 0;
      for (const job of jobs) {
        job.resolve(predictions.slice(offset, offset + job.rows.length));
        offset += job.rows.length;
      }
    }
  }
}
