import type { KeyValue } from '../../../shared/tracking-types.js';
import { alreadyExists, invalidParameter, notFound } from '../errors.js';
import { recordLineageReference } from '../monitoring/reference-lineage.js';
import type { SqliteDatabase } from '../store/database.js';
import { ModelApprovals } from './model-approvals.js';
import { readRegistrySettings, setFourEyes, versionAuthors } from './registry-settings.js';
import { searchModelRows, searchVersionRows, VERSION_COLUMNS, type ModelRow, type Search, type VersionRow } from './registry-search.js';
import { MODEL_STAGES, type ChangeContext, type ModelStage, type ModelVersion, type RegisteredModel, type RegistrySettings } from './registry-types.js';

export interface CreateVersionInput {
  source: string;
  /** The authenticated identity registering it (an author of the version for the four-eyes rule). */
  creator?: string;
  runId?: string;
  runLink?: string;
  description?: string;
  tags?: KeyValue[];
}

const generations = new WeakMap<SqliteDatabase, number>();

/**
 * Bumped by every change on this connection that can change which version a name or alias
 * resolves to. With `PRAGMA data_version` (changes by other connections) it lets a model server
 * cache resolutions safely.
 */
export function registryGeneration(db: SqliteDatabase): number {
  return generations.get(db) ?? 0;
}

/** The alias that serves production traffic: it may only point at an approved version. */
export const CHAMPION_ALIAS = 'champion';

const RUNS_URI = /^runs:\/([^/]+)(?:\/(.*))?$/;
/** `models:/NAME/VERSION`, the source MlflowClient.copy_model_version gives the copy. */
const MODELS_URI = /^models:\/(.+)\/(\d+)$/;
/** How many copies of copies downloadUri follows before it calls the chain a loop. */
const MAX_COPY_DEPTH = 32;

/** Parses a version number as MLflow does: an integer, possibly sent as a string. */
export function versionNumber(value: string | number, field = 'version'): number {
  const text = String(value).trim();
  if (!/^\d{1,15}$/.test(text) || Number(text) < 1) {
    throw invalidParameter(`Invalid value '${String(value)}' for parameter '${field}': a model version is a positive integer.`);
  }
  return Number(text);
}

function requireText(value: string | undefined, field: string): string {
  if (value === undefined || value.trim() === '') throw invalidParameter(`Missing value for required parameter '${field}'.`);
  return value;
}

function canonicalStage(stage: string): ModelStage {
  const found = MODEL_STAGES.find((candidate) => candidate.toLowerCase() === stage.trim().toLowerCase());
  if (!found) throw invalidParameter(`Invalid value '${stage}' for parameter 'stage': expected one of ${MODEL_STAGES.join(', ')}.`);
  return found;
}

function validateAlias(alias: string): void {
  requireText(alias, 'alias');
  if (alias.toLowerCase() === 'latest' || /^v\d+$/i.test(alias)) {
    throw invalidParameter(`Invalid value '${alias}' for parameter 'alias': 'latest' and names like 'v1' are reserved.`);
  }
  if (!/^[\w-]{1,255}$/.test(alias)) {
    throw invalidParameter(`Invalid value '${alias}' for parameter 'alias': use letters, digits, '_' and '-' (at most 255).`);
  }
}

/**
 * MLflow's model registry over the lineage database: registered models, their numbered versions
 * (each tied to the run that produced it), tags, stages and aliases. Approvals and the alias audit
 * trail are in model-approvals.ts.
 */
export class ModelRegistry {
  readonly approvals: ModelApprovals;

  constructor(private readonly db: SqliteDatabase) {
    this.approvals = new ModelApprovals(db, (name, version) => this.versionRow(name, version));
  }

  private changed(): void {
    generations.set(this.db, registryGeneration(this.db) + 1);
  }

  // ---- registered models ----

  private modelRow(name: string, field = 'name'): ModelRow {
    requireText(name, field);
    const row = this.db.prepare('SELECT * FROM registered_models WHERE name = ?').get(name) as ModelRow | undefined;
    if (!row) throw notFound(`Registered Model with name=${name} not found`);
    return row;
  }

