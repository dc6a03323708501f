/**
 * The prediction log's writer thread: its own connection to the lineage database, one
 * transaction per batch the server thread posts, and an answer per batch once it is committed
 * (or why it failed). SQLite's commit and WAL checkpoints run here, never on the request thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../store/database.js';
import type { LogBatchMessage, LogReplyMessage, LogRowValues } from './prediction-log.js';

const port = parentPort!;
const db = openDatabase((workerData as { databasePath: string }).databasePath);
const insert = db.prepare(
  `INSERT INTO predictions (request_id, model_name, model_version, run_id, inputs_json, output_json, predicted_label, predicted_value, latency_us, endpoint, created_time)
   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
);
const writeBatch = db.transaction((rows: LogRowValues[]) => {
  for (const [requestId, model, version, runId, inputs, output, label, value, latencyUs, endpoint, time] of rows) {
    insert.run(requestId, model, version, runId, JSON.stringify(inputs), JSON.stringify(output), label, value, latencyUs, endpoint, time);
  }
});

port.on('message', (message: LogBatchMessage | { type: 'close' }) => {
  if (message.type === 'close') {
    db.close();
    port.close();
    return;
  }
  const started = performance.now();
  let reply: LogReplyMessage;
  try {
    writeBatch(JSON.parse(message.rows) as LogRowValues[]);
    reply = { id: message.id, ok: true, commitMs: performance.now() - started };
  } catch (error) {
    reply = { id: message.id, ok: false, error: (error as Error).message, commitMs: performance.now() - started };
  }
  port.postMessage(reply);
});
