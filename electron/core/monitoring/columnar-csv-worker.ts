/**
 * Worker side of readColumnarCsvInWorker: reads one CSV off the main thread, so `mldesk drift`
 * parses the reference and the current file at the same time on two cores. Numeric columns come
 * back as transferred buffers (no copy).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DatasetFileError } from '../data/table-reader.js';
import { readColumnarCsv } from './columnar-csv.js';

const { path, label } = workerData as { path: string; label: string };
try {
  const table = readColumnarCsv(path, label);
  // Each numeric column is a view on its own growth buffer: the view survives the transfer.
  const transfer: ArrayBuffer[] = [];
  for (const column of table.columns) if (column instanceof Float64Array) transfer.push(column.buffer as ArrayBuffer);
  parentPort!.postMessage({ ok: true, table }, transfer);
} catch (error) {
  const e = error as Error;
  parentPort!.postMessage(
    error instanceof DatasetFileError
      ? { ok: false, file: error.file, line: error.line, problem: error.problem }
      : { ok: false, message: e.message ?? String(error) },
  );
}
