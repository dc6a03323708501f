/**
 * Worker thread of StoreMaintenance (store-maintenance.ts): its own connection to the database,
 * folding queued metric points and checkpointing the WAL until told to stop.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { metricQueueOf, type FoldGate } from './metric-queue.js';
import { CONTROL, type MaintenanceWorkerData } from './store-maintenance.js';

const { path, control, tickMs } = workerData as MaintenanceWorkerData;
/** 32 MB of 4 kB pages. */
const RESTART_FRAMES = 8192;
/**
 * Queue rows past which the worker folds even while requests keep coming. Below it, it folds
 * once a tick passed without a request writing: a fold chunk holds the write lock for tens of ms,
 * which a training loop logging between steps never meets, but a client sending batch after
 * batch would meet at every chunk. Readers fold what is queued for their run themselves, so this
 * also bounds what a reader may have to fold during such a stream (256 wide batches: about a
 * second), and the fold keeps up with any stream longer than that.
 */
const BACKLOG_ROWS = 256;
/**
 * Ticks without a request writing before the worker takes a pause for the end of a stream: one
 * tick is too short on a busy machine, where a client can stall that long between two calls.
 */
const IDLE_TICKS = 3;
/** Ticks between checkpoints. */
const CHECKPOINT_TICKS = 5;
const flags = new Int32Array(control);
const db = new Database(path);
// The same settings as openDatabase (database.ts): commits here are as durable as the server's.
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 5000');
db.pragma('cache_size = -65536');
const queue = metricQueueOf(db);
const stopping = () => Atomics.load(flags, CONTROL.stop) !== 0;

/** One chunk at a time, never while a request of the server writes (see StoreMaintenance.start). */
const gate: FoldGate = {
  before() {
    for (;;) {
      if (stopping()) return false;
      if (Atomics.load(flags, CONTROL.requestWriting) !== 0) {
        Atomics.wait(flags, CONTROL.requestWriting, 1, 5);
        continue;
      }
      Atomics.store(flags, CONTROL.folding, 1);
      // A request that set its flag meanwhile goes first (both flags are sequentially consistent,
      // so one of the two sides always sees the other's).
      if (Atomics.load(flags, CONTROL.requestWriting) === 0) return true;
      gate.after();
    }
  },
  yield: () => Atomics.load(flags, CONTROL.requestWriting) !== 0,
  after() {
    Atomics.store(flags, CONTROL.folding, 0);
    Atomics.notify(flags, CONTROL.folding);
  },
};

let tick = 0;
let writesSeen = -1;
let idleTicks = 0;
try {
  while (!stopping()) {
    Atomics.wait(flags, CONTROL.stop, 0, tickMs);
    if (stopping()) break;
    tick++;
    try {
      const writes = Atomics.load(flags, CONTROL.writes);
      idleTicks = writes === writesSeen ? idleTicks + 1 : 0;
      writesSeen = writes;
      if (idleTicks >= IDLE_TICKS || queue.backlog() > BACKLOG_ROWS) queue.fold(undefined, gate);
      if (tick % CHECKPOINT_TICKS === 0) {
        // PASSIVE never waits for readers or writers, but under a steady stream of commits it never
        // catches up, and the WAL only starts over after a complete checkpoint. Past RESTART_FRAMES a
        // RESTART checkpoint holds writers back while it finishes (a few ms, every few dozen wide
        // batches), which keeps the WAL bounded.
        const [result] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>;
        if ((result?.log ?? 0) > RESTART_FRAMES && gate.before()) {
          try {
            db.pragma('wal_checkpoint(RESTART)');
          } finally {
            gate.after();
          }
        }
      }
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
