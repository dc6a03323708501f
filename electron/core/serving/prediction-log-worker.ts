/**
 * The prediction log's writer thread: its own connection to the lineage database; every few
 * milliseconds it moves the rows its server appended to the journal into the predictions table
 * (prediction-journal.ts), and at start it replays journals left by servers that died. SQLite's
 * commits and WAL checkpoints happen here, never on the request thread, and the request thread
 * never waits for this one: it only reads the counts posted back.
 */
import { closeSync, openSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../store/database.js';
import type { WriterData, WriterMessage, WriterReply } from './prediction-log.js';
import { JournalIngester, recoverJournals } from './prediction-journal.js';
import { RefusalWriter } from './prediction-refusals.js';

/**
 * The writer's work can wait (its rows are safe in the journal) and answering requests cannot, so
 * on Linux this thread runs at nice 10, and the server runs it SCHED_IDLE while it keeps up
 * (writer-scheduling.ts; that needs this thread's id, posted below). Elsewhere it runs at normal
 * priority.
 */
const WRITER_NICE = 10;
function lowerPriority(): number | null {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return null;
    setPriority(tid, WRITER_NICE);
    return tid;
  } catch {
    // Not Linux (no /proc/thread-self) or not permitted: normal priority.
    return null;
  }
}
const threadId = lowerPriority();

const port = parentPort!;
const data = workerData as WriterData;
const db = openDatabase(data.databasePath);
const ingester = new JournalIngester(db);
const refusals = new RefusalWriter(db);
const post = (reply: WriterReply) => port.postMessage(reply);
post({ type: 'started', threadId });

interface Journal {
  name: string;
  path: string;
  fd: number;
}
const open = (name: string): Journal => {
  const path = join(data.journalDir, name);
  return { name, path, fd: openSync(path, 'r') };
};
let current: Journal | null = open(data.journal);
/** Journals the server has moved on from, still to be moved in full and removed. */
const retired: Journal[] = [];

/** Writes the refused requests the server sent; a busy database keeps them for the next tick. */
function writeRefusals(): void {
  try {
    refusals.write();
  } catch (error) {
    post({ type: 'move-failed', error: `Recording refused requests failed: ${(error as Error).message}` });
  }
}

/** Moves what is complete in every journal this thread looks after; reports only real moves. */
function move(): void {
  try {
    for (const journal of current ? [...retired, current] : [...retired]) {
      const finished = journal !== current;
      const result = finished ? ingester.ingestAll(journal.path, journal.name, journal.fd) : ingester.ingest(journal.path, journal.name, journal.fd);
      if (result.bytes > 0) post({ type: 'moved', rows: result.rows, ignored: result.ignored, commitMs: result.commitMs });
      if (finished) {
        closeSync(journal.fd);
        ingester.finish(journal.path, journal.name);
        retired.splice(retired.indexOf(journal), 1);
      }
    }
  } catch (error) {
    // The rows stay in the journal; the next tick tries again (a busy database, a full disk).
    post({ type: 'move-failed', error: (error as Error).message });
  }
}

try {
  recoverJournals(db);
} catch (error) {
  post({ type: 'move-failed', error: `Replaying journals left by stopped servers failed: ${(error as Error).message}` });
}
const timer = setInterval(() => {
  move();
  writeRefusals();
}, data.intervalMs);

port.on('message', (message: WriterMessage) => {
  if (message.type === 'rotate') {
    if (current) retired.push(current);
    current = open(message.journal);
    return;
  }
  if (message.type === 'refusals') {
    refusals.add(message.refusals);
    writeRefusals();
    return;
  }
  if (message.type === 'flush') {
    move();
    writeRefusals();
    post({ type: 'flushed', id: message.id });
    return;
  }
  clearInterval(timer);
  if (current) retired.push(current);
  current = null;
  move();
  writeRefusals();
  db.close();
  port.close();
});
