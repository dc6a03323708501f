import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SqliteDatabase } from './database.js';
import type { MetricBlocks } from './metric-blocks.js';

/** Slots of the shared control array. */
export const CONTROL = { stop: 0, stopped: 1, ticks: 2, requestWriting: 3 } as const;

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
 * pages, which a log-batch with 1,000 distinct keys did on every call) and metric block
 * summaries (queued by the request, see metric-blocks.ts). Commits stay as durable as before:
 * a checkpoint only copies committed pages into the database file.
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
  static start(db: SqliteDatabase, path: string, blocks: { deferBlocks: boolean; blocks: MetricBlocks; writeGate: WriteGate }, tickMs = 100): StoreMaintenance | null {
    if (!existsSync(fileURLToPath(WORKER))) return null;
    const control = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * 4);
    const workerData: MaintenanceWorkerData = { path, control, tickMs };
    const worker = new Worker(WORKER, { workerData });
    worker.unref();
    const restore = () => {
      // Back to doing both in the requests: nothing is left queued for a worker that is gone.
      blocks.deferBlocks = false;
      blocks.writeGate = OPEN_GATE;
      db.pragma('wal_autocheckpoint = 1000');
      blocks.blocks.fold();
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
    blocks.deferBlocks = true;
    // While a request writes, the worker starts no fold: SQLite's busy handler polls, so a worker
    // folding chunk after chunk could otherwise keep a request waiting for the lock.
    blocks.writeGate = {
      enter: () => Atomics.store(maintenance.flags, CONTROL.requestWriting, 1),
      leave: () => Atomics.store(maintenance.flags, CONTROL.requestWriting, 0),
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
