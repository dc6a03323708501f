import type { Statement } from 'better-sqlite3';
import { parseRunFilter, parseRunOrderBy, SearchSyntaxError, type FilterClause, type OrderByClause } from '../../../shared/search-filter.js';
import type { Run, ViewType } from '../../../shared/tracking-types.js';
import { invalidParameter } from '../errors.js';
import type { SqliteDatabase } from './database.js';
import { experimentPk } from './experiments.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { joinDocuments, PAGE_RUN_COLUMNS, type PageRun, type RunJsonWriter } from './run-json.js';
import type { RunRow, RunStore } from './runs.js';
import { listComparison, numericComparison, stringComparison, type SqlFragment } from './sql-like.js';

export interface RunSearch {
  experimentIds: string[];
  filter?: string;
  viewType: ViewType;
  maxResults: number;
  orderBy: string[];
  pageToken?: string;
}

const ATTRIBUTE_COLUMNS: Record<string, string> = {
  run_id: 'r.run_uuid',
  run_name: 'r.name',
  status: 'r.status',
  user_id: 'r.user_id',
  artifact_uri: 'r.artifact_uri',
  lifecycle_stage: 'r.lifecycle_stage',
  start_time: 'r.start_time',
  end_time: 'r.end_time',
};

const NUMERIC_ATTRIBUTES = new Set(['start_time', 'end_time']);

function withSyntaxErrors<T>(parameter: string, text: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof SearchSyntaxError) {
      throw invalidParameter(`Invalid value ${JSON.stringify(text)} for parameter '${parameter}': ${error.message}`);
    }
    throw error;
  }
}

function existsIn(table: 'params' | 'tags', clause: FilterClause): SqlFragment {
  const alias = table === 'params' ? 'p' : 't';
  const exists = `EXISTS (SELECT 1 FROM ${table} ${alias} WHERE ${alias}.run_pk = r.run_pk AND ${alias}.key = ?`;
  if (clause.comparator === 'IS NULL') return { sql: `NOT ${exists})`, params: [clause.key] };
  if (clause.comparator === 'IS NOT NULL') return { sql: `${exists})`, params: [clause.key] };
  const inner = stringComparison(`${alias}.value`, clause.comparator, String(clause.value));
  return { sql: `${exists} AND ${inner.sql})`, params: [clause.key, ...inner.params] };
}

function datasetCondition(clause: FilterClause): SqlFragment {
  const column = clause.key === 'context' ? 'it.value' : clause.key === 'digest' ? 'd.digest' : 'd.name';
  const join =
    clause.key === 'context'
      ? `JOIN run_input_tags it ON it.run_pk = ri.run_pk AND it.dataset_pk = ri.dataset_pk AND it.key = 'mlflow.data.context'`
      : '';
  const inner = Array.isArray(clause.value)
    ? listComparison(column, clause.comparator, clause.value)
    : stringComparison(column, clause.comparator, String(clause.value));
  return {
    sql: `EXISTS (SELECT 1 FROM run_inputs ri JOIN datasets d ON d.dataset_pk = ri.dataset_pk ${join} WHERE ri.run_pk = r.run_pk AND ${inner.sql})`,
    params: inner.params,
  };
}

function condition(clause: FilterClause): SqlFragment {
  switch (clause.entity) {
    case 'metric': {
      const inner = numericComparison('m.value', clause.comparator, Number(clause.value));
      // NaN is unequal to every number and neither less nor greater, as in Python and MLflow's stores.
      const nan = clause.comparator === '!=' ? 'm.is_nan = 1 OR' : 'm.is_nan = 0 AND';
      return {
        sql: `EXISTS (SELECT 1 FROM latest_metrics m WHERE m.run_pk = r.run_pk AND m.key = ? AND (${nan} ${inner.sql}))`,
        params: [clause.key, ...inner.params],
      };
    }
    case 'param':
      return existsIn('params', clause);
    case 'tag':
      return existsIn('tags', clause);
    case 'dataset':
      return datasetCondition(clause);
    case 'attribute': {
      const column = ATTRIBUTE_COLUMNS[clause.key];
      if (!column) throw invalidParameter(`Invalid attribute key '${clause.key}' in parameter 'filter'.`);
      if (Array.isArray(clause.value)) return listComparison(column, clause.comparator, clause.value);
      if (clause.comparator === 'IS NULL' || clause.comparator === 'IS NOT NULL') {
        return { sql: `${column} ${clause.comparator}`, params: [] };
      }
      if (NUMERIC_ATTRIBUTES.has(clause.key)) return numericComparison(column, clause.comparator, Number(clause.value));
      return stringComparison(column, clause.comparator, String(clause.value));
    }
  }
}

interface OrderPlan {
  joins: string[];
  joinParams: unknown[];
  order: string[];
}

