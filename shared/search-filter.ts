/**
 * Parser for MLflow's search grammar (REST API 2.0 `runs/search` and `experiments/search`):
 * `filter` strings become a list of AND-ed clauses and `order_by` entries become sort keys.
 * SQL compilation is done elsewhere from the AST; this module only validates and normalises.
 *
 * Positions in error messages are 0-based UTF-16 offsets into the input string, i.e. the same
 * indices JavaScript string methods use.
 */

export type FilterEntity = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';
export type Comparator =
  | '='
  | '!='
  | '>'
  | '>='
  | '<'
  | '<='
  | 'LIKE'
  | 'ILIKE'
  | 'IN'
  | 'NOT IN'
  | 'IS NULL'
  | 'IS NOT NULL';

export interface FilterClause {
  entity: FilterEntity;
  /** metric/param/tag key (may contain dots, spaces when quoted), or canonical attribute name */
  key: string;
  comparator: Comparator;
  /** number for numeric comparisons, string[] for IN/NOT IN, null for IS [NOT] NULL */
  value: string | number | string[] | null;
}

export interface OrderByClause {
  entity: FilterEntity;
  key: string;
  ascending: boolean;
}

/**
 * Values all IN / NOT IN lists of one filter may hold together: each is a bound SQL value, and
 * SQLite takes at most 32,766 per statement.
 */
export const MAX_FILTER_LIST_VALUES = 10_000;

export class SearchSyntaxError extends Error {
  constructor(
    message: string,
    readonly position?: number,
  ) {
    super(message);
    this.name = 'SearchSyntaxError';
  }
}

// ---------------------------------------------------------------------------------------------
// Key rules
// ---------------------------------------------------------------------------------------------

interface KeyRule {
  valueKind: 'number' | 'string';
  comparators: readonly Comparator[];
}

const NUMERIC_COMPARATORS: readonly Comparator[] = ['=', '!=', '>', '>=', '<', '<='];
const STRING_COMPARATORS: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE'];
const LIST_COMPARATORS: readonly Comparator[] = ['IN', 'NOT IN'];
const NULL_COMPARATORS: readonly Comparator[] = ['IS NULL', 'IS NOT NULL'];

const NUMERIC_RULE: KeyRule = { valueKind: 'number', comparators: NUMERIC_COMPARATORS };
const STRING_RULE: KeyRule = { valueKind: 'string', comparators: STRING_COMPARATORS };
const NULLABLE_STRING_RULE: KeyRule = {
  valueKind: 'string',
  comparators: [...STRING_COMPARATORS, ...NULL_COMPARATORS],
};
const STRING_OR_LIST_RULE: KeyRule = {
  valueKind: 'string',
  comparators: [...STRING_COMPARATORS, ...LIST_COMPARATORS],
};
const ID_RULE: KeyRule = { valueKind: 'string', comparators: ['=', '!=', ...LIST_COMPARATORS] };

const RUN_ATTRIBUTE_RULES: ReadonlyMap<string, KeyRule> = new Map([
  ['run_id', STRING_OR_LIST_RULE],
  ['run_name', STRING_RULE],
  ['status', STRING_RULE],
  ['user_id', STRING_RULE],
  ['artifact_uri', STRING_RULE],
  ['lifecycle_stage', STRING_RULE],
  ['start_time', NUMERIC_RULE],
  ['end_time', NUMERIC_RULE],
]);

/** Canonical run attribute names accepted in filters. */
export const RUN_ATTRIBUTES: readonly string[] = Object.freeze([...RUN_ATTRIBUTE_RULES.keys()]);

// Attribute names are case-sensitive as in MLflow, which knows exactly these spellings besides the
// canonical ones (the `Run name` forms are what its UI's column headers say; they need backticks).
const RUN_ATTRIBUTE_ALIASES: ReadonlyMap<string, string> = new Map([
  ['run_uuid', 'run_id'],
  ['id', 'run_id'],
  ['created', 'start_time'],
  ['Created', 'start_time'],
  ['run name', 'run_name'],
  ['Run name', 'run_name'],
  ['Run Name', 'run_name'],
]);

const RUN_ORDER_BY_ATTRIBUTES: readonly string[] = [
  'run_name',
  'status',
  'start_time',
  'end_time',
  'run_id',
  'user_id',
  'artifact_uri',
];

