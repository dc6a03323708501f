import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';
import type { RunRow } from './runs.js';

/**
 * Writes runs as MLflow's JSON text with SQLite building the data arrays: the same fields in the
 * same order as JSON.stringify of the objects RunStore.load builds. A 1,000-run search answer holds
 * ~26,000 metrics, params and tags; turning each cell into a JS string and each row into an object
 * cost several times what the queries do, so SQLite writes three JSON strings per run instead.
 * Strings come out escaped as JSON.stringify escapes them; metric values come out as the shortest
 * of 15 to 17 significant digits that reads back to the same double (e.g. 100.0, 0.33333333333333331),
 * so the text parses to exactly the stored values, though not always in the same spelling.
 */
export class RunJsonWriter {
  private readonly data: Statement;
  private readonly inputs: Statement;
  private readonly inputTags: Statement;

  constructor(db: SqliteDatabase) {
    // Each subquery reads one run's rows along the primary key (run_pk, key), so they come in key
    // order, as RunStore.load's do; an ORDER BY inside the aggregate would sort each run again
    // (a third of the query's time).
    this.data = db
      .prepare(
        `SELECT
           (SELECT json_group_array(json_object('key', m.key,
                     'value', CASE WHEN m.is_nan THEN 'NaN' WHEN m.value = 9e999 THEN 'Infinity' WHEN m.value = -9e999 THEN '-Infinity' ELSE m.value END,
                     'timestamp', m.timestamp, 'step', m.step))
              FROM latest_metrics m WHERE m.run_pk = page.value),
           (SELECT json_group_array(json_object('key', p.key, 'value', p.value)) FROM params p WHERE p.run_pk = page.value),
           (SELECT json_group_array(json_object('key', t.key, 'value', t.value)) FROM tags t WHERE t.run_pk = page.value)
         FROM json_each(?) page ORDER BY page.key`,
      )
      .raw();
    const page = 'run_pk IN (SELECT value FROM json_each(?))';
    this.inputs = db
      .prepare(
        `SELECT ri.run_pk, d.dataset_pk, d.name, d.digest, d.source_type, d.source, d.schema, d.profile
         FROM run_inputs ri JOIN datasets d ON d.dataset_pk = ri.dataset_pk WHERE ri.${page} ORDER BY ri.run_pk, ri.dataset_pk`,
      )
      .raw();
    this.inputTags = db.prepare(`SELECT run_pk, dataset_pk, key, value FROM run_input_tags WHERE ${page} ORDER BY run_pk, dataset_pk, key`).raw();
  }

  /** The JSON array of the runs of `rows`, in the order given. */
  write(rows: RunRow[]): string {
    if (rows.length === 0) return '[]';
    const pks = JSON.stringify(rows.map((row) => row.run_pk));
    const data = this.data.all(pks) as Array<[string, string, string]>;
    const inputs = this.datasetInputs(rows, pks);
    const parts = rows.map((row, i) => {
      const [metrics, params, tags] = data[i]!;
      return `{"info":${runInfoJson(row)},"data":{"metrics":${metrics},"params":${params},"tags":${tags}},"inputs":{"dataset_inputs":[${inputs[i] ?? ''}]}}`;
    });
    return `[${parts.join(',')}]`;
  }

  /** Dataset inputs of each run of the page, as the inside of its JSON array; most runs have none. */
  private datasetInputs(rows: RunRow[], pks: string): string[] {
    const inputRows = this.inputs.all(pks) as Array<[number, number, string, string, string, string, string | null, string | null]>;
    const out = new Array<string>(rows.length);
    if (inputRows.length === 0) return out;
    const slot = new Map<number, number>();
    rows.forEach((row, index) => slot.set(row.run_pk, index));
    const tagsOf = new Map<string, string[]>();
    for (const [pk, datasetPk, key, value] of this.inputTags.iterate(pks) as IterableIterator<[number, number, string, string]>) {
      const id = `${pk}:${datasetPk}`;
      const list = tagsOf.get(id) ?? [];
      list.push(`{"key":${JSON.stringify(key)},"value":${JSON.stringify(value)}}`);
      tagsOf.set(id, list);
    }
    for (const [pk, datasetPk, name, digest, sourceType, source, schema, profile] of inputRows) {
      const i = slot.get(pk)!;
      let dataset = `{"name":${JSON.stringify(name)},"digest":${JSON.stringify(digest)},"source_type":${JSON.stringify(sourceType)},"source":${JSON.stringify(source)}`;
      if (schema !== null) dataset += `,"schema":${JSON.stringify(schema)}`;
      if (profile !== null) dataset += `,"profile":${JSON.stringify(profile)}`;
      const input = `{"tags":[${(tagsOf.get(`${pk}:${datasetPk}`) ?? []).join(',')}],"dataset":${dataset}}}`;
      out[i] = out[i] === undefined ? input : `${out[i]},${input}`;
    }
    return out;
  }
}

/** JSON.stringify(runInfoFromRow(row)), field for field. */
function runInfoJson(row: RunRow): string {
  const id = JSON.stringify(row.run_uuid);
  let out =
    `{"run_id":${id},"run_uuid":${id},"run_name":${JSON.stringify(row.name)},"experiment_id":"${row.experiment_id}",` +
    `"user_id":${JSON.stringify(row.user_id)},"status":${JSON.stringify(row.status)},"artifact_uri":${JSON.stringify(row.artifact_uri)},` +
    `"lifecycle_stage":${JSON.stringify(row.lifecycle_stage)}`;
  if (row.start_time !== null) out += `,"start_time":${JSON.stringify(row.start_time)}`;
  if (row.end_time !== null) out += `,"end_time":${JSON.stringify(row.end_time)}`;
  return `${out}}`;
}
