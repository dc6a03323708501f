import { stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import {
  ColumnSchemaSchema,
  ColumnStatsSchema,
  DATASET_NAME_PATTERN,
  datasetNameFromStem,
  datasetRefText,
  parseDatasetRef,
  type DatasetFormat,
  type DatasetSummary,
  type DatasetVersion,
  type ValidationReport,
} from '../../../shared/datasets.js';
import { z } from 'zod';
import { invalidParameter, MLDeskError, notFound } from '../errors.js';
import { openDatabase, type SqliteDatabase } from '../store/database.js';
import { dataDirLayout } from '../data-dir.js';
import { BlobStore, type BlobCheck } from './blob-store.js';
import { profileTable } from './column-profiler.js';
import { detectFormat } from './table-reader.js';
import { readTypedRows, type TypedTable } from './typed-rows.js';
import { validateTable } from './validate-file.js';

export interface ImportOptions {
  /** Dataset name; by default the dataset already holding these bytes, else the file's base name. */
  name?: string;
  /** csv or jsonl; by default from the file extension. */
  format?: string;
}

export interface ImportResult {
  version: DatasetVersion;
  /** False when these bytes were already a version of the dataset (nothing new was stored). */
  created: boolean;
}

export interface DatasetDetail {
  name: string;
  createdTime: number;
  /** Oldest first. */
  versions: DatasetVersion[];
}

interface VersionRow {
  name: string;
  version: number;
  sha256: string;
  format: DatasetFormat;
  row_count: number;
  byte_size: number;
  schema_json: string;
  stats_json: string;
  original_file_name: string;
  created_time: number;
}

const VERSION_COLUMNS = `d.name, v.version, v.sha256, v.format, v.row_count, v.byte_size, v.schema_json, v.stats_json,
  v.original_file_name, v.created_time`;
const SchemaJson = z.array(ColumnSchemaSchema);
const StatsJson = z.array(ColumnStatsSchema);

/**
 * Versioned datasets of one data directory: rows in the lineage database (migration 3) and the
 * imported bytes under <data-dir>/blobs. Plain Node: the CLI, the server and training use it alike.
 */
export class DatasetStore {
  readonly blobs: BlobStore;

  constructor(
    private readonly db: SqliteDatabase,
    readonly dataDir: string,
    private readonly ownsDatabase = false,
  ) {
    this.blobs = new BlobStore(join(dataDir, 'blobs'));
  }

  /** Opens the data directory's database on its own (the CLI); close() closes it again. */
  static open(dataDir: string): DatasetStore {
    return new DatasetStore(openDatabase(dataDirLayout(dataDir).database), dataDir, true);
  }

  close(): void {
    if (!this.ownsDatabase || !this.db.open) return;
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
  }

  /**
   * Imports a CSV or JSON-lines file. The same bytes give the same version (whatever the file is
   * called); new bytes under an existing name give the next version. Bad input throws a
   * DatasetFileError naming file, line and problem, and leaves nothing behind.
   */
  async importFile(path: string, options: ImportOptions = {}): Promise<ImportResult> {
    const name = options.name === undefined ? undefined : checkName(options.name);
    await requireFile(path);
    const format = detectFormat(path, options.format);
    const staged = await this.blobs.stage(path);
    try {
      const existing = name === undefined ? this.findBySha256(staged.sha256)[0] : this.findVersion(name, staged.sha256);
      if (existing) {
        // Known bytes: no profiling, but the copy still repairs a damaged or missing blob.
        await this.blobs.commit(staged);
        return { version: existing, created: false };
      }
      const profile = await this.profileOf(staged.tempPath, staged.sha256, format, path);
      await this.blobs.commit(staged);
      return this.insertVersion({
        name: name ?? nameFromFile(path),
        sha256: staged.sha256,
        format,
        bytes: staged.bytes,
        originalFileName: basename(path),
        ...profile,
      });
    } finally {
      await this.blobs.discard(staged);
    }
  }

  /** Same bytes, same profile: a copy under another name reuses it instead of parsing again. */
  private async profileOf(stagedPath: string, sha256: string, format: DatasetFormat, label: string): Promise<Pick<DatasetVersion, 'rows' | 'schema' | 'stats'>> {
    const twin = this.findBySha256(sha256).find((version) => version.format === format);
    if (twin) return { rows: twin.rows, schema: twin.schema, stats: twin.stats };
    const table = await profileTable(stagedPath, format, label);
    if (table.sha256 !== sha256) {
      throw new MLDeskError('INVALID_STATE', `${label}: the staged copy changed while it was profiled; nothing was stored.`);
    }
    return {
      rows: table.rows,
      schema: table.profile.map((column) => column.schema),
      stats: table.profile.map((column) => column.stats),
    };
  }

  private insertVersion(input: Omit<DatasetVersion, 'version' | 'ref' | 'createdTime'>): ImportResult {
    const now = Date.now();
    const insert = this.db.transaction((): ImportResult => {
      this.db.prepare('INSERT INTO named_datasets (name, created_time) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(input.name, now);
      const { dataset_id: datasetId } = this.db.prepare('SELECT dataset_id FROM named_datasets WHERE name = ?').get(input.name) as { dataset_id: number };
      // Another process may have imported the same bytes since the lookup before profiling.
      const raced = this.findVersion(input.name, input.sha256);
      if (raced) return { version: raced, created: false };
      const { next } = this.db.prepare('SELECT COALESCE(MAX(version), 0) + 1 AS next FROM dataset_versions WHERE dataset_id = ?').get(datasetId) as { next: number };
      this.db
        .prepare(
          `INSERT INTO dataset_versions (dataset_id, version, sha256, format, row_count, byte_size, schema_json, stats_json,
             original_file_name, created_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(datasetId, next, input.sha256, input.format, input.rows, input.bytes, JSON.stringify(input.schema), JSON.stringify(input.stats), input.originalFileName, now);
      return { version: this.getVersion(input.name, next), created: true };
    });
    // IMMEDIATE takes the write lock before reading MAX(version): two importers cannot both pick it.
    return insert.immediate();
  }

  list(): DatasetSummary[] {
    const rows = this.db
      .prepare(
        `SELECT d.name, d.created_time, counts.n AS version_count, v.version, v.sha256, v.row_count, v.byte_size, v.schema_json, v.created_time AS updated_time
         FROM named_datasets d
         JOIN (SELECT dataset_id, COUNT(*) AS n, MAX(version) AS latest FROM dataset_versions GROUP BY dataset_id) counts ON counts.dataset_id = d.dataset_id
         JOIN dataset_versions v ON v.dataset_id = d.dataset_id AND v.version = counts.latest
         ORDER BY d.name`,
      )
      .all() as Array<{ name: string; created_time: number; version_count: number; version: number; sha256: string; row_count: number; byte_size: number; schema_json: string; updated_time: number }>;
    return rows.map((row) => ({
      name: row.name,
      createdTime: row.created_time,
      versionCount: row.version_count,
      latestVersion: row.version,
      latestSha256: row.sha256,
      latestRows: row.row_count,
      latestColumns: (JSON.parse(row.schema_json) as unknown[]).length,
      latestBytes: row.byte_size,
      updatedTime: row.updated_time,
    }));
  }

  get(name: string): DatasetDetail {
    const dataset = this.db.prepare('SELECT name, created_time FROM named_datasets WHERE name = ?').get(name) as { name: string; created_time: number } | undefined;
    if (!dataset) throw notFound(`No dataset named '${name}'. Import one with \`mldesk data import FILE --name ${name}\`.`);
    const rows = this.db
      .prepare(`SELECT ${VERSION_COLUMNS} FROM dataset_versions v JOIN named_datasets d ON d.dataset_id = v.dataset_id WHERE d.name = ? ORDER BY v.version`)
      .all(name) as VersionRow[];
    return { name: dataset.name, createdTime: dataset.created_time, versions: rows.map(toVersion) };
  }

  /** `getVersion('iris')` is the latest, `getVersion('iris@2')` or `getVersion('iris', 2)` version 2. */
  getVersion(nameOrRef: string, version?: number): DatasetVersion {
    const ref = parseDatasetRef(nameOrRef);
    if ('error' in ref) throw invalidParameter(ref.error);
    const wanted = version ?? ref.version;
    const row = this.db
      .prepare(
        `SELECT ${VERSION_COLUMNS} FROM dataset_versions v JOIN named_datasets d ON d.dataset_id = v.dataset_id
         WHERE d.name = ? ${wanted === undefined ? '' : 'AND v.version = ?'} ORDER BY v.version DESC LIMIT 1`,
      )
      .get(...(wanted === undefined ? [ref.name] : [ref.name, wanted])) as VersionRow | undefined;
    if (row) return toVersion(row);
    const latest = this.db
      .prepare('SELECT MAX(v.version) AS latest FROM dataset_versions v JOIN named_datasets d ON d.dataset_id = v.dataset_id WHERE d.name = ?')
      .get(ref.name) as { latest: number | null };
    if (latest.latest === null) throw notFound(`No dataset named '${ref.name}'. See \`mldesk data list\` for the datasets in this data directory.`);
    throw notFound(`Dataset '${ref.name}' has no version ${wanted}; its latest version is ${latest.latest}.`);
  }

  /** Every version holding exactly these bytes, oldest first. */
  findBySha256(sha256: string): DatasetVersion[] {
    const rows = this.db
      .prepare(`SELECT ${VERSION_COLUMNS} FROM dataset_versions v JOIN named_datasets d ON d.dataset_id = v.dataset_id WHERE v.sha256 = ? ORDER BY v.version_id`)
      .all(sha256) as VersionRow[];
    return rows.map(toVersion);
  }

  private findVersion(name: string, sha256: string): DatasetVersion | undefined {
    const row = this.db
      .prepare(`SELECT ${VERSION_COLUMNS} FROM dataset_versions v JOIN named_datasets d ON d.dataset_id = v.dataset_id WHERE d.name = ? AND v.sha256 = ?`)
      .get(name, sha256) as VersionRow | undefined;
    return row && toVersion(row);
  }

  /** Where the exact imported bytes of a version are. */
  blobPath(version: DatasetVersion | string): string {
    return this.blobs.pathOf(this.resolve(version).sha256);
  }

  /** Re-hashes the blob of a version: ok only when it still holds the bytes that were imported. */
  async verify(version: DatasetVersion | string): Promise<BlobCheck> {
    return this.blobs.verify(this.resolve(version).sha256);
  }

  /** The rows of a version, typed per its schema, read from its blob and checked against its hash. */
  async readRows(version: DatasetVersion | string): Promise<TypedTable> {
    const resolved = this.resolve(version);
    return readTypedRows(this.blobs.pathOf(resolved.sha256), resolved);
  }

  /** Checks a file against a version's schema and statistics without storing anything. */
  async validateFile(path: string, against: DatasetVersion | string, options: { format?: string } = {}): Promise<ValidationReport> {
    const reference = this.resolve(against);
    await requireFile(path);
    const format = detectFormat(path, options.format);
    return validateTable(path, format, reference);
  }

  private resolve(version: DatasetVersion | string): DatasetVersion {
    return typeof version === 'string' ? this.getVersion(version) : version;
  }
}

function toVersion(row: VersionRow): DatasetVersion {
  return {
    name: row.name,
    version: row.version,
    ref: datasetRefText(row.name, row.version),
    sha256: row.sha256,
    format: row.format,
    rows: row.row_count,
    bytes: row.byte_size,
    schema: SchemaJson.parse(JSON.parse(row.schema_json)),
    stats: StatsJson.parse(JSON.parse(row.stats_json)),
    originalFileName: row.original_file_name,
    createdTime: row.created_time,
  };
}

function checkName(name: string): string {
  if (!DATASET_NAME_PATTERN.test(name)) {
    throw invalidParameter(
      `Invalid dataset name '${name}': a name starts with a letter or digit and holds only letters, digits, '.', '_' or '-' (at most 128 characters).`,
    );
  }
  return name;
}

/** `Churn Data (2024).csv` → `Churn-Data-2024`: the file's base name made into a valid dataset name. */
export function nameFromFile(path: string): string {
  return datasetNameFromStem(basename(path, extname(path)));
}

async function requireFile(path: string): Promise<void> {
  let info;
  try {
    info = await stat(resolve(path));
  } catch {
    throw invalidParameter(`${path}: no such file.`);
  }
  if (!info.isFile()) throw invalidParameter(`${path}: not a file.`);
}
