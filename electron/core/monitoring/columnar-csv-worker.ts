/**
 * Worker side of readColumnarCsvInWorker: reads one CSV off the main thread, so `mldesk drift`
 * parses the reference and the current file at the same time on two cores. Numeric columns come
 * back as transferred buffers (no copy).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DatasetFileError } from '../data/table-reader.js';
import { readColumnarCsv } from './columnar-csv.js';
import { sortFloat64 } from './radix-sort.js';

const { path, label, sortNumeric } = workerData as { path: string; label: string; sortNumeric: boolean };

/** Non-missing values ascending, then the missing ones (NaN): drift's view of a column, without its row order. */
function sortColumn(column: Float64Array): void {
  let k = 0;
  for (let i = 0; i < column.length; i++) {
    const v = column[i]!;
    if (v === v) column[k++] = v;
  }
  sortFloat64(column.subarray(0, k));
  column.fill(Number.NaN, k);
}

try {
  const table = readColumnarCsv(path, label);
  if (sortNumeric) for (const column of table.columns) if (column instanceof Float64Array) sortColumn(column);
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
