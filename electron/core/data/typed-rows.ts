import type { ColumnSchema, DatasetVersion } from '../../../shared/datasets.js';
import { MLDeskError } from '../errors.js';
import { hashFile } from './blob-store.js';
import { normalizeCell, readAs, type RawCell, type TypedCell } from './cell-values.js';
import { readTable, type TableSink } from './table-reader.js';

/** A version's rows for training: cells typed per the version's schema, null where there was no value. */
export interface TypedTable {
  version: DatasetVersion;
  /** The version's schema, in file order; rows[i][j] belongs to columns[j]. */
  columns: ColumnSchema[];
  rows: TypedCell[][];
}

/**
 * Reads a version's blob back as typed rows. The hash of the bytes read must be the version's:
 * training on anything else would break the lineage it records, so a changed blob is an error,
 * as is a cell that no longer reads as its column's type.
 */
export async function readTypedRows(blobPath: string, version: DatasetVersion): Promise<TypedTable> {
  const columns = version.schema;
  const positionByName = new Map(columns.map((column, index) => [column.name, index]));
  const positions: number[] = [];
  const rows: TypedCell[][] = [];

  const sink: TableSink = {
    addColumn(name) {
      const position = positionByName.get(name);
      if (position === undefined) throw corrupt(version, `its file has a column '${name}' the schema does not list`);
      positions.push(position);
    },
    row(cells: readonly RawCell[], rowNumber) {
      const typed = new Array<TypedCell>(columns.length).fill(null);
      for (let i = 0; i < positions.length; i++) {
        const position = positions[i]!;
        const column = columns[position]!;
        const value = readAs(column.type, normalizeCell(cells[i]));
        if (value === undefined) {
          throw corrupt(version, `row ${rowNumber}, column '${column.name}' does not read as ${column.type}`);
        }
        typed[position] = value;
      }
      rows.push(typed);
    },
  };

  let read;
  try {
    read = await readTable(blobPath, version.format, sink, `${version.ref} (${blobPath})`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw corrupt(version, `its blob ${blobPath} is missing`);
    // Bytes that no longer parse are most likely changed bytes: say so when the hash agrees.
    const actual = await hashFile(blobPath).catch(() => undefined);
    if (actual && actual.sha256 !== version.sha256) throw corrupt(version, `its blob ${blobPath} hashes to ${actual.sha256}, not ${version.sha256}`);
    throw error;
  }
  if (read.sha256 !== version.sha256) {
    throw corrupt(version, `its blob ${blobPath} hashes to ${read.sha256}, not ${version.sha256}`);
  }
  return { version, columns, rows };
}

function corrupt(version: DatasetVersion, problem: string): MLDeskError {
  return new MLDeskError(
    'INVALID_STATE',
    `Cannot read ${version.ref}: ${problem}. The stored copy was changed after import; import the original file again to repair it.`,
  );
}
