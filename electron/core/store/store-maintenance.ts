import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SqliteDatabase } from './database.js';
import type { MetricQueue } from './metric-queue.js';

/** Slots of the shared control array. */
export const CONTROL = { stop: 0, stopped: 1, ticks: 2, requestWriting: 3, folding: 4, writes: 5 } as const;

/** Longest a request waits for a fold chunk here before leaving it to SQLite's busy handler. */
const MAX_CHUNK_WAIT_MS = 5_000;

export interface MaintenanceWorkerData {
  path: string;
  control: SharedArrayBuffer;
  tickMs: number;
}

/** Marks the writes of a request, so background work keeps out of their way. */
export interface WriteGate {
  enter(): void;
  leave(): void;
}

export const OPEN_GATE: WriteGate = { enter: () => undefined, leave: () => undefined };

const WORKER = new URL('./store-maintenance-worker.js', import.meta.url);

/**
 * Keeps the two costs a long-lived writer (the tracking server) would otherwise pay inside its
 * requests on a worker thread: WAL checkpoints (SQLite runs one in the commit that crosses 1,000
 * pages, which a log-batch with 1,000 distinct keys did on every call) and storing metric
 * points (queued whole by the request, see metric-queue.ts). Commits stay as durable as before:
 * a checkpoint only copies committed pages into the database file, and a queued point is folded
 * by whichever connection reads or folds first after a crash.
 */
export class StoreMaintenance {
  private readonly flags: Int32Array;
  private stopped = false;

  private constructor(
    private readonly worker: Worker,
    control: SharedArrayBuffer,
    private readonly onStop: () => void,
  ) {
    this.flags = new Int32Array(control);
  }

  /**
   * Starts the worker for the database at `path` opened as `db`; null where the compiled worker is
   * missing (tests running the TypeScript sources), in which case nothing changes.
   */
  static start(db: SqliteDatabase, path: string, writes: { deferMetrics: boolean; queue: MetricQueue; writeGate: WriteGate }, tickMs = 20): StoreMaintenance | null {
    if (!existsSync(fileURLToPath(WORKER))) return null;
    const control = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * 6);
    const workerData: MaintenanceWorkerData = { path, control, tickMs };
    const worker = new Worker(WORKER, { workerData });
    worker.unref();
    const restore = () => {
      // Back to doing both in the requests: nothing is left queued for a worker that is gone.
      writes.deferMetrics = false;
      writes.writeGate = OPEN_GATE;
      db.pragma('wal_autocheckpoint = 1000');
      writes.queue.fold();
    };
    const maintenance = new StoreMaintenance(worker, control, restore);
    worker.on('message', (message: { warning?: string }) => {
      if (message.warning) process.emitWarning(`store maintenance: ${message.warning}`);
    });
    worker.on('error', (error) => process.emitWarning(`store maintenance stopped: ${error.message}`));
    worker.on('exit', () => {
      // A worker that died before closing its connection cannot say so itself.
      Atomics.store(maintenance.flags, CONTROL.stopped, 1);
      maintenance.stop();
    });
    db.pragma('wal_autocheckpoint = 0');
    writes.deferMetrics = true;
    // While a request writes, the worker starts no fold chunk; a request that comes during one
    // waits here and wakes the moment it commits. SQLite's busy handler would sleep in steps of
    // up to 100 ms instead, and the worker could take the lock again before it woke.
    const flags = maintenance.flags;
    writes.writeGate = {
      enter: () => {
        Atomics.store(flags, CONTROL.requestWriting, 1);
        const deadline = Date.now() + MAX_CHUNK_WAIT_MS;
        while (Atomics.load(flags, CONTROL.folding) === 1 && Date.now() < deadline) Atomics.wait(flags, CONTROL.folding, 1, 50);
      },
      leave: () => {
        Atomics.store(flags, CONTROL.requestWriting, 0);
        Atomics.add(flags, CONTROL.writes, 1);
        Atomics.notify(flags, CONTROL.requestWriting);
      },
    };
    return maintenance;
  }

  /** Ticks the worker has completed (a fold and a checkpoint each). */
  get ticks(): number {
    return Atomics.load(this.flags, CONTROL.ticks);
  }

  /** Stops the worker and waits (synchronously, up to 10 s) for it to close its connection. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    Atomics.store(this.flags, CONTROL.stop, 1);
    Atomics.notify(this.flags, CONTROL.stop);
    Atomics.wait(this.flags, CONTROL.stopped, 0, 10_000);
    void this.worker.terminate();
    this.onStop();
  }
}