  createModel(name: string, options: { description?: string; tags?: KeyValue[] } = {}): RegisteredModel {
    requireText(name, 'name');
    const now = Date.now();
    this.db.transaction(() => {
      if (this.db.prepare('SELECT 1 FROM registered_models WHERE name = ?').get(name)) {
        throw alreadyExists(`Registered Model (name=${name}) already exists.`);
      }
      const info = this.db
        .prepare('INSERT INTO registered_models (name, description, creation_timestamp, last_updated_timestamp) VALUES (?, ?, ?, ?)')
        .run(name, options.description ?? '', now, now);
      const insertTag = this.db.prepare('INSERT OR REPLACE INTO registered_model_tags (model_id, key, value) VALUES (?, ?, ?)');
      for (const tag of options.tags ?? []) insertTag.run(Number(info.lastInsertRowid), requireText(tag.key, 'tags.key'), tag.value);
    }).immediate();
    return this.getModel(name);
  }

  getModel(name: string): RegisteredModel {
    return this.modelToWire(this.modelRow(name));
  }

  updateModel(name: string, description: string | undefined): RegisteredModel {
    this.db.transaction(() => {
      const row = this.modelRow(name);
      this.db.prepare('UPDATE registered_models SET description = ?, last_updated_timestamp = ? WHERE model_id = ?').run(description ?? '', Date.now(), row.model_id);
    }).immediate();
    return this.getModel(name);
  }

  renameModel(name: string, newName: string): RegisteredModel {
    this.changed();
    requireText(newName, 'new_name');
    this.db.transaction(() => {
      const row = this.modelRow(name);
      if (newName !== name && this.db.prepare('SELECT 1 FROM registered_models WHERE name = ?').get(newName)) {
        throw alreadyExists(`Registered Model (name=${newName}) already exists.`);
      }
      this.db.prepare('UPDATE registered_models SET name = ?, last_updated_timestamp = ? WHERE model_id = ?').run(newName, Date.now(), row.model_id);
    }).immediate();
    return this.getModel(newName);
  }

  deleteModel(name: string, context: ChangeContext = {}): void {
    this.changed();
    this.db.transaction(() => {
      const row = this.modelRow(name);
      // The trail outlives the model (its model_id becomes NULL), so the removals are recorded.
      const aliases = this.db.prepare('SELECT alias, version FROM registered_model_aliases WHERE model_id = ?').all(row.model_id) as Array<{ alias: string; version: number }>;
      for (const { alias, version } of aliases) {
        this.approvals.recordAliasChange(row.model_id, row.name, alias, version, null, { ...context, reason: context.reason || 'model deleted' });
      }
      this.db.prepare('DELETE FROM registered_models WHERE model_id = ?').run(row.model_id);
    }).immediate();
  }

  setModelTag(name: string, key: string, value: string): void {
    requireText(key, 'key');
    this.db.transaction(() => {
      const row = this.modelRow(name);
      this.db.prepare('INSERT OR REPLACE INTO registered_model_tags (model_id, key, value) VALUES (?, ?, ?)').run(row.model_id, key, value);
    }).immediate();
  }

  deleteModelTag(name: string, key: string): void {
    const row = this.modelRow(name);
    const info = this.db.prepare('DELETE FROM registered_model_tags WHERE model_id = ? AND key = ?').run(row.model_id, requireText(key, 'key'));
    if (info.changes === 0) throw notFound(`No tag with key '${key}' on registered model '${name}'`);
  }

  searchModels(query: Search): { registered_models: RegisteredModel[]; next_page_token?: string } {
    const { rows, nextPageToken } = searchModelRows(this.db, query);
    const page = rows.map((row) => this.modelToWire(row));
    return nextPageToken ? { registered_models: page, next_page_token: nextPageToken } : { registered_models: page };
  }

  /** The newest version in each stage (or in the given stages), as get-latest-versions answers. */
  latestVersions(name: string, stages: string[] = []): ModelVersion[] {
    const row = this.modelRow(name);
    const wanted = stages.length > 0 ? stages.map(canonicalStage) : [...MODEL_STAGES];
    const rows = this.db
      .prepare(
        `SELECT ${VERSION_COLUMNS} FROM model_versions v JOIN registered_models m ON m.model_id = v.model_id
         WHERE v.model_id = ? AND v.version = (SELECT MAX(version) FROM model_versions w WHERE w.model_id = v.model_id AND w.current_stage = v.current_stage)
         ORDER BY v.version`,
      )
      .all(row.model_id) as VersionRow[];
    return rows.filter((version) => wanted.includes(version.current_stage)).map((version) => this.versionToWire(version));
  }

