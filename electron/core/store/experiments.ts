import type { Statement } from 'better-sqlite3';
import { keyProblem, LIMITS, textLength } from '../../../shared/tracking-limits.js';
import type { Experiment, KeyValue, ViewType } from '../../../shared/tracking-types.js';
import { parseExperimentFilter, parseExperimentOrderBy, SearchSyntaxError } from '../../../shared/search-filter.js';
import { alreadyExists, invalidParameter, notFound } from '../errors.js';
import type { AppEventBus } from '../app-events.js';
import type { SqliteDatabase } from './database.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { listComparison, numericComparison, stringComparison, type SqlFragment } from './sql-like.js';

interface ExperimentRow {
  experiment_id: number;
  name: string;
  artifact_location: string;
  lifecycle_stage: 'active' | 'deleted';
  creation_time: number;
  last_update_time: number;
}

export interface ExperimentSearch {
  viewType: ViewType;
  filter?: string;
  orderBy: string[];
  maxResults: number;
  pageToken?: string;
}

export const DEFAULT_EXPERIMENT_ID = '0';

/** Parses an experiment id as MLflow's SQL store does: a non-negative integer in a string. */
export function experimentPk(id: string, field = 'experiment_id'): number {
  if (!/^\d{1,15}$/.test(id)) {
    throw invalidParameter(`Invalid value '${id}' for parameter '${field}': experiment ids are non-negative integers.`);
  }
  return Number(id);
}

