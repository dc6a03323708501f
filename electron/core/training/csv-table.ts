import { parse } from 'csv-parse/sync';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { invalidParameter } from '../errors.js';
import { typedTable, type TrainingTable } from './table.js';

export interface CsvTable {
  table: TrainingTable;
  /** sha256 of the file's bytes: the dataset digest recorded in the run's lineage. */
  sha256: string;
  name: string;
}

/**
 * Reads a CSV file with a header row into a typed table. A stand-in until training reads dataset
 * versions from the dataset module, which has the full schema inference and validation.
 */
export async function readCsvTable(path: string): Promise<CsvTable> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw invalidParameter(`Cannot read the data file '${path}': ${(error as Error).message}`);
  }
  let records: string[][];
  try {
    records = parse(bytes, { bom: true, skip_empty_lines: true, relax_column_count: false }) as string[][];
  } catch (error) {
    throw invalidParameter(`The data file '${path}' is not valid CSV: ${(error as Error).message}`);
  }
  const [header, ...rows] = records;
  if (!header || rows.length === 0) throw invalidParameter(`The data file '${path}' has no data rows (a header row and at least one row are needed).`);
  const duplicate = header.find((name, index) => header.indexOf(name) !== index);
  if (duplicate !== undefined) throw invalidParameter(`The data file '${path}' has the column '${duplicate}' twice.`);
  return {
    table: typedTable(header.map((name) => name.trim()), rows),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    name: basename(path).replace(/\.[^.]*$/, ''),
  };
}