  // ---- model versions ----

  versionRow(name: string, version: string | number): VersionRow {
    const model = this.modelRow(name);
    const number = versionNumber(version);
    const row = this.db
      .prepare(`SELECT ${VERSION_COLUMNS} FROM model_versions v JOIN registered_models m ON m.model_id = v.model_id WHERE v.model_id = ? AND v.version = ?`)
      .get(model.model_id, number) as VersionRow | undefined;
    if (!row) throw notFound(`Model Version (name=${name}, version=${number}) not found`);
    return row;
  }

  createVersion(name: string, input: CreateVersionInput): ModelVersion {
    this.changed();
    const source = requireText(input.source, 'source');
    const copied = MODELS_URI.exec(source);
    // A copy's files are the copied version's: it must exist; its run_id is the copied version's own.
    if (copied) this.versionRow(copied[1]!, copied[2]!);
    const fromSource = RUNS_URI.exec(source)?.[1];
    if (input.runId && fromSource && fromSource !== input.runId) {
      throw invalidParameter(`Invalid value '${source}' for parameter 'source': it names run ${fromSource} but run_id is ${input.runId}.`);
    }
    const runId = input.runId || fromSource || null;
    if (runId !== null) {
      const run = this.db.prepare('SELECT artifact_uri FROM runs WHERE run_uuid = ?').get(runId) as { artifact_uri: string } | undefined;
      if (!run) throw notFound(`Run with id=${runId} not found (parameter '${input.runId ? 'run_id' : 'source'}')`);
      const root = run.artifact_uri.replace(/\/+$/, '');
      if (!fromSource && !copied && source !== root && !source.startsWith(`${root}/`)) {
        throw invalidParameter(`Invalid value '${source}' for parameter 'source': it must be runs:/${runId}/<path> or lie under the run's artifact URI ${root}.`);
      }
    }
    // Immediate, as every transaction here that reads before it writes: next_version is read, then
    // written, and a deferred transaction that read while another process wrote fails with
    // SQLITE_BUSY_SNAPSHOT instead of waiting its turn.
    const created = this.db.transaction(() => {
      const model = this.modelRow(name);
      const now = Date.now();
      const version = model.next_version;
      const info = this.db
        .prepare(
          `INSERT INTO model_versions (model_id, version, source, run_id, run_link, description, creation_timestamp, last_updated_timestamp, creator_identity)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(model.model_id, version, source, runId, input.runLink ?? '', input.description ?? '', now, now, input.creator?.trim() || null);
      const insertTag = this.db.prepare('INSERT OR REPLACE INTO model_version_tags (version_pk, key, value) VALUES (?, ?, ?)');
      for (const tag of input.tags ?? []) insertTag.run(Number(info.lastInsertRowid), requireText(tag.key, 'tags.key'), tag.value);
      this.db.prepare('UPDATE registered_models SET next_version = ?, last_updated_timestamp = ? WHERE model_id = ?').run(version + 1, now, model.model_id);
      if (runId !== null) {
        this.db
          .prepare(
            `INSERT OR IGNORE INTO lineage_edges (source_kind, source_id, target_kind, target_id, relation, created_time)
             VALUES ('run', ?, 'model_version', ?, 'registered_as', ?)`,
          )
          .run(runId, `${name}/${version}`, now);
        // Its training data becomes its monitoring reference (profiled later, off this request).
        recordLineageReference(this.db, Number(info.lastInsertRowid), runId, now);
      }
      return version;
    }).immediate();
    return this.getVersion(name, created);
  }

  getVersion(name: string, version: string | number): ModelVersion {
    return this.versionToWire(this.versionRow(name, version));
  }

  updateVersion(name: string, version: string | number, description: string | undefined): ModelVersion {
    const row = this.versionRow(name, version);
    this.db.prepare('UPDATE model_versions SET description = ?, last_updated_timestamp = ? WHERE version_pk = ?').run(description ?? '', Date.now(), row.version_pk);
    return this.getVersion(name, version);
  }

  deleteVersion(name: string, version: string | number, context: ChangeContext = {}): void {
    this.changed();
    this.db.transaction(() => {
      const row = this.versionRow(name, version);
      // The aliases go with the version (by cascade); the audit trail says so.
      const aliases = this.db.prepare('SELECT alias FROM registered_model_aliases WHERE model_id = ? AND version = ?').all(row.model_id, row.version) as Array<{ alias: string }>;
      for (const { alias } of aliases) {
        this.approvals.recordAliasChange(row.model_id, row.name, alias, row.version, null, { ...context, reason: context.reason || `version ${row.version} deleted` });
      }
      this.db.prepare('DELETE FROM model_versions WHERE version_pk = ?').run(row.version_pk);
      this.db.prepare('UPDATE registered_models SET last_updated_timestamp = ? WHERE model_id = ?').run(Date.now(), row.model_id);
    }).immediate();
  }

  transitionStage(name: string, version: string | number, stage: string, archiveExisting: boolean): ModelVersion {
    const target = canonicalStage(stage);
    if (archiveExisting && target !== 'Staging' && target !== 'Production') {
      throw invalidParameter(`Invalid value 'true' for parameter 'archive_existing_versions': only allowed when moving to Staging or Production, not ${target}.`);
    }
    const now = Date.now();
    this.db.transaction(() => {
      const row = this.versionRow(name, version);
      if (archiveExisting) {
        this.db
          .prepare("UPDATE model_versions SET current_stage = 'Archived', last_updated_timestamp = ? WHERE model_id = ? AND current_stage = ? AND version_pk != ?")
          .run(now, row.model_id, target, row.version_pk);
      }
      this.db.prepare('UPDATE model_versions SET current_stage = ?, last_updated_timestamp = ? WHERE version_pk = ?').run(target, now, row.version_pk);
      this.db.prepare('UPDATE registered_models SET last_updated_timestamp = ? WHERE model_id = ?').run(now, row.model_id);
    }).immediate();
    return this.getVersion(name, version);
  }

  setVersionTag(name: string, version: string | number, key: string, value: string): void {
    requireText(key, 'key');
    this.db.transaction(() => {
      const row = this.versionRow(name, version);
      this.db.prepare('INSERT OR REPLACE INTO model_version_tags (version_pk, key, value) VALUES (?, ?, ?)').run(row.version_pk, key, value);
    }).immediate();
  }

  deleteVersionTag(name: string, version: string | number, key: string): void {
    const row = this.versionRow(name, version);
    const info = this.db.prepare('DELETE FROM model_version_tags WHERE version_pk = ? AND key = ?').run(row.version_pk, requireText(key, 'key'));
    if (info.changes === 0) throw notFound(`No tag with key '${key}' on model version (name=${name}, version=${row.version})`);
  }

  /** Where the version's files are: a runs:/ source resolved against the run's artifact URI, a copy's the copied version's. */
  downloadUri(name: string, version: string | number, depth = 0): string {
    const row = this.versionRow(name, version);
    const copied = MODELS_URI.exec(row.source);
    if (copied) {
      if (depth >= MAX_COPY_DEPTH) throw invalidParameter(`Model version ${name}/${row.version}: its source ${row.source} is a chain of more than ${MAX_COPY_DEPTH} copies.`);
      return this.downloadUri(copied[1]!, copied[2]!, depth + 1);
    }
    const match = RUNS_URI.exec(row.source);
    if (!match) return row.source;
    const run = this.db.prepare('SELECT artifact_uri FROM runs WHERE run_uuid = ?').get(match[1]!) as { artifact_uri: string } | undefined;
    if (!run) return row.source;
    return match[2] ? `${run.artifact_uri.replace(/\/+$/, '')}/${match[2]}` : run.artifact_uri;
  }

  searchVersions(query: Search): { model_versions: ModelVersion[]; next_page_token?: string } {
    const { rows, nextPageToken } = searchVersionRows(this.db, query);
    const page = rows.map((row) => this.versionToWire(row));
    return nextPageToken ? { model_versions: page, next_page_token: nextPageToken } : { model_versions: page };
  }

  // ---- aliases ----

  /** Points an alias at a version. `champion` needs an approved version (see ModelApprovals.championRefusal). */
  setAlias(name: string, alias: string, version: string | number, context: ChangeContext = {}): void {
    this.changed();
    validateAlias(alias);
    // The approval is checked in the same transaction as the move: a rejection recorded meanwhile
    // by another process cannot slip between the check and the write.
    this.db.transaction(() => {
      const row = this.versionRow(name, version);
      if (alias.toLowerCase() === CHAMPION_ALIAS) this.approvals.requireChampionReady(row);
      const previous = this.db.prepare('SELECT version FROM registered_model_aliases WHERE model_id = ? AND alias = ?').get(row.model_id, alias) as
        | { version: number }
        | undefined;
      this.db.prepare('INSERT OR REPLACE INTO registered_model_aliases (model_id, alias, version) VALUES (?, ?, ?)').run(row.model_id, alias, row.version);
      this.approvals.recordAliasChange(row.model_id, row.name, alias, previous?.version ?? null, row.version, context);
    }).immediate();
  }

  deleteAlias(name: string, alias: string, context: ChangeContext = {}): void {
    this.changed();
    requireText(alias, 'alias');
    this.db.transaction(() => {
      const model = this.modelRow(name);
      const previous = this.db.prepare('SELECT version FROM registered_model_aliases WHERE model_id = ? AND alias = ?').get(model.model_id, alias) as
        | { version: number }
        | undefined;
      if (!previous) throw notFound(`Registered model alias ${alias} not found on model ${name}`);
      this.db.prepare('DELETE FROM registered_model_aliases WHERE model_id = ? AND alias = ?').run(model.model_id, alias);
      this.approvals.recordAliasChange(model.model_id, model.name, alias, previous.version, null, context);
    }).immediate();
  }

  versionByAlias(name: string, alias: string): ModelVersion {
    const model = this.modelRow(name);
    const row = this.db.prepare('SELECT version FROM registered_model_aliases WHERE model_id = ? AND alias = ?').get(model.model_id, requireText(alias, 'alias')) as
      | { version: number }
      | undefined;
    if (!row) throw notFound(`Registered model alias ${alias} not found on model ${name}`);
    return this.getVersion(name, row.version);
  }

  /** The alias trail, oldest first; of one alias when given. */
  aliasHistory(name: string, alias?: string, page?: { offset: number; limit: number }) {
    return this.approvals.aliasHistory(this.modelRow(name).model_id, alias, page);
  }

  /** One page of the alias trail, newest first. */
  aliasHistoryPage(name: string, offset: number, limit: number) {
    return this.approvals.aliasHistoryPage(this.modelRow(name).model_id, offset, limit);
  }

  // ---- settings ----

  settings(): RegistrySettings {
    return readRegistrySettings(this.db);
  }

  /** `by` is the authenticated identity of who changed it. */
  setFourEyes(on: boolean, by: string): RegistrySettings {
    return setFourEyes(this.db, on, by);
  }

  /** Who counts as the version's author for the four-eyes rule (see versionAuthors). */
  authorsOf(name: string, version: string | number): string[] {
    return versionAuthors(this.db, this.versionRow(name, version));
  }

  // ---- wire shapes ----

  private modelToWire(row: ModelRow): RegisteredModel {
    const aliases = this.db.prepare('SELECT alias, version FROM registered_model_aliases WHERE model_id = ? ORDER BY alias').all(row.model_id) as Array<{
      alias: string;
      version: number;
    }>;
    return {
      name: row.name,
      creation_timestamp: row.creation_timestamp,
      last_updated_timestamp: row.last_updated_timestamp,
      description: row.description,
      latest_versions: this.latestVersions(row.name),
      tags: this.db.prepare('SELECT key, value FROM registered_model_tags WHERE model_id = ? ORDER BY key').all(row.model_id) as KeyValue[],
      aliases: aliases.map((a) => ({ alias: a.alias, version: String(a.version) })),
    };
  }

  private versionToWire(row: VersionRow): ModelVersion {
    const wire: ModelVersion = {
      name: row.name,
      version: String(row.version),
      creation_timestamp: row.creation_timestamp,
      last_updated_timestamp: row.last_updated_timestamp,
      current_stage: row.current_stage,
      description: row.description,
      source: row.source,
      run_id: row.run_id ?? '',
      status: row.status,
      tags: this.db.prepare('SELECT key, value FROM model_version_tags WHERE version_pk = ? ORDER BY key').all(row.version_pk) as KeyValue[],
      aliases: (this.db.prepare('SELECT alias FROM registered_model_aliases WHERE model_id = ? AND version = ? ORDER BY alias').all(row.model_id, row.version) as Array<{ alias: string }>).map(
        (a) => a.alias,
      ),
    };
    if (row.run_link !== '') wire.run_link = row.run_link;
    return wire;
  }
}
