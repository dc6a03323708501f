/**
 * The prediction log as CSV under the log view's filters, newest first like the view, read a
 * keyset page at a time: a million rows stream in bounded memory, and rows the model server logs
 * meanwhile (newer than the first page) do not shift or repeat any.
 */
import type { PredictionsExport } from '../../../shared/app-api/exports.js';
import type { SqliteDatabase } from '../store/database.js';
import { MAX_PREDICTIONS_PAGE, searchPredictions, type PredictionRecord } from '../serving/prediction-records.js';
import { csvRow, csvTime, type CsvValue } from './csv.js';
import { safeFileName } from './table-csv.js';

/**
 * Input and class names for the columns. The model server checks every row against its version's
 * signature, so a version's first row names every feature its rows carry, and its first
 * classifier answer every class; the union over the versions in the export is the header.
 */
function columnsOf(db: SqliteDatabase, query: PredictionsExport): { inputs: string[]; classes: string[] } {
  const rows = db
    .prepare(
      `SELECT inputs_json, output_json FROM predictions WHERE prediction_pk IN
         (SELECT MIN(prediction_pk) FROM predictions WHERE model_name = ? ${query.version ? 'AND model_version = ?' : ''} GROUP BY model_version)`,
    )
    .all(...[query.model, ...(query.version ? [Number(query.version)] : [])]) as { inputs_json: string; output_json: string }[];
  const inputs = new Set<string>();
  const classes = new Set<string>();
  for (const row of rows) {
    for (const key of Object.keys(JSON.parse(row.inputs_json) as object)) inputs.add(key);
    const output = JSON.parse(row.output_json) as { probabilities?: Record<string, number> };
    for (const key of Object.keys(output.probabilities ?? {})) classes.add(key);
  }
  return { inputs: [...inputs], classes: [...classes] };
}

/** A feature's value as a cell: numbers and text as they are, anything nested as JSON. */
function inputCell(value: unknown): CsvValue {
  if (value === null || value === undefined || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

export function* predictionsCsv(db: SqliteDatabase, query: PredictionsExport): Generator<string> {
  const { inputs, classes } = columnsOf(db, query);
  const known = new Set(inputs);
  const header = csvRow([
    'request_id', 'timestamp', 'model_version', 'predicted', ...classes.map((name) => `probability.${name}`), 'actual', 'feedback_time',
    'latency_ms', 'endpoint', 'run_id', ...inputs.map((name) => `input.${name}`), 'other_inputs',
  ]);
  const line = (p: PredictionRecord) => {
    const output = p.output as { label?: string; value?: number; probabilities?: Record<string, number> };
    const others = Object.keys(p.inputs).filter((key) => !known.has(key));
    return csvRow([
      p.request_id, csvTime(p.timestamp), p.model_version, output.label ?? output.value, ...classes.map((name) => output.probabilities?.[name]),
      p.feedback?.actual, csvTime(p.feedback?.timestamp), p.latency_ms, p.endpoint, p.run_id, ...inputs.map((name) => inputCell(p.inputs[name])),
      // Never expected (the signature check), but a row is never cut short: extra inputs as JSON.
      others.length ? JSON.stringify(Object.fromEntries(others.map((key) => [key, p.inputs[key]]))) : null,
    ]);
  };
  let pageToken: string | undefined;
  let first = true;
  do {
    const page = searchPredictions(db, { ...query, maxResults: MAX_PREDICTIONS_PAGE, ...(pageToken ? { pageToken } : {}) });
    // The header waits for the first page, so a query the store refuses fails before the answer starts.
    yield (first ? header : '') + page.predictions.map(line).join('');
    first = false;
    pageToken = page.next_page_token;
  } while (pageToken);
}

export function predictionsCsvName(query: PredictionsExport): string {
  return `${safeFileName(`${query.model}${query.version ? `-v${query.version}` : ''}`)}-predictions.csv`;
}
