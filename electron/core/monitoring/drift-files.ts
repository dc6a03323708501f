/**
 * Drift between two tables read from files (`mldesk drift`): every column the two share, the
 * reference profiled whole (all sorted values: the file is in memory anyway, so KS and Wasserstein
 * are exact rather than computed on a quantile sketch).
 */
import { existsSync, statSync } from 'node:fs';
import type { DatasetDrift, ReferenceColumn } from '../../../shared/monitoring.js';
import { normalizeCell, readNumber } from '../data/cell-values.js';
import { DatasetFileError, detectFormat, readTable } from '../data/table-reader.js';
import { MLDeskError } from '../errors.js';
import { ColumnBuilder, readColumnarCsv, readColumnarCsvInWorker, type ColumnarTable } from './columnar-csv.js';
import { columnDrift, datasetDrift, profileColumn, type ColumnDriftOptions } from './drift.js';

/**
 * Reads a CSV (fast columnar path) or JSON-lines file into columns. `inWorker` parses a CSV on a
 * worker thread, so two files can be read at once, and sorts its numeric columns there (rows then
 * no longer line up across columns: fine for per-column drift, which is all this table is for).
 */
export async function readDriftTable(path: string, label = path, format?: string, inWorker = false): Promise<ColumnarTable> {
  if (!existsSync(path)) throw new DatasetFileError(label, undefined, 'no such file.');
  if (!statSync(path).isFile()) throw new DatasetFileError(label, undefined, 'not a file.');
  const kind = detectFormat(path, format);
  if (kind === 'csv') return inWorker ? readColumnarCsvInWorker(path, label, true) : readColumnarCsv(path, label);
  const names: string[] = [];
  const builders: ColumnBuilder[] = [];
  let rows = 0;
  await readTable(
    path,
    kind,
    {
      addColumn(name) {
        names.push(name);
        const builder = new ColumnBuilder();
        // A key first seen late was missing in the earlier rows.
        for (let r = 0; r < rows; r++) builder.push(r, null, 0);
        builders.push(builder);
      },
      row(cells, rowNumber) {
        for (let c = 0; c < builders.length; c++) {
          const cell = normalizeCell(cells[c]);
          const value = cell === null ? null : typeof cell === 'boolean' ? String(cell) : (readNumber(cell) ?? String(cell));
          builders[c]!.push(rows, value, rowNumber);
        }
        rows++;
      },
    },
    label,
  );
  return { rows, names, columns: builders.map((b) => b.finish(rows)), firstText: builders.map((b) => b.firstText) };
}

export interface DriftFileOptions {
  /** Per column overrides; `default` applies to every column. */
  options?: ColumnDriftOptions;
  share?: number;
}

/** Every reference column profiled whole (all sorted values: KS and Wasserstein exact). */
export function profileTable(reference: ColumnarTable): ReferenceColumn[] {
  return reference.names.map((name, i) => profileColumn(name, reference.columns[i]!, { maxSorted: Number.POSITIVE_INFINITY }));
}

/**
 * Drift of `current` against `reference` over their common columns (`profiles`: profileTable of
 * the reference, when already made). Bad input (no common column,
 * a numeric reference column that holds text in the current file) is an INVALID_PARAMETER_VALUE
 * naming the file and the column.
 */
export function compareTables(
  reference: ColumnarTable,
  current: ColumnarTable,
  labels: { reference: string; current: string },
  options: DriftFileOptions = {},
  profiles?: ReferenceColumn[],
): DatasetDrift {
  const currentIndex = new Map(current.names.map((name, i) => [name, i]));
  const common = reference.names.filter((name) => currentIndex.has(name));
  if (common.length === 0) {
    const list = (names: string[]) => names.slice(0, 10).join(', ') + (names.length > 10 ? ', ...' : '');
    throw new MLDeskError(
      'INVALID_PARAMETER_VALUE',
      `no common columns: ${labels.reference} has ${list(reference.names)}; ${labels.current} has ${list(current.names)}.`,
    );
  }
  const columns = common.map((name) => {
    const r = reference.names.indexOf(name);
    const c = currentIndex.get(name)!;
    const profile = profiles?.[r] ?? profileColumn(name, reference.columns[r]!, { maxSorted: Number.POSITIVE_INFINITY });
    const text = current.firstText[c];
    if (profile.kind === 'numeric' && text) {
      throw new DatasetFileError(
        labels.current,
        text.line,
        `column '${name}' is numeric in ${labels.reference} but holds '${text.value.slice(0, 40)}' here; drift cannot compare them.`,
      );
    }
    return columnDrift(profile, current.columns[c]!, options.options);
  });
  return datasetDrift(columns, options.share);
}
