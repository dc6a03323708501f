import { invalidParameter } from '../errors.js';
import type { SqliteDatabase } from '../store/database.js';
import { decodePageToken, encodePageToken } from '../store/page-token.js';
import { clauseSql, parseRegistryFilter } from './registry-filter.js';
import type { ModelStage, ModelVersion } from './registry-types.js';

/** Table rows of the registry (registered_models; model_versions joined with its model's name). */
export interface ModelRow {
  model_id: number;
  name: string;
  description: string;
  next_version: number;
  creation_timestamp: number;
  last_updated_timestamp: number;
}

export interface VersionRow {
  version_pk: number;
  model_id: number;
  name: string;
  version: number;
  source: string;
  run_id: string | null;
  run_link: string;
  description: string;
  status: ModelVersion['status'];
  current_stage: ModelStage;
  creation_timestamp: number;
  last_updated_timestamp: number;
}

export const VERSION_COLUMNS = `v.version_pk, v.model_id, m.name, v.version, v.source, v.run_id, v.run_link, v.description, v.status,
  v.current_stage, v.creation_timestamp, v.last_updated_timestamp`;

export interface Search {
  filter?: string;
  maxResults: number;
  orderBy: string[];
  pageToken?: string;
}

interface Page<Row> {
  rows: Row[];
  nextPageToken?: string;
}

function orderBy(orderBy: string[], columns: Record<string, string>, fallback: string[]): string {
  if (orderBy.length === 0) return fallback.join(', ');
  return orderBy
    .map((text) => {
      const match = /^\s*(\w+)(?:\s+(ASC|DESC))?\s*$/i.exec(text);
      const column = match ? columns[match[1]!] : undefined;
      if (!match || !column) {
        throw invalidParameter(`Invalid value '${text}' for parameter 'order_by': expected one of ${Object.keys(columns).join(', ')} with ASC or DESC.`);
      }
      return `${column} ${(match[2] ?? 'ASC').toUpperCase()}`;
    })
    .join(', ');
}

function page<Row>(db: SqliteDatabase, sql: string, params: unknown[], query: Search): Page<Row> {
  const offset = decodePageToken(query.pageToken);
  const rows = db.prepare(`${sql} LIMIT ? OFFSET ?`).all(...params, query.maxResults + 1, offset) as Row[];
  if (rows.length <= query.maxResults) return { rows };
  return { rows: rows.slice(0, query.maxResults), nextPageToken: encodePageToken(offset + query.maxResults) };
}

/** registered-models/search: filter on name (=, !=, LIKE, ILIKE) and tags.<key>. */
export function searchModelRows(db: SqliteDatabase, query: Search): Page<ModelRow> {
  const where: string[] = [];
  const params: unknown[] = [];
  for (const clause of parseRegistryFilter(query.filter, 'models')) {
    if (clause.entity !== 'tag') {
      const fragment = clauseSql('m.name', clause);
      where.push(fragment.sql);
      params.push(...fragment.params);
    } else {
      const fragment = clauseSql('t.value', clause);
      where.push(`EXISTS (SELECT 1 FROM registered_model_tags t WHERE t.model_id = m.model_id AND t.key = ? AND ${fragment.sql})`);
      params.push(clause.key, ...fragment.params);
    }
  }
  const order = orderBy(
    query.orderBy,
    { name: 'm.name', creation_timestamp: 'm.creation_timestamp', timestamp: 'm.creation_timestamp', last_updated_timestamp: 'm.last_updated_timestamp' },
    ['m.name ASC'],
  );
  return page(db, `SELECT m.* FROM registered_models m ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order}, m.model_id`, params, query);
}

/** model-versions/search: filter on name, run_id, source_path, version and tags.<key>. */
export function searchVersionRows(db: SqliteDatabase, query: Search): Page<VersionRow> {
  const where: string[] = [];
  const params: unknown[] = [];
  const columns: Record<string, string> = { name: 'm.name', run_id: 'v.run_id', source_path: 'v.source', version: 'CAST(v.version AS TEXT)' };
  for (const clause of parseRegistryFilter(query.filter, 'versions')) {
    if (clause.entity === 'tag') {
      const fragment = clauseSql('t.value', clause);
      where.push(`EXISTS (SELECT 1 FROM model_version_tags t WHERE t.version_pk = v.version_pk AND t.key = ? AND ${fragment.sql})`);
      params.push(clause.key, ...fragment.params);
    } else {
      const fragment = clauseSql(columns[clause.key]!, clause);
      where.push(fragment.sql);
      params.push(...fragment.params);
    }
  }
  const order = orderBy(
    query.orderBy,
    { name: 'm.name', version: 'v.version', version_number: 'v.version', creation_timestamp: 'v.creation_timestamp', last_updated_timestamp: 'v.last_updated_timestamp' },
    ['m.name ASC', 'v.version DESC'],
  );
  return page(
    db,
    `SELECT ${VERSION_COLUMNS} FROM model_versions v JOIN registered_models m ON m.model_id = v.model_id
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order}, v.version_pk`,
    params,
    query,
  );
}