const DATASET_FIELDS: readonly string[] = ['name', 'digest', 'context'];

const EXPERIMENT_ATTRIBUTE_RULES: ReadonlyMap<string, KeyRule> = new Map([
  ['name', STRING_RULE],
  ['experiment_id', ID_RULE],
  ['creation_time', NUMERIC_RULE],
  ['last_update_time', NUMERIC_RULE],
]);
const EXPERIMENT_ATTRIBUTES: readonly string[] = [...EXPERIMENT_ATTRIBUTE_RULES.keys()];

const ATTRIBUTE_PREFIXES = ['attribute', 'attributes', 'attr'] as const;
const TAG_PREFIXES = ['tag', 'tags'] as const;

const RUN_PREFIXES: ReadonlyMap<string, FilterEntity> = new Map<string, FilterEntity>([
  ['metric', 'metric'],
  ['metrics', 'metric'],
  ['param', 'param'],
  ['params', 'param'],
  ['parameter', 'param'],
  ['parameters', 'param'],
  ...TAG_PREFIXES.map((p): [string, FilterEntity] => [p, 'tag']),
  ...ATTRIBUTE_PREFIXES.map((p): [string, FilterEntity] => [p, 'attribute']),
  ['run', 'attribute'],
  ['dataset', 'dataset'],
  ['datasets', 'dataset'],
]);

const EXPERIMENT_PREFIXES: ReadonlyMap<string, FilterEntity> = new Map<string, FilterEntity>([
  ...TAG_PREFIXES.map((p): [string, FilterEntity] => [p, 'tag']),
  ...ATTRIBUTE_PREFIXES.map((p): [string, FilterEntity] => [p, 'attribute']),
]);

type Resolved<T> = T | { error: string };

interface Dialect {
  prefixes: ReadonlyMap<string, FilterEntity>;
  prefixHint: string;
  resolveFilterKey(entity: FilterEntity, key: string): Resolved<{ key: string; rule: KeyRule }>;
  resolveOrderByKey(entity: FilterEntity, key: string): Resolved<{ key: string }>;
}

const RUN_DIALECT: Dialect = {
  prefixes: RUN_PREFIXES,
  prefixHint: 'expected one of metrics, params, tags, attributes, datasets',
  resolveFilterKey(entity, key) {
    switch (entity) {
      case 'metric':
        return { key, rule: NUMERIC_RULE };
      case 'param':
      case 'tag':
        return { key, rule: NULLABLE_STRING_RULE };
      case 'dataset':
        return DATASET_FIELDS.includes(key)
          ? { key, rule: STRING_OR_LIST_RULE }
          : { error: `unknown dataset field '${key}'; valid fields: ${DATASET_FIELDS.join(', ')}` };
      case 'attribute': {
        const canonical = RUN_ATTRIBUTE_ALIASES.get(key) ?? key;
        const rule = RUN_ATTRIBUTE_RULES.get(canonical);
        return rule
          ? { key: canonical, rule }
          : { error: `unknown run attribute '${key}'; valid attributes: ${RUN_ATTRIBUTES.join(', ')}` };
      }
    }
  },
  resolveOrderByKey(entity, key) {
    switch (entity) {
      case 'metric':
      case 'param':
      case 'tag':
        return { key };
      case 'dataset':
        return { error: `runs cannot be ordered by dataset field '${key}'` };
      case 'attribute': {
        const canonical = RUN_ATTRIBUTE_ALIASES.get(key) ?? key;
        return RUN_ORDER_BY_ATTRIBUTES.includes(canonical)
          ? { key: canonical }
          : {
              error: `cannot order runs by attribute '${key}'; valid attributes: ${RUN_ORDER_BY_ATTRIBUTES.join(', ')}`,
            };
      }
    }
  },
};

const EXPERIMENT_DIALECT: Dialect = {
  prefixes: EXPERIMENT_PREFIXES,
  prefixHint: 'experiments support only attributes.<name> and tags.<key>',
  resolveFilterKey(entity, key) {
    if (entity === 'tag') return { key, rule: STRING_RULE };
    const rule = EXPERIMENT_ATTRIBUTE_RULES.get(key);
    return rule
      ? { key, rule }
      : {
          error: `unknown experiment attribute '${key}'; valid attributes: ${EXPERIMENT_ATTRIBUTES.join(', ')}`,
        };
  },
  resolveOrderByKey(entity, key) {
    if (entity === 'attribute' && EXPERIMENT_ATTRIBUTE_RULES.has(key)) return { key };
    const what = entity === 'attribute' ? `attribute '${key}'` : `${entity} '${key}'`;
    return {
      error: `cannot order experiments by ${what}; valid attributes: ${EXPERIMENT_ATTRIBUTES.join(', ')}`,
    };
  },
};

