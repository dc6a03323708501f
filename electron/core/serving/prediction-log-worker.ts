/**
 * The prediction log's writer thread: its own connection to the lineage database, one
 * transaction for the batches waiting, and an answer per batch once it is committed (or why it
 * failed). SQLite's commit and WAL checkpoints run here, never on the request thread.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../store/database.js';
import { decodeRows, type LogBatchMessage, type LogReplyMessage, type LogRowValues } from './prediction-log.js';

const port = parentPort!;
const db = openDatabase((workerData as { databasePath: string }).databasePath);
const insert = db.prepare(
  `INSERT INTO predictions (request_id, model_name, model_version, run_id, inputs_json, output_json, predicted_label, predicted_value, latency_us, endpoint, created_time)
   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
);
const writeBatch = db.transaction((rows: LogRowValues[]) => {
  for (const row of rows) insert.run(...row);
});

type Message = LogBatchMessage | { type: 'close' };

/**
 * Batches that queued up while the last transaction committed are taken together (the port is
 * drained synchronously) and written in one transaction: the server posts without waiting, and
 * the commit cost is shared by more rows exactly when the load is highest.
 */
port.on('message', (first: Message) => {
  const batches: LogBatchMessage[] = [];
  let closing = false;
  for (let message: Message | undefined = first; message; message = (receiveMessageOnPort(port) as { message: Message } | undefined)?.message) {
    if (message.type === 'close') closing = true;
    else batches.push(message);
  }
  if (batches.length > 0) {
    const started = performance.now();
    let error: string | undefined;
    try {
      writeBatch(batches.flatMap((batch) => decodeRows(batch.rows)));
    } catch (failure) {
      error = (failure as Error).message;
    }
    const commitMs = performance.now() - started;
    for (const batch of batches) {
      const reply: LogReplyMessage = error === undefined ? { id: batch.id, ok: true, commitMs: commitMs / batches.length } : { id: batch.id, ok: false, error, commitMs: commitMs / batches.length };
      port.postMessage(reply);
    }
  }
  if (closing) {
    db.close();
    port.close();
  }
});
