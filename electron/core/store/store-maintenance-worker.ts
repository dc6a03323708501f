/**
 * Worker thread of StoreMaintenance (store-maintenance.ts): its own connection to the database,
 * folding queued block summaries and checkpointing the WAL every TICK_MS until told to stop.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { metricBlocksOf } from './metric-blocks.js';
import { CONTROL, type MaintenanceWorkerData } from './store-maintenance.js';

const { path, control, tickMs } = workerData as MaintenanceWorkerData;
/** 32 MB of 4 kB pages. */
const RESTART_FRAMES = 8192;
const flags = new Int32Array(control);
const db = new Database(path);
// The same settings as openDatabase (database.ts): commits here are as durable as the server's.
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 5000');
const blocks = metricBlocksOf(db);
try {
  while (Atomics.load(flags, CONTROL.stop) === 0) {
    Atomics.wait(flags, CONTROL.stop, 0, tickMs);
    if (Atomics.load(flags, CONTROL.stop) !== 0) break;
    try {
      blocks.fold(undefined, () => {
        // Between chunks: let a request that is writing go first, then pause so it can take the lock.
        while (Atomics.load(flags, CONTROL.requestWriting) !== 0 && Atomics.load(flags, CONTROL.stop) === 0) Atomics.wait(flags, CONTROL.requestWriting, 1, 5);
        return Atomics.load(flags, CONTROL.stop) === 0;
      });
      // PASSIVE never waits for readers or writers, but under a steady stream of commits it never
      // catches up, and the WAL only starts over after a complete checkpoint. Past RESTART_FRAMES a
      // RESTART checkpoint holds writers back while it finishes (a few ms, every few dozen wide
      // batches), which keeps the WAL bounded.
      const [result] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>;
      if ((result?.log ?? 0) > RESTART_FRAMES) db.pragma('wal_checkpoint(RESTART)');
      Atomics.add(flags, CONTROL.ticks, 1);
    } catch (error) {
      // A busy database (another process holding the write lock past busy_timeout) is retried next tick.
      parentPort?.postMessage({ warning: (error as Error).message });
    }
  }
} finally {
  db.close();
  Atomics.store(flags, CONTROL.stopped, 1);
  Atomics.notify(flags, CONTROL.stopped);
}
