/**
 * The pipeline's data step: the champion's training data (its lineage's dataset version) plus the
 * prediction rows that came back labelled (feedback joined), written as a new dataset version with
 * its hash. Rows that are also held-out rows are left out, so the held-out set stays unseen.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetNameFromStem, type DatasetVersion } from '../../../../shared/datasets.js';
import type { TypedCell } from '../../data/cell-values.js';
import type { DatasetStore } from '../../data/dataset-store.js';
import { invalidParameter } from '../../errors.js';
import { rowHash, tableRowHashes } from '../../monitoring/row-hashes.js';
import type { SqliteDatabase } from '../../store/database.js';

export interface DataStepInput {
  db: SqliteDatabase;
  datasets: DatasetStore;
  model: string;
  reference: DatasetVersion;
  holdout: DatasetVersion;
  /** The columns a row is judged by (the model's inputs, then its label): the row-hash columns. */
  hashColumns: string[];
  includeLabelledRows: boolean;
  log: (line: string) => void;
}

export interface DataStepResult {
  ref: string;
  sha256: string;
  rows: number;
  reference: { ref: string; sha256: string; rows: number };
  labelledRows: number;
  /** Rows (reference or labelled) dropped because the held-out set holds them. */
  droppedHeldOut: number;
}

/** The name of the datasets a model's pipelines write (never the reference's own: a dataset trigger watching it must not fire itself). */
export function pipelineDatasetName(model: string): string {
  return datasetNameFromStem(`ct-${model}`);
}

/** CSV as the dataset importer reads it back: plain RFC 4180 quoting, no spreadsheet guards (this is training data). */
function csvField(cell: TypedCell | undefined): string {
  if (cell === null || cell === undefined) return '';
  const text = typeof cell === 'number' ? (Number.isFinite(cell) ? String(cell) : '') : String(cell);
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

interface LabelledRow {
  inputs_json: string;
  actual_label: string | null;
  actual_value: number | null;
}

export async function buildTrainingData(input: DataStepInput): Promise<DataStepResult> {
  const { datasets, reference, hashColumns, log } = input;
  const table = await datasets.readRows(reference);
  const target = hashColumns.at(-1)!;
  const targetColumn = table.columns.find((c) => c.name === target);
  if (!targetColumn) throw invalidParameter(`The reference data ${reference.ref} has no column '${target}', the label the model predicts.`);
  const holdoutHashes = new Set(tableRowHashes(await datasets.readRows(input.holdout), hashColumns));
  const positions = hashColumns.map((name) => table.columns.findIndex((c) => c.name === name));

  const rows: TypedCell[][] = [];
  let dropped = 0;
  for (const row of table.rows) {
    if (holdoutHashes.has(rowHash(positions.map((p) => (p < 0 ? null : row[p]))))) dropped++;
    else rows.push(row);
  }
  log(`reference ${reference.ref} (sha256 ${reference.sha256.slice(0, 12)}…): ${table.rows.length} rows`);

  let labelled = 0;
  let known = 0;
  if (input.includeLabelledRows) {
    // The reference may already hold rows an earlier pipeline added: a row is added once.
    const seen = new Set(table.rows.map((row) => rowHash(row)));
    const found = input.db
      .prepare(
        `SELECT p.inputs_json, f.actual_label, f.actual_value FROM predictions p JOIN prediction_feedback f ON f.prediction_pk = p.prediction_pk
         WHERE p.model_name = ? ORDER BY p.prediction_pk`,
      )
      .all(input.model) as LabelledRow[];
    const numericTarget = targetColumn.type === 'numeric' || targetColumn.type === 'integer';
    for (const item of found) {
      const inputs = JSON.parse(item.inputs_json) as Record<string, TypedCell>;
      const actual = numericTarget ? (item.actual_value ?? (item.actual_label === null ? null : Number(item.actual_label))) : (item.actual_label ?? item.actual_value);
      if (actual === null || actual === undefined || (typeof actual === 'number' && !Number.isFinite(actual))) continue;
      const row = table.columns.map((c) => (c.name === target ? actual : (inputs[c.name] ?? null)));
      if (holdoutHashes.has(rowHash(positions.map((p) => (p < 0 ? null : row[p]))))) {
        dropped++;
        continue;
      }
      const whole = rowHash(row);
      if (seen.has(whole)) {
        known++;
        continue;
      }
      seen.add(whole);
      rows.push(row);
      labelled++;
    }
    log(`labelled prediction rows of ${input.model}: ${labelled} added${known ? `, ${known} already in the reference` : ''}`);
  } else log('labelled prediction rows: not included (policy.includeLabelledRows is false)');
  if (dropped > 0) log(`${dropped} row(s) left out: they are rows of the held-out data ${input.holdout.ref}`);

  const dir = await mkdtemp(join(tmpdir(), 'mldesk-ct-'));
  try {
    const file = join(dir, `${pipelineDatasetName(input.model)}.csv`);
    const lines = [table.columns.map((c) => csvField(c.name)).join(','), ...rows.map((row) => row.map(csvField).join(','))];
    await writeFile(file, `${lines.join('\n')}\n`);
    const { version, created } = await datasets.importFile(file, { name: pipelineDatasetName(input.model), format: 'csv' });
    log(`${created ? 'registered' : 'reused'} dataset ${version.ref}: ${version.rows} rows, sha256 ${version.sha256}`);
    return {
      ref: version.ref,
      sha256: version.sha256,
      rows: version.rows,
      reference: { ref: reference.ref, sha256: reference.sha256, rows: reference.rows },
      labelledRows: labelled,
      droppedHeldOut: dropped,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
