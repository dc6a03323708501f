import type { Comparator } from '../../../shared/search-filter.js';

/**
 * MLflow's LIKE is case-sensitive and SQLite's is not, so LIKE patterns become GLOB patterns
 * (native and case-sensitive); ILIKE compares lower-cased values with SQLite's LIKE.
 */
export function likeToGlob(pattern: string): string {
  let glob = '';
  for (const ch of pattern) {
    if (ch === '%') glob += '*';
    else if (ch === '_') glob += '?';
    else if (ch === '*' || ch === '?' || ch === '[') glob += `[${ch}]`;
    else glob += ch;
  }
  return glob;
}

export interface SqlFragment {
  sql: string;
  params: unknown[];
}

export function stringComparison(column: string, comparator: Comparator, value: string): SqlFragment {
  switch (comparator) {
    case '=':
      return { sql: `${column} = ?`, params: [value] };
    case '!=':
      return { sql: `${column} != ?`, params: [value] };
    case 'LIKE':
      return { sql: `${column} GLOB ?`, params: [likeToGlob(value)] };
    case 'ILIKE':
      return { sql: `lower(${column}) LIKE lower(?)`, params: [value] };
    default:
      throw new Error(`comparator ${comparator} is not a string comparison`);
  }
}

export function numericComparison(column: string, comparator: Comparator, value: number): SqlFragment {
  if (!['=', '!=', '>', '>=', '<', '<='].includes(comparator)) {
    throw new Error(`comparator ${comparator} is not a numeric comparison`);
  }
  return { sql: `${column} ${comparator} ?`, params: [value] };
}

export function listComparison(column: string, comparator: Comparator, values: string[]): SqlFragment {
  const placeholders = values.map(() => '?').join(', ');
  if (values.length === 0) return { sql: comparator === 'IN' ? '0' : '1', params: [] };
  return { sql: `${column} ${comparator === 'IN' ? 'IN' : 'NOT IN'} (${placeholders})`, params: values };
}
