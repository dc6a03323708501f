import { parseModelVersionFilter, parseRegisteredModelFilter, SearchSyntaxError, type FilterClause } from '../../../shared/search-filter.js';
import { invalidParameter } from '../errors.js';
import { stringComparison, listComparison, type SqlFragment } from '../store/sql-like.js';

/**
 * The filter of registered-models/search and model-versions/search, read by the same parser as
 * runs/search (shared/search-filter.ts): `name = 'x'`, `name LIKE 'x%'`, `run_id IN ('a', 'b')`,
 * `tags.key = 'v'`, joined by AND.
 */
export function parseRegistryFilter(filter: string | undefined, target: 'models' | 'versions'): FilterClause[] {
  try {
    return target === 'models' ? parseRegisteredModelFilter(filter) : parseModelVersionFilter(filter);
  } catch (error) {
    if (error instanceof SearchSyntaxError) throw invalidParameter(`Invalid value for parameter 'filter': ${error.message}`);
    throw error;
  }
}

/** SQL for one clause over `column`. */
export function clauseSql(column: string, clause: FilterClause): SqlFragment {
  if (Array.isArray(clause.value)) return listComparison(column, clause.comparator, clause.value);
  return stringComparison(column, clause.comparator, String(clause.value));
}