/**
 * The model registry's searches (`registered-models/search`, `model-versions/search`): attribute
 * keys and `tags.<key>`, every one a string compared with =, !=, LIKE, ILIKE or matched IN a list.
 */
function registryDialect(attributes: readonly string[], target: string): Dialect {
  return {
    prefixes: new Map<string, FilterEntity>(TAG_PREFIXES.map((p): [string, FilterEntity] => [p, 'tag'])),
    prefixHint: `${target} support only ${attributes.join(', ')} and tags.<key>`,
    resolveFilterKey(entity, key) {
      if (entity === 'tag' || attributes.includes(key)) return { key, rule: STRING_OR_LIST_RULE };
      return { error: `unknown key '${key}'; valid keys: ${attributes.join(', ')}, tags.<key>` };
    },
    resolveOrderByKey(_entity, key) {
      return { error: `${target} are ordered by order_by, not by '${key}' in a filter` };
    },
  };
}

const REGISTERED_MODEL_DIALECT = registryDialect(['name'], 'registered models');
const MODEL_VERSION_DIALECT = registryDialect(['name', 'run_id', 'source_path', 'version'], 'model versions');

// ---------------------------------------------------------------------------------------------
// Tokenizer
// ---------------------------------------------------------------------------------------------

type TokenKind = 'ident' | 'number' | 'string' | 'op' | 'lparen' | 'rparen' | 'comma' | 'invalid' | 'eof';

interface Token {
  kind: TokenKind;
  /** Exact source text, including quotes for strings. */
  text: string;
  /** Decoded contents for strings; equal to `text` for everything else. */
  value: string;
  quote?: '"' | "'" | '`';
  start: number;
  end: number;
}

// Unquoted keys may contain the characters MLflow allows in metric/param names (/, -, :, .),
// so `metrics.train/loss` and `params.lr-decay` need no quoting.
const IDENT_RE = /[\p{L}_][\p{L}\p{M}\p{N}_.\-/:]*/uy;
const NUMBER_RE = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const WORD_CHAR_RE = /[\p{L}\p{M}\p{N}_.]/uy;
const WORD_TAIL_RE = /[\p{L}\p{M}\p{N}_.\-+/:]*/uy;
const OPERATORS = ['!=', '<>', '<=', '>=', '=', '<', '>'] as const;

function matchAt(re: RegExp, src: string, at: number): string | undefined {
  re.lastIndex = at;
  return re.exec(src)?.[0];
}

function tokenize(src: string, label: string): Token[] {
  const tokens: Token[] = [];
  const push = (kind: TokenKind, start: number, end: number, value?: string, quote?: Token['quote']): void => {
    const text = src.slice(start, end);
    tokens.push({ kind, text, value: value ?? text, start, end, ...(quote ? { quote } : {}) });
  };

  let i = 0;
  while (i < src.length) {
    const ch = src.charAt(i);
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') {
      const { value, end } = readQuoted(src, i, label);
      push('string', i, end, value, ch);
      i = end;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ',') {
      push(ch === '(' ? 'lparen' : ch === ')' ? 'rparen' : 'comma', i, i + 1);
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op) {
      push('op', i, i + op.length);
      i += op.length;
      continue;
    }
    const number = matchAt(NUMBER_RE, src, i);
    if (number) {
      let end = i + number.length;
      // `1.5abc` or `1.2.3` is one malformed word, not a number followed by an identifier.
      if (matchAt(WORD_CHAR_RE, src, end)) {
        end += matchAt(WORD_TAIL_RE, src, end)?.length ?? 0;
        push('invalid', i, end);
      } else {
        push('number', i, end);
      }
      i = end;
      continue;
    }
    const ident = matchAt(IDENT_RE, src, i);
    if (ident) {
      push('ident', i, i + ident.length);
      i += ident.length;
      continue;
    }
    const codePoint = src.codePointAt(i) ?? 0;
    const width = codePoint > 0xffff ? 2 : 1;
    push('invalid', i, i + width);
    i += width;
  }
  push('eof', src.length, src.length);
  return tokens;
}

