import { MAX_FILTER_LIST_VALUES } from '../../../shared/search-filter.js';
import { invalidParameter } from '../errors.js';
import { stringComparison, listComparison, type SqlFragment } from '../store/sql-like.js';

/**
 * The small filter language of registered-models/search and model-versions/search:
 * `name = 'x'`, `name LIKE 'x%'`, `run_id IN ('a', 'b')`, `tags.key = 'v'`, joined by AND.
 */
export interface RegistryClause {
  key: string;
  comparator: '=' | '!=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';
  value: string | string[];
}

const QUOTED = String.raw`'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"`;
const CLAUSE = new RegExp(
  String.raw`^\s*((?:tags\.)?(?:\`[^\`]+\`|[A-Za-z_][\w.]*))\s*(=|!=|NOT\s+IN|IN|I?LIKE)\s*(${QUOTED}|\((?:\s*(?:${QUOTED})\s*,?)*\))\s*(?:AND\s+|$)`,
  'i',
);

function unquote(text: string): string {
  return text.slice(1, -1).replace(/\\(.)/g, '$1');
}

export function parseRegistryFilter(filter: string | undefined, allowedKeys: readonly string[]): RegistryClause[] {
  const clauses: RegistryClause[] = [];
  let listValues = 0;
  let rest = (filter ?? '').trim();
  while (rest !== '') {
    const match = CLAUSE.exec(rest);
    if (!match) throw invalidParameter(`Invalid value for parameter 'filter': cannot parse '${rest}'.`);
    const key = match[1]!.replace(/`/g, '');
    if (!key.startsWith('tags.') && !allowedKeys.includes(key)) {
      throw invalidParameter(`Invalid value for parameter 'filter': unknown key '${key}' (expected one of ${allowedKeys.join(', ')}, tags.<key>).`);
    }
    const comparator = match[2]!.toUpperCase().replace(/\s+/, ' ') as RegistryClause['comparator'];
    const raw = match[3]!;
    const isList = raw.startsWith('(');
    if (isList !== (comparator === 'IN' || comparator === 'NOT IN')) {
      throw invalidParameter(`Invalid value for parameter 'filter': ${comparator} needs ${isList ? 'a single quoted value' : 'a list'} in '${match[0].trim()}'.`);
    }
    const value = isList ? [...raw.matchAll(new RegExp(QUOTED, 'g'))].map((m) => unquote(m[0])) : unquote(raw);
    if (Array.isArray(value) && (listValues += value.length) > MAX_FILTER_LIST_VALUES) {
      throw invalidParameter(`Invalid value for parameter 'filter': IN lists may hold at most ${MAX_FILTER_LIST_VALUES} values in one filter.`);
    }
    clauses.push({ key, comparator, value });
    rest = rest.slice(match[0].length).trim();
  }
  return clauses;
}

/** SQL for one clause over `column`. */
export function clauseSql(column: string, clause: RegistryClause): SqlFragment {
  if (Array.isArray(clause.value)) return listComparison(column, clause.comparator, clause.value);
  return stringComparison(column, clause.comparator, clause.value);
}