export class ExperimentStore {
  private readonly byId: Statement<[number], ExperimentRow>;
  private readonly byName: Statement<[string], ExperimentRow>;
  private readonly tagsOf: Statement<[number], KeyValue>;
  private readonly insert: Statement;
  private readonly setTag: Statement;
  private readonly touch: Statement;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly artifactRootUri: (experimentId: string) => string,
    private readonly events?: AppEventBus,
  ) {
    this.byId = db.prepare('SELECT * FROM experiments WHERE experiment_id = ?');
    this.byName = db.prepare('SELECT * FROM experiments WHERE name = ?');
    this.tagsOf = db.prepare('SELECT key, value FROM experiment_tags WHERE experiment_id = ? ORDER BY key');
    this.insert = db.prepare(
      `INSERT INTO experiments (experiment_id, name, artifact_location, creation_time, last_update_time)
       VALUES (?, ?, ?, ?, ?)`,
    );
    this.setTag = db.prepare(
      `INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)
       ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value`,
    );
    this.touch = db.prepare('UPDATE experiments SET last_update_time = ? WHERE experiment_id = ?');
    this.ensureDefault();
  }

  /** MLflow clients assume experiment 0, "Default", exists. */
  private ensureDefault(): void {
    if (this.byId.get(0)) return;
    const now = Date.now();
    // Two processes opening a new data dir at once both get here; the second one's insert is a no-op.
    this.db
      .prepare('INSERT OR IGNORE INTO experiments (experiment_id, name, artifact_location, creation_time, last_update_time) VALUES (?, ?, ?, ?, ?)')
      .run(0, 'Default', this.artifactRootUri('0'), now, now);
  }

  create(name: string, artifactLocation: string | undefined, tags: KeyValue[]): string {
    if (name.trim() === '') throw invalidParameter("Invalid value '' for parameter 'name': an experiment name cannot be empty.");
    // Immediate (here and wherever a transaction reads before it writes): the MAX()+1 read and the
    // insert must see the same database. A deferred transaction that read while another process
    // (the CLI training beside the app) wrote fails with SQLITE_BUSY_SNAPSHOT instead of waiting.
    const created = this.db.transaction(() => {
      const existing = this.byName.get(name);
      if (existing) {
        throw alreadyExists(
          existing.lifecycle_stage === 'deleted'
            ? `Experiment '${name}' already exists in deleted state. Restore it or permanently delete it first.`
            : `Experiment '${name}' already exists.`,
        );
      }
      const nextId = (this.db.prepare('SELECT COALESCE(MAX(experiment_id), 0) + 1 AS id FROM experiments').get() as { id: number }).id;
      const id = String(nextId);
      const now = Date.now();
      this.insert.run(nextId, name, artifactLocation && artifactLocation !== '' ? artifactLocation : this.artifactRootUri(id), now, now);
      for (const tag of tags) this.setTag.run(nextId, tag.key, tag.value);
      return id;
    }).immediate();
    this.events?.emit('experiments.changed', {});
    return created;
  }

  row(id: string): ExperimentRow {
    const row = this.byId.get(experimentPk(id));
    if (!row) throw notFound(`No Experiment with id=${id} exists`);
    return row;
  }

  get(id: string): Experiment {
    return this.toWire(this.row(id));
  }

  getByName(name: string): Experiment {
    const row = this.byName.get(name);
    if (!row) throw notFound(`Could not find experiment with name '${name}'`);
    return this.toWire(row);
  }

  /** The id of the active experiment of this name, created when missing (training, projects, sweeps log by name). */
  idForName(name: string): string {
    const existing = this.byName.get(name);
    if (existing) {
      if (existing.lifecycle_stage !== 'active') throw invalidParameter(`The experiment '${name}' is deleted; restore it or use another name.`);
      return this.toWire(existing).experiment_id;
    }
    try {
      return this.create(name, undefined, []);
    } catch (error) {
      // Another process created it between the two calls.
      if ((error as { code?: string }).code === 'RESOURCE_ALREADY_EXISTS') return this.getByName(name).experiment_id;
      throw error;
    }
  }

  update(id: string, newName: string): void {
    if (newName.trim() === '') throw invalidParameter("Invalid value '' for parameter 'new_name': an experiment name cannot be empty.");
    this.db.transaction(() => {
      const row = this.row(id);
      if (row.lifecycle_stage !== 'active') {
        throw invalidParameter(`Cannot rename a non-active experiment: experiment ${id} is deleted.`);
      }
      const clash = this.byName.get(newName);
      if (clash && clash.experiment_id !== row.experiment_id) throw alreadyExists(`Experiment '${newName}' already exists.`);
      this.db.prepare('UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?').run(newName, Date.now(), row.experiment_id);
    }).immediate();
    this.events?.emit('experiments.changed', {});
  }

  setLifecycle(id: string, stage: 'active' | 'deleted'): void {
    this.db.transaction(() => {
      const row = this.row(id);
      if (stage === 'deleted' && row.experiment_id === 0) {
        throw invalidParameter('Cannot delete the default experiment (id 0): MLflow clients rely on it.');
      }
      if (row.lifecycle_stage === stage) {
        if (stage === 'active') throw invalidParameter(`Cannot restore experiment ${id}: it is not deleted.`);
        throw invalidParameter(`Cannot delete experiment ${id}: it is already deleted.`);
      }
      const now = Date.now();
      this.db.prepare('UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? WHERE experiment_id = ?').run(stage, now, row.experiment_id);
      // MLflow deletes and restores the experiment's runs with it.
      this.db
        .prepare('UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE experiment_id = ?')
        .run(stage, stage === 'deleted' ? now : null, row.experiment_id);
    }).immediate();
    this.events?.emit('experiments.changed', {});
  }

  setExperimentTag(id: string, key: string, value: string): void {
    // MLflow validates experiment tags as run tags: key name and length, value length.
    const problem = keyProblem('tag', key);
    if (problem) throw invalidParameter(`Field 'key': ${problem}`);
    if (textLength(value) > LIMITS.maxTagValueLength) {
      throw invalidParameter(
        `Field 'value': tag value for key '${key}' had length ${textLength(value)}, which exceeded length limit of ${LIMITS.maxTagValueLength}.`,
      );
    }
    this.db.transaction(() => {
      const row = this.row(id);
      if (row.lifecycle_stage !== 'active') {
        throw invalidParameter(`The experiment ${id} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`);
      }
      this.setTag.run(row.experiment_id, key, value);
      this.touch.run(Date.now(), row.experiment_id);
    }).immediate();
  }

  search(query: ExperimentSearch): { experiments: Experiment[]; next_page_token?: string } {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.viewType === 'ACTIVE_ONLY') where.push("e.lifecycle_stage = 'active'");
    else if (query.viewType === 'DELETED_ONLY') where.push("e.lifecycle_stage = 'deleted'");
    let clauses;
    try {
      clauses = parseExperimentFilter(query.filter);
    } catch (error) {
      if (error instanceof SearchSyntaxError) throw invalidParameter(`Invalid value for parameter 'filter': ${error.message}`);
      throw error;
    }
    for (const clause of clauses) {
      let fragment: SqlFragment;
      if (clause.entity === 'tag') {
        if (clause.comparator === 'IS NULL' || clause.comparator === 'IS NOT NULL') {
          const exists = `EXISTS (SELECT 1 FROM experiment_tags t WHERE t.experiment_id = e.experiment_id AND t.key = ?)`;
          fragment = { sql: clause.comparator === 'IS NULL' ? `NOT ${exists}` : exists, params: [clause.key] };
        } else {
          const inner = stringComparison('t.value', clause.comparator, String(clause.value));
          fragment = {
            sql: `EXISTS (SELECT 1 FROM experiment_tags t WHERE t.experiment_id = e.experiment_id AND t.key = ? AND ${inner.sql})`,
            params: [clause.key, ...inner.params],
          };
        }
      } else if (clause.key === 'creation_time' || clause.key === 'last_update_time') {
        fragment = numericComparison(`e.${clause.key}`, clause.comparator, Number(clause.value));
      } else if (clause.key === 'experiment_id') {
        fragment = Array.isArray(clause.value)
          ? listComparison('CAST(e.experiment_id AS TEXT)', clause.comparator, clause.value)
          : stringComparison('CAST(e.experiment_id AS TEXT)', clause.comparator, String(clause.value));
      } else {
        fragment = stringComparison('e.name', clause.comparator, String(clause.value));
      }
      where.push(fragment.sql);
      params.push(...fragment.params);
    }
    const order: string[] = [];
    // MLflow's default order: newest experiments first.
    for (const text of query.orderBy.length > 0 ? query.orderBy : ['creation_time DESC']) {
      let clause;
      try {
        clause = parseExperimentOrderBy(text);
      } catch (error) {
        if (error instanceof SearchSyntaxError) throw invalidParameter(`Invalid value '${text}' for parameter 'order_by': ${error.message}`);
        throw error;
      }
      order.push(`e.${clause.key} ${clause.ascending ? 'ASC' : 'DESC'}`);
    }
    order.push('e.experiment_id ASC');
    const offset = decodePageToken(query.pageToken);
    const sql = `SELECT e.* FROM experiments e ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY ${order.join(', ')} LIMIT ? OFFSET ?`;
    const rows = this.db.prepare(sql).all(...params, query.maxResults + 1, offset) as ExperimentRow[];
    const more = rows.length > query.maxResults;
    const page = rows.slice(0, query.maxResults).map((row) => this.toWire(row));
    return more ? { experiments: page, next_page_token: encodePageToken(offset + query.maxResults) } : { experiments: page };
  }

  private toWire(row: ExperimentRow): Experiment {
    return {
      experiment_id: String(row.experiment_id),
      name: row.name,
      artifact_location: row.artifact_location,
      lifecycle_stage: row.lifecycle_stage,
      last_update_time: row.last_update_time,
      creation_time: row.creation_time,
      tags: this.tagsOf.all(row.experiment_id),
    };
  }
}