/**
 * Reads a quoted string starting at `start`. The quote character is escaped either by doubling it
 * (SQL style) or with a backslash; `\\` is a literal backslash. Any other backslash sequence is
 * kept verbatim so LIKE escapes such as `\%` and `\_` reach the SQL layer untouched.
 */
function readQuoted(src: string, start: number, label: string): { value: string; end: number } {
  const quote = src.charAt(start);
  let value = '';
  let i = start + 1;
  while (i < src.length) {
    const ch = src.charAt(i);
    const next = src.charAt(i + 1);
    if (ch === '\\' && (next === quote || next === '\\')) {
      value += next;
      i += 2;
    } else if (ch === quote && next === quote) {
      value += quote;
      i += 2;
    } else if (ch === quote) {
      return { value, end: i + 1 };
    } else {
      value += ch;
      i++;
    }
  }
  throw new SearchSyntaxError(
    `Invalid ${label} at position ${start}: unterminated string ${truncate(src.slice(start))}; missing closing ${quote}`,
    start,
  );
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function describe(token: Token): string {
  if (token.kind === 'eof') return 'end of input';
  if (token.kind === 'string') return `string ${truncate(token.text)}`;
  return `'${truncate(token.text)}'`;
}

// ---------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------

interface Identifier {
  entity: FilterEntity;
  key: string;
  /** Source text of the identifier, for messages. */
  text: string;
  start: number;
}

const ENTITY_NOUN: Record<FilterEntity, string> = {
  metric: 'metric',
  param: 'param',
  tag: 'tag',
  attribute: 'attribute',
  dataset: 'dataset field',
};

class Parser {
  private index = 0;
  private listValues = 0;

  constructor(
    private readonly src: string,
    private readonly tokens: readonly Token[],
    private readonly label: string,
    private readonly dialect: Dialect,
  ) {}

  parseFilter(): FilterClause[] {
    const clauses: FilterClause[] = [];
    if (this.peek().kind === 'eof') return clauses;
    let after: string | undefined;
    for (;;) {
      const start = this.peek().start;
      clauses.push(this.parseClause(after));
      const clauseText = this.src.slice(start, this.previousEnd());
      const token = this.peek();
      if (token.kind === 'eof') return clauses;
      if (isKeyword(token, 'OR')) {
        this.fail(token, `'${token.text}' is not supported; only AND is supported for combining clauses`);
      }
      if (!isKeyword(token, 'AND')) {
        this.fail(token, `expected AND or end of input after '${truncate(clauseText)}' but found ${describe(token)}`);
      }
      after = this.advance().text;
    }
  }

  parseOrderBy(): OrderByClause {
    if (this.peek().kind === 'eof') this.fail(this.peek(), 'order_by clause is empty; expected an identifier');
    const id = this.parseIdentifier();
    const resolved = this.dialect.resolveOrderByKey(id.entity, id.key);
    if ('error' in resolved) this.fail(id.start, resolved.error);

    let ascending = true;
    let last = id.text;
    const direction = this.peek();
    if (isKeyword(direction, 'ASC') || isKeyword(direction, 'DESC')) {
      ascending = isKeyword(direction, 'ASC');
      last = this.advance().text;
    } else if (direction.kind !== 'eof') {
      this.fail(direction, `expected ASC, DESC or end of input after '${id.text}' but found ${describe(direction)}`);
    }
    const extra = this.peek();
    if (extra.kind !== 'eof') {
      this.fail(extra, `expected end of input after '${last}' but found ${describe(extra)}`);
    }
    return { entity: id.entity, key: resolved.key, ascending };
  }

  private parseClause(after: string | undefined): FilterClause {
    const id = this.parseIdentifier(after);
    const resolved = this.dialect.resolveFilterKey(id.entity, id.key);
    if ('error' in resolved) this.fail(id.start, resolved.error);
    const { rule } = resolved;
    const subject = `${ENTITY_NOUN[id.entity]} '${id.key}'`;

    const comparatorToken = this.peek();
    const comparator = this.parseComparator(id);
    if (!rule.comparators.includes(comparator)) {
      this.fail(
        comparatorToken,
        `comparator '${comparator}' is not supported for ${subject}; supported comparators: ${rule.comparators.join(', ')}`,
      );
    }

    let value: FilterClause['value'];
    if (comparator === 'IS NULL' || comparator === 'IS NOT NULL') {
      value = null;
    } else if (comparator === 'IN' || comparator === 'NOT IN') {
      value = this.parseStringList(subject, comparator);
    } else if (rule.valueKind === 'number') {
      value = this.parseNumber(id, subject, comparator);
    } else {
      value = this.parseString(id, subject, comparator);
    }
    return { entity: id.entity, key: resolved.key, comparator, value };
  }

  private parseIdentifier(after?: string): Identifier {
    const token = this.advance();
    if (token.kind !== 'ident') {
      const context = after === undefined ? '' : ` after '${after}'`;
      this.fail(token, `expected an identifier${context} but found ${describe(token)}`);
    }

    let prefix: string | undefined;
    let key: string;
    let end = token.end;
    const quotedKey = this.peek();
    if (token.text.endsWith('.') && quotedKey.kind === 'string' && quotedKey.start === token.end) {
      if (quotedKey.quote === "'") {
        this.fail(quotedKey, `keys must be quoted with backticks or double quotes, but found ${describe(quotedKey)}`);
      }
      // `metrics."my key"` / metrics.`my key`: the quoted part is the whole key.
      prefix = token.text.slice(0, -1);
      if (prefix.includes('.')) {
        this.fail(quotedKey, `a quoted key must directly follow the entity prefix, as in metrics.\`my key\`, but found '${token.text}'`);
      }
      key = this.advance().value;
      end = quotedKey.end;
      if (key === '') this.fail(quotedKey, `empty key after '${token.text}'`);
    } else {
      const dot = token.text.indexOf('.');
      if (dot === -1) {
        key = token.text;
        if (this.dialect.prefixes.has(key.toLowerCase())) {
          this.fail(token, `missing key after '${key}'; expected ${key}.<key>`);
        }
      } else {
        prefix = token.text.slice(0, dot);
        key = token.text.slice(dot + 1);
        if (key === '') this.fail(token.end, `missing key after '${token.text}'`);
      }
    }

    let entity: FilterEntity = 'attribute';
    if (prefix !== undefined) {
      const mapped = this.dialect.prefixes.get(prefix.toLowerCase());
      if (!mapped) {
        this.fail(token, `unknown entity type '${prefix}' in '${truncate(token.text)}'; ${this.dialect.prefixHint}`);
      }
      entity = mapped;
    }
    return { entity, key, text: this.src.slice(token.start, end), start: token.start };
  }

  private parseComparator(id: Identifier): Comparator {
    const token = this.advance();
    if (token.kind === 'op') return token.text === '<>' ? '!=' : (token.text as Comparator);
    if (isKeyword(token, 'LIKE')) return 'LIKE';
    if (isKeyword(token, 'ILIKE')) return 'ILIKE';
    if (isKeyword(token, 'IN')) return 'IN';
    if (isKeyword(token, 'NOT')) {
      const next = this.advance();
      if (!isKeyword(next, 'IN')) this.fail(next, `expected IN after '${token.text}' but found ${describe(next)}`);
      return 'NOT IN';
    }
    if (isKeyword(token, 'IS')) {
      const next = this.advance();
      if (isKeyword(next, 'NULL')) return 'IS NULL';
      if (isKeyword(next, 'NOT')) {
        const last = this.advance();
        if (isKeyword(last, 'NULL')) return 'IS NOT NULL';
        this.fail(last, `expected NULL after '${token.text} ${next.text}' but found ${describe(last)}`);
      }
      this.fail(next, `expected NULL or NOT NULL after '${token.text}' but found ${describe(next)}`);
    }
    this.fail(token, `expected a comparison operator after '${id.text}' but found ${describe(token)}`);
  }

  private parseNumber(id: Identifier, subject: string, comparator: Comparator): number {
    const token = this.advance();
    if (token.kind === 'number') {
      const value = Number(token.text);
      if (!Number.isFinite(value)) this.fail(token, `numeric value ${token.text} for ${subject} is out of range`);
      return value;
    }
    if (token.kind === 'string') {
      this.fail(token, `${subject} must be compared to a number, but found ${describe(token)}`);
    }
    const missing = token.kind === 'eof' ? 'missing value: ' : '';
    this.fail(token, `${missing}expected a number after '${id.text} ${comparator}' but found ${describe(token)}`);
  }

  private parseString(id: Identifier, subject: string, comparator: Comparator): string {
    const token = this.advance();
    if (token.kind === 'string' && token.quote !== '`') return token.value;
    if (token.kind === 'eof') {
      this.fail(token, `missing value: expected a quoted string after '${id.text} ${comparator}' but found end of input`);
    }
    const hint = token.kind === 'string' ? ` (backticks quote keys, not values)` : '';
    this.fail(token, `value for ${subject} must be a quoted string, but found ${describe(token)}${hint}`);
  }

  private parseStringList(subject: string, comparator: Comparator): string[] {
    const open = this.advance();
    if (open.kind !== 'lparen') {
      this.fail(open, `expected '(' to start the value list after '${comparator}' but found ${describe(open)}`);
    }
    const values: string[] = [];
    for (;;) {
      const item = this.advance();
      if (item.kind === 'rparen' && values.length === 0) {
        this.fail(item, `the value list after '${comparator}' must not be empty`);
      }
      if (item.kind !== 'string' || item.quote === '`') {
        this.fail(item, `expected a quoted string in the value list for ${subject} but found ${describe(item)}`);
      }
      values.push(item.value);
      if (++this.listValues > MAX_FILTER_LIST_VALUES) {
        this.fail(item, `IN lists may hold at most ${MAX_FILTER_LIST_VALUES} values in one filter`);
      }
      const separator = this.advance();
      if (separator.kind === 'rparen') return values;
      if (separator.kind !== 'comma') {
        this.fail(separator, `expected ',' or ')' in the value list but found ${describe(separator)}`);
      }
    }
  }

  private peek(): Token {
    return this.tokenAt(this.index);
  }

  private advance(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.index++;
    return token;
  }

  private previousEnd(): number {
    return this.index === 0 ? 0 : this.tokenAt(this.index - 1).end;
  }

  private tokenAt(index: number): Token {
    const token = this.tokens[Math.min(index, this.tokens.length - 1)];
    if (!token) throw new Error('tokenizer produced no tokens');
    return token;
  }

  private fail(at: Token | number, detail: string): never {
    const position = typeof at === 'number' ? at : at.start;
    throw new SearchSyntaxError(`Invalid ${this.label} at position ${position}: ${detail}`, position);
  }
}

function isKeyword(token: Token, word: string): boolean {
  return token.kind === 'ident' && token.text.toUpperCase() === word;
}

function parseFilter(filter: string | undefined | null, dialect: Dialect): FilterClause[] {
  if (filter === undefined || filter === null) return [];
  return new Parser(filter, tokenize(filter, 'filter'), 'filter', dialect).parseFilter();
}

function parseOrderBy(orderBy: string, dialect: Dialect): OrderByClause {
  const label = 'order_by clause';
  return new Parser(orderBy, tokenize(orderBy, label), label, dialect).parseOrderBy();
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/** Parses a `runs/search` filter; an empty or missing filter yields no clauses. */
export function parseRunFilter(filter: string | undefined | null): FilterClause[] {
  return parseFilter(filter, RUN_DIALECT);
}

/** Parses one `runs/search` order_by entry, e.g. `metrics.acc DESC`. */
export function parseRunOrderBy(orderBy: string): OrderByClause {
  return parseOrderBy(orderBy, RUN_DIALECT);
}

/** Parses an `experiments/search` filter; an empty or missing filter yields no clauses. */
export function parseExperimentFilter(filter: string | undefined | null): FilterClause[] {
  return parseFilter(filter, EXPERIMENT_DIALECT);
}

/** Parses one `experiments/search` order_by entry, e.g. `last_update_time DESC`. */
export function parseExperimentOrderBy(orderBy: string): OrderByClause {
  return parseOrderBy(orderBy, EXPERIMENT_DIALECT);
}

/** Parses a `registered-models/search` filter (name, tags.<key>); empty or missing yields no clauses. */
export function parseRegisteredModelFilter(filter: string | undefined | null): FilterClause[] {
  return parseFilter(filter, REGISTERED_MODEL_DIALECT);
}

/** Parses a `model-versions/search` filter (name, run_id, source_path, version, tags.<key>). */
export function parseModelVersionFilter(filter: string | undefined | null): FilterClause[] {
  return parseFilter(filter, MODEL_VERSION_DIALECT);
}