function orderPlan(clauses: OrderByClause[]): OrderPlan {
  const plan: OrderPlan = { joins: [], joinParams: [], order: [] };
  clauses.forEach((clause, index) => {
    const direction = clause.ascending ? 'ASC' : 'DESC';
    const alias = `o${index}`;
    if (clause.entity === 'metric') {
      plan.joins.push(`LEFT JOIN latest_metrics ${alias} ON ${alias}.run_pk = r.run_pk AND ${alias}.key = ?`);
      plan.joinParams.push(clause.key);
      // As MLflow: runs with a value first, then NaN, then runs without the metric, in both directions.
      plan.order.push(`CASE WHEN ${alias}.run_pk IS NULL THEN 2 WHEN ${alias}.is_nan = 1 THEN 1 ELSE 0 END`, `${alias}.value ${direction}`);
    } else if (clause.entity === 'param' || clause.entity === 'tag') {
      const table = clause.entity === 'param' ? 'params' : 'tags';
      plan.joins.push(`LEFT JOIN ${table} ${alias} ON ${alias}.run_pk = r.run_pk AND ${alias}.key = ?`);
      plan.joinParams.push(clause.key);
      plan.order.push(`${alias}.value IS NULL`, `${alias}.value ${direction}`);
    } else if (clause.entity === 'attribute') {
      const column = ATTRIBUTE_COLUMNS[clause.key];
      if (!column) throw invalidParameter(`Invalid order_by attribute '${clause.key}'.`);
      plan.order.push(`${column} IS NULL`, `${column} ${direction}`);
    } else {
      throw invalidParameter(`Invalid order_by clause: runs cannot be ordered by ${clause.entity} fields.`);
    }
  });
  plan.order.push('r.start_time DESC', 'r.run_uuid ASC');
  return plan;
}

export interface RunSelection {
  /** `FROM runs r <joins> WHERE ...` without ORDER BY / LIMIT. */
  from: string;
  orderBy: string;
  params: unknown[];
}

/** Compiles experiment ids, a filter and order_by clauses into SQL shared by search and the app's runs table. */
export function buildRunSelection(query: Omit<RunSearch, 'maxResults' | 'pageToken'>): RunSelection | null {
  const experimentPks = query.experimentIds.map((id, index) => experimentPk(id, `experiment_ids[${index}]`));
  if (experimentPks.length === 0) return null;
  const clauses = withSyntaxErrors('filter', query.filter ?? '', () => parseRunFilter(query.filter));
  const orderClauses = query.orderBy.map((text) => withSyntaxErrors('order_by', text, () => parseRunOrderBy(text)));
  const plan = orderPlan(orderClauses);
  const where: string[] = [`r.experiment_id IN (${experimentPks.map(() => '?').join(',')})`];
  const params: unknown[] = [...experimentPks];
  if (query.viewType === 'ACTIVE_ONLY') where.push("r.lifecycle_stage = 'active'");
  else if (query.viewType === 'DELETED_ONLY') where.push("r.lifecycle_stage = 'deleted'");
  for (const clause of clauses) {
    const fragment = condition(clause);
    where.push(fragment.sql);
    params.push(...fragment.params);
  }
  return {
    from: `FROM runs r ${plan.joins.join(' ')} WHERE ${where.join(' AND ')}`,
    orderBy: plan.order.join(', '),
    params: [...plan.joinParams, ...params],
  };
}

export const RUN_ROW_COLUMNS = `r.run_pk, r.run_uuid, r.experiment_id, r.name, r.user_id, r.status, r.start_time, r.end_time,
      r.lifecycle_stage, r.artifact_uri`;

/** The selected page: rows of `columns` in order, and the token of the next page if there is one. */
function searchPage<Row>(db: SqliteDatabase, query: RunSearch, columns: string, raw: boolean): { rows: Row[]; nextPageToken?: string } {
  const selection = buildRunSelection(query);
  if (selection === null) return { rows: [] };
  const offset = decodePageToken(query.pageToken);
  const sql = `SELECT ${columns} ${selection.from} ORDER BY ${selection.orderBy} LIMIT ? OFFSET ?`;
  const rows = cachedStatement(db, sql, raw).all(...selection.params, query.maxResults + 1, offset) as Row[];
  if (rows.length <= query.maxResults) return { rows };
  return { rows: rows.slice(0, query.maxResults), nextPageToken: encodePageToken(offset + query.maxResults) };
}

export function searchRuns(db: SqliteDatabase, runs: RunStore, query: RunSearch): { runs: Run[]; next_page_token?: string } {
  const { rows, nextPageToken } = searchPage<RunRow>(db, query, RUN_ROW_COLUMNS, false);
  const page = runs.load(rows);
  return nextPageToken === undefined ? { runs: page } : { runs: page, next_page_token: nextPageToken };
}

/**
 * The runs/search answer as UTF-8 JSON, ready to send: the same document as
 * JSON.stringify(searchRuns(...)), put together from the runs' cached documents (run-json.ts).
 * One read transaction, so the page and the documents come from one snapshot of the database.
 */
export function searchRunsJson(db: SqliteDatabase, writer: RunJsonWriter, query: RunSearch, allocate?: (size: number) => Buffer): Buffer {
  return db.transaction(() => {
    const { rows, nextPageToken } = searchPage<PageRun>(db, query, PAGE_RUN_COLUMNS, true);
    const tail = nextPageToken === undefined ? ']}' : `],"next_page_token":${JSON.stringify(nextPageToken)}}`;
    return joinDocuments('{"runs":[', writer.write(rows), tail, allocate);
  })();
}

const statementCaches = new WeakMap<SqliteDatabase, Map<string, Statement>>();

/**
 * Search SQL depends only on the shape of the filter and order_by, so a client paging through
 * results or polling the same query reuses its statement. Bounded: the oldest goes first.
 */
function cachedStatement(db: SqliteDatabase, sql: string, raw: boolean): Statement {
  let cache = statementCaches.get(db);
  if (!cache) {
    cache = new Map();
    statementCaches.set(db, cache);
  }
  const key = raw ? `raw:${sql}` : sql;
  let statement = cache.get(key);
  if (statement) return statement;
  statement = db.prepare(sql).raw(raw);
  if (cache.size >= 64) cache.delete(cache.keys().next().value!);
  cache.set(key, statement);
  return statement;
}
