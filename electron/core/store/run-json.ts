import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';
import type { RunRow } from './runs.js';

/** One run of a search page, as the selection query gives it: enough to find its cached document. */
export type PageRun = [runPk: number, runUuid: string, dataVersion: number];
export const PAGE_RUN_COLUMNS = 'r.run_pk, r.run_uuid, r.data_version';

interface CachedDocument {
  version: number;
  json: Buffer;
}

/** ~40,000 runs of 10 metrics, 10 params and 5 tags; past it the oldest documents go first. */
const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * Writes runs as MLflow's JSON, one UTF-8 document per run, the same fields in the same order as
 * JSON.stringify of the objects RunStore.load builds. A 1,000-run search answer holds ~26,000
 * metrics, params and tags: building it afresh (even as JSON text by SQLite) and encoding ~1 MB of
 * text cost several times what selecting the runs does. So each run's document is kept as bytes,
 * under the run's data version (migration 9): every write that changes what the document shows
 * bumps the version in its own transaction, whichever process makes it, so a document whose
 * version is still the row's is the run as the reader's snapshot sees it.
 *
 * Strings come out escaped as JSON.stringify escapes them; metric values come out as the shortest
 * of 15 to 17 significant digits that reads back to the same double (e.g. 100.0, 0.33333333333333331),
 * so the text parses to exactly the stored values, though not always in the same spelling.
 */
export class RunJsonWriter {
  private readonly data: Statement;
  private readonly inputs: Statement;
  private readonly inputTags: Statement;
  private readonly documents = new Map<string, CachedDocument>();
  private cachedBytes = 0;
  /** Documents built because none was cached at the run's version (tests check what the cache spares). */
  builtDocuments = 0;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly maxCachedBytes = DEFAULT_CACHE_BYTES,
  ) {
    // Each subquery reads one run's rows along the primary key (run_pk, key), so they come in key
    // order, as RunStore.load's do; an ORDER BY inside the aggregate would sort each run again.
    this.data = db.prepare(
      `SELECT r.run_pk, r.run_uuid, r.data_version, r.experiment_id, r.name, r.user_id, r.status, r.start_time, r.end_time,
           r.lifecycle_stage, r.artifact_uri,
           (SELECT json_group_array(json_object('key', m.key,
                     'value', CASE WHEN m.is_nan THEN 'NaN' WHEN m.value = 9e999 THEN 'Infinity' WHEN m.value = -9e999 THEN '-Infinity' ELSE m.value END,
                     'timestamp', m.timestamp, 'step', m.step))
              FROM latest_metrics m WHERE m.run_pk = r.run_pk) AS metrics,
           (SELECT json_group_array(json_object('key', p.key, 'value', p.value)) FROM params p WHERE p.run_pk = r.run_pk) AS params,
           (SELECT json_group_array(json_object('key', t.key, 'value', t.value)) FROM tags t WHERE t.run_pk = r.run_pk) AS tags
         FROM json_each(?) page JOIN runs r ON r.run_pk = page.value ORDER BY page.key`,
    );
    const page = 'run_pk IN (SELECT value FROM json_each(?))';
    this.inputs = db
      .prepare(
        `SELECT ri.run_pk, d.dataset_pk, d.name, d.digest, d.source_type, d.source, d.schema, d.profile
         FROM run_inputs ri JOIN datasets d ON d.dataset_pk = ri.dataset_pk WHERE ri.${page} ORDER BY ri.run_pk, ri.dataset_pk`,
      )
      .raw();
    this.inputTags = db.prepare(`SELECT run_pk, dataset_pk, key, value FROM run_input_tags WHERE ${page} ORDER BY run_pk, dataset_pk, key`).raw();
  }

  /**
   * The document of each run of `page`, in its order. Call it inside the read transaction that
   * selected the page, so that versions and data come from one snapshot.
   */
  write(page: PageRun[]): Buffer[] {
    const out = new Array<Buffer>(page.length);
    const missing: PageRun[] = [];
    const slots: number[] = [];
    page.forEach((run, i) => {
      const cached = this.documents.get(run[1]);
      if (cached !== undefined && cached.version === run[2]) out[i] = cached.json;
      else {
        missing.push(run);
        slots.push(i);
      }
    });
    if (missing.length === 0) return out;
    const built = this.build(missing);
    missing.forEach((run, k) => (out[slots[k]!] = built.get(run[0])!));
    // A run can only be missing when the page was selected outside the transaction that built it.
    return built.size === missing.length ? out : out.filter((json) => json !== undefined);
  }

  private build(runs: PageRun[]): Map<number, Buffer> {
    return this.db.transaction(() => {
      const pks = JSON.stringify(runs.map((run) => run[0]));
      const rows = this.data.all(pks) as Array<RunRow & { data_version: number; metrics: string; params: string; tags: string }>;
      const inputs = this.datasetInputs(rows, pks);
      this.builtDocuments += rows.length;
      const built = new Map<number, Buffer>();
      rows.forEach((row, i) => {
        const json = Buffer.from(
          `{"info":${runInfoJson(row)},"data":{"metrics":${row.metrics},"params":${row.params},"tags":${row.tags}},"inputs":{"dataset_inputs":[${inputs[i] ?? ''}]}}`,
        );
        this.remember(row.run_uuid, row.data_version, json);
        built.set(row.run_pk, json);
      });
      return built;
    })();
  }

  private remember(runUuid: string, version: number, json: Buffer): void {
    const previous = this.documents.get(runUuid);
    if (previous !== undefined) {
      this.cachedBytes -= previous.json.length;
      this.documents.delete(runUuid);
    }
    this.documents.set(runUuid, { version, json });
    this.cachedBytes += json.length;
    // Maps iterate in insertion order, and a rebuilt document goes to the end: the oldest go first.
    for (const [key, entry] of this.documents) {
      if (this.cachedBytes <= this.maxCachedBytes) break;
      this.documents.delete(key);
      this.cachedBytes -= entry.json.length;
    }
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

/** `head`, the documents separated by commas, then `tail`, in one buffer of `allocate(size)`. */
export function joinDocuments(head: string, documents: Buffer[], tail: string, allocate: (size: number) => Buffer = Buffer.allocUnsafe): Buffer {
  let length = Buffer.byteLength(head) + Buffer.byteLength(tail) + Math.max(0, documents.length - 1);
  for (const document of documents) length += document.length;
  const out = allocate(length);
  if (out.length !== length) throw new Error(`joinDocuments: allocate(${length}) gave ${out.length} bytes`);
  let at = out.write(head);
  documents.forEach((document, i) => {
    if (i > 0) out[at++] = 0x2c;
    at += document.copy(out, at);
  });
  out.write(tail, at);
  return out;
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
