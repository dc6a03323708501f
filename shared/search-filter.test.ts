import { describe, it, expect } from 'vitest';
import {
  RUN_ATTRIBUTES,
  SearchSyntaxError,
  parseExperimentFilter,
  parseExperimentOrderBy,
  parseRunFilter,
  parseRunOrderBy,
  type Comparator,
  type FilterClause,
} from './search-filter.js';

/** Runs `fn`, asserts it throws a SearchSyntaxError and returns it. */
function syntaxError(fn: () => unknown): SearchSyntaxError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SearchSyntaxError);
    return error as SearchSyntaxError;
  }
  throw new Error('expected a SearchSyntaxError');
}

function one(filter: string): FilterClause {
  const clauses = parseRunFilter(filter);
  expect(clauses).toHaveLength(1);
  return clauses[0] as FilterClause;
}

describe('parseRunFilter: empty input', () => {
  it.each([[''], ['   '], ['\n\t '], [undefined], [null]])('returns [] for %j', (input) => {
    expect(parseRunFilter(input)).toEqual([]);
  });
});

describe('parseRunFilter: metrics', () => {
  it.each<[string, Comparator]>([
    ['=', '='],
    ['!=', '!='],
    ['<>', '!='],
    ['>', '>'],
    ['>=', '>='],
    ['<', '<'],
    ['<=', '<='],
  ])('supports %s', (op, comparator) => {
    expect(one(`metrics.acc ${op} 0.5`)).toEqual({ entity: 'metric', key: 'acc', comparator, value: 0.5 });
  });

  it.each<[string, number]>([
    ['1', 1],
    ['0', 0],
    ['-2', -2],
    ['+3', 3],
    ['0.25', 0.25],
    ['.5', 0.5],
    ['5.', 5],
    ['-0.75', -0.75],
    ['1e-3', 0.001],
    ['2E5', 200000],
    ['-1.5e+2', -150],
    ['1700000000000', 1700000000000],
  ])('parses numeric literal %s', (literal, value) => {
    expect(one(`metrics.loss < ${literal}`).value).toBe(value);
  });

  it('needs no whitespace around operators, including negative values', () => {
    expect(one('metrics.loss<=-1')).toEqual({ entity: 'metric', key: 'loss', comparator: '<=', value: -1 });
    expect(one('metrics.loss>-1e-3').value).toBe(-0.001);
    expect(one('metrics.loss=0')).toMatchObject({ comparator: '=', value: 0 });
  });

  it.each(['metric', 'metrics', 'METRICS', 'Metric', 'mEtRiCs'])('accepts prefix %s', (prefix) => {
    expect(one(`${prefix}.acc > 1`)).toMatchObject({ entity: 'metric', key: 'acc' });
  });

  it('keeps key case and everything after the first dot', () => {
    expect(one('metrics.Val.Acc.top1 > 0.9').key).toBe('Val.Acc.top1');
  });

  it('accepts slashes, dashes, colons and unicode in unquoted keys', () => {
    expect(one('metrics.train/loss < 1').key).toBe('train/loss');
    expect(one('metrics.lr-decay < 1').key).toBe('lr-decay');
    expect(one('metrics.eval:f1 > 0').key).toBe('eval:f1');
    expect(one('metrics.精度 > 0.5').key).toBe('精度');
    expect(one('metrics.größe > 0.5').key).toBe('größe');
  });

  it('accepts backtick and double-quoted keys', () => {
    expect(one('metrics.`my key` > 1')).toMatchObject({ entity: 'metric', key: 'my key', value: 1 });
    expect(one('metrics."my-key" > 1')).toMatchObject({ entity: 'metric', key: 'my-key' });
    expect(one('metrics.`a.b c` >= 2').key).toBe('a.b c');
    expect(one('metrics.`🚀 speed` >= 2').key).toBe('🚀 speed');
    expect(one('metrics.`with``tick` = 1').key).toBe('with`tick');
  });

  it('rejects a quoted string value, naming the metric', () => {
    const error = syntaxError(() => parseRunFilter("metrics.acc > '0.5'"));
    expect(error.message).toContain("metric 'acc' must be compared to a number");
    expect(error.message).toContain("'0.5'");
    expect(error.position).toBe(14);
  });

  it.each(['NaN', 'Infinity', 'abc'])('rejects the non-literal %s', (word) => {
    const error = syntaxError(() => parseRunFilter(`metrics.acc > ${word}`));
    expect(error.message).toContain('expected a number');
    expect(error.message).toContain(`'${word}'`);
  });

  it('rejects -Infinity and malformed numbers', () => {
    expect(syntaxError(() => parseRunFilter('metrics.acc > -Infinity')).message).toContain("found '-'");
    expect(syntaxError(() => parseRunFilter('metrics.acc > 1.2.3')).message).toContain("found '1.2.3'");
    expect(syntaxError(() => parseRunFilter('metrics.acc > 5abc')).message).toContain("found '5abc'");
  });

  it('rejects numbers that overflow to infinity', () => {
    expect(syntaxError(() => parseRunFilter('metrics.acc > 1e999')).message).toContain('out of range');
  });

  it.each(['LIKE', 'ILIKE', 'IN', 'NOT IN', 'IS NULL', 'IS NOT NULL'])('rejects comparator %s', (op) => {
    const value = op.startsWith('IS') ? '' : op.includes('IN') ? "('1')" : "'1'";
    const error = syntaxError(() => parseRunFilter(`metrics.acc ${op} ${value}`));
    expect(error.message).toContain(`comparator '${op}' is not supported for metric 'acc'`);
    expect(error.message).toContain('=, !=, >, >=, <, <=');
    expect(error.position).toBe(12);
  });
});

describe('parseRunFilter: params and tags', () => {
  it.each([
    ['param', 'param'],
    ['params', 'param'],
    ['parameter', 'param'],
    ['parameters', 'param'],
    ['PARAMS', 'param'],
    ['tag', 'tag'],
    ['tags', 'tag'],
    ['Tags', 'tag'],
  ] as const)('maps prefix %s to %s', (prefix, entity) => {
    expect(one(`${prefix}.k = 'v'`)).toEqual({ entity, key: 'k', comparator: '=', value: 'v' });
  });

  it.each<[string, Comparator]>([
    ['=', '='],
    ['!=', '!='],
    ['<>', '!='],
    ['LIKE', 'LIKE'],
    ['like', 'LIKE'],
    ['ILIKE', 'ILIKE'],
    ['iLike', 'ILIKE'],
  ])('supports %s with a string value', (op, comparator) => {
    expect(one(`params.optimizer ${op} 'ad%'`)).toEqual({
      entity: 'param',
      key: 'optimizer',
      comparator,
      value: 'ad%',
    });
    expect(one(`tags.team ${op} "ml"`)).toEqual({ entity: 'tag', key: 'team', comparator, value: 'ml' });
  });

  it.each<[string, Comparator]>([
    ['IS NULL', 'IS NULL'],
    ['is null', 'IS NULL'],
    ['IS NOT NULL', 'IS NOT NULL'],
    ['Is  Not\tNull', 'IS NOT NULL'],
  ])('supports %s', (op, comparator) => {
    expect(one(`tags.owner ${op}`)).toEqual({ entity: 'tag', key: 'owner', comparator, value: null });
    expect(one(`params.lr ${op}`)).toEqual({ entity: 'param', key: 'lr', comparator, value: null });
  });

  it('splits the key at the first dot only', () => {
    expect(one("tags.mlflow.runName = 'x'")).toEqual({
      entity: 'tag',
      key: 'mlflow.runName',
      comparator: '=',
      value: 'x',
    });
  });

  it('accepts quoted keys with spaces', () => {
    expect(one("tags.`my tag` = 'x'").key).toBe('my tag');
    expect(one('params."batch size" = \'32\'').key).toBe('batch size');
  });

  it('decodes escaped quotes in values', () => {
    expect(one("tags.note = 'it''s'").value).toBe("it's");
    expect(one("tags.note = 'it\\'s'").value).toBe("it's");
    expect(one('tags.note = "say ""hi"""').value).toBe('say "hi"');
    expect(one('tags.note = "say \\"hi\\""').value).toBe('say "hi"');
    expect(one('tags.note = "it\'s"').value).toBe("it's");
    expect(one("tags.note = 'say \"hi\"'").value).toBe('say "hi"');
    expect(one("tags.path = 'C:\\\\'").value).toBe('C:\\');
  });

  it('keeps LIKE escapes and other backslashes verbatim', () => {
    expect(one("tags.k LIKE 'a\\_b\\%'").value).toBe('a\\_b\\%');
    expect(one("tags.k = 'line\\n'").value).toBe('line\\n');
  });

  it('preserves whitespace, operators, keywords and unicode inside values', () => {
    expect(one("tags.k = '  a AND b = c OR (d) '").value).toBe('  a AND b = c OR (d) ');
    expect(one("tags.k = 'Ünïcödé 日本語 🚀'").value).toBe('Ünïcödé 日本語 🚀');
    expect(one("tags.k = ''").value).toBe('');
  });

  it.each([
    ['tags.k = v', "'v'"],
    ['params.lr = 0.1', "'0.1'"],
    ['params.lr = `x`', 'string `x`'],
  ])('rejects unquoted value in %s', (filter, found) => {
    const error = syntaxError(() => parseRunFilter(filter));
    expect(error.message).toContain('must be a quoted string');
    expect(error.message).toContain(found);
  });

  it.each(['>', '>=', '<', '<=', 'IN', 'NOT IN'])('rejects comparator %s for params', (op) => {
    const value = op.includes('IN') ? "('a')" : "'1'";
    const error = syntaxError(() => parseRunFilter(`params.lr ${op} ${value}`));
    expect(error.message).toContain(`comparator '${op}' is not supported for param 'lr'`);
  });
});

describe('parseRunFilter: attributes', () => {
  it('exposes the canonical attribute names', () => {
    expect([...RUN_ATTRIBUTES].sort()).toEqual(
      ['artifact_uri', 'end_time', 'lifecycle_stage', 'run_id', 'run_name', 'start_time', 'status', 'user_id'].sort(),
    );
  });

  it.each(['attribute', 'attributes', 'attr', 'run', 'ATTRIBUTES', 'Run'])('accepts prefix %s', (prefix) => {
    expect(one(`${prefix}.status = 'FINISHED'`)).toEqual({
      entity: 'attribute',
      key: 'status',
      comparator: '=',
      value: 'FINISHED',
    });
  });

  it('treats an unprefixed identifier as an attribute', () => {
    expect(one("status = 'RUNNING'")).toEqual({
      entity: 'attribute',
      key: 'status',
      comparator: '=',
      value: 'RUNNING',
    });
    expect(one("run_name LIKE '%bert%'")).toMatchObject({ entity: 'attribute', key: 'run_name', comparator: 'LIKE' });
  });

  it.each(['run_name', 'status', 'user_id', 'artifact_uri', 'lifecycle_stage', 'run_id'])(
    'supports = != LIKE ILIKE on string attribute %s',
    (attr) => {
      for (const comparator of ['=', '!=', 'LIKE', 'ILIKE'] as const) {
        expect(one(`attributes.${attr} ${comparator} 'x'`)).toEqual({
          entity: 'attribute',
          key: attr,
          comparator,
          value: 'x',
        });
      }
    },
  );

  it.each(['start_time', 'end_time'])('supports numeric comparators on %s', (attr) => {
    for (const comparator of ['=', '!=', '>', '>=', '<', '<='] as const) {
      expect(one(`${attr} ${comparator} 1700000000000`)).toEqual({
        entity: 'attribute',
        key: attr,
        comparator,
        value: 1700000000000,
      });
    }
  });

  it.each([
    ['created', 'start_time'],
    ['Created', 'start_time'],
    ['run_uuid', 'run_id'],
    ['id', 'run_id'],
  ])('maps alias %s to %s', (alias, canonical) => {
    const value = canonical === 'start_time' ? '5' : "'abc'";
    expect(one(`attributes.${alias} = ${value}`).key).toBe(canonical);
    expect(one(`${alias} = ${value}`).key).toBe(canonical);
  });

  it.each(['run name', 'Run name', 'Run Name'])('maps the quoted alias `%s` to run_name', (alias) => {
    expect(one(`attributes.\`${alias}\` = 'r3'`)).toEqual({ entity: 'attribute', key: 'run_name', comparator: '=', value: 'r3' });
    expect(one(`attribute.\`${alias}\` LIKE 'r%'`).key).toBe('run_name');
  });

  it('supports IN and NOT IN on run_id', () => {
    expect(one("attributes.run_id IN ('a', 'b','c')")).toEqual({
      entity: 'attribute',
      key: 'run_id',
      comparator: 'IN',
      value: ['a', 'b', 'c'],
    });
    expect(one('run_id not in ("x")')).toEqual({
      entity: 'attribute',
      key: 'run_id',
      comparator: 'NOT IN',
      value: ['x'],
    });
    expect(one("run_uuid In('it''s')")).toMatchObject({ key: 'run_id', comparator: 'IN', value: ["it's"] });
  });

  it('rejects IN on other string attributes', () => {
    const error = syntaxError(() => parseRunFilter("status IN ('FINISHED')"));
    expect(error.message).toContain("comparator 'IN' is not supported for attribute 'status'");
  });

  it('rejects a quoted value for a numeric attribute', () => {
    const error = syntaxError(() => parseRunFilter("start_time > '123'"));
    expect(error.message).toContain("attribute 'start_time' must be compared to a number");
  });

  it('rejects a numeric value for a string attribute', () => {
    const error = syntaxError(() => parseRunFilter('status = 1'));
    expect(error.message).toContain("value for attribute 'status' must be a quoted string");
  });

  it.each([
    ["start_time LIKE '1'", "comparator 'LIKE' is not supported for attribute 'start_time'"],
    ["run_name > 'a'", "comparator '>' is not supported for attribute 'run_name'"],
    ['status IS NULL', "comparator 'IS NULL' is not supported for attribute 'status'"],
  ])('rejects %s', (filter, message) => {
    expect(syntaxError(() => parseRunFilter(filter)).message).toContain(message);
  });

  it('rejects unknown attributes, naming them and listing the valid ones', () => {
    const error = syntaxError(() => parseRunFilter("metrics.a > 1 AND attributes.colour = 'red'"));
    expect(error.message).toContain("unknown run attribute 'colour'");
    for (const attr of RUN_ATTRIBUTES) expect(error.message).toContain(attr);
    expect(error.position).toBe(18);
  });

  it('treats attribute names case-sensitively, like MLflow', () => {
    expect(syntaxError(() => parseRunFilter("Status = 'x'")).message).toContain("unknown run attribute 'Status'");
  });
});

describe('parseRunFilter: datasets', () => {
  it.each(['dataset', 'datasets', 'DATASETS'])('accepts prefix %s', (prefix) => {
    expect(one(`${prefix}.name = 'mnist'`)).toEqual({
      entity: 'dataset',
      key: 'name',
      comparator: '=',
      value: 'mnist',
    });
  });

  it.each(['name', 'digest', 'context'])('supports every comparator on %s', (field) => {
    for (const comparator of ['=', '!=', 'LIKE', 'ILIKE'] as const) {
      expect(one(`datasets.${field} ${comparator} 'x'`)).toEqual({
        entity: 'dataset',
        key: field,
        comparator,
        value: 'x',
      });
    }
    expect(one(`datasets.${field} IN ('a', 'b')`)).toMatchObject({ comparator: 'IN', value: ['a', 'b'] });
    expect(one(`datasets.${field} NOT IN ('a')`)).toMatchObject({ comparator: 'NOT IN', value: ['a'] });
  });

  it('rejects unknown dataset fields', () => {
    const error = syntaxError(() => parseRunFilter("datasets.size = '1'"));
    expect(error.message).toContain("unknown dataset field 'size'");
    expect(error.message).toContain('name, digest, context');
  });

  it('rejects numeric comparators and IS NULL', () => {
    expect(syntaxError(() => parseRunFilter("datasets.name > 'a'")).message).toContain(
      "comparator '>' is not supported for dataset field 'name'",
    );
    expect(syntaxError(() => parseRunFilter('datasets.name IS NULL')).message).toContain(
      "comparator 'IS NULL' is not supported",
    );
  });
});

describe('parseRunFilter: combining clauses', () => {
  it('joins clauses with AND in any case', () => {
    const filter =
      "metrics.acc > 0.9 AND params.lr = '0.01' and tags.`my tag` LIKE 'x%' And status != 'FAILED' aNd run_id IN ('a')";
    expect(parseRunFilter(filter)).toEqual([
      { entity: 'metric', key: 'acc', comparator: '>', value: 0.9 },
      { entity: 'param', key: 'lr', comparator: '=', value: '0.01' },
      { entity: 'tag', key: 'my tag', comparator: 'LIKE', value: 'x%' },
      { entity: 'attribute', key: 'status', comparator: '!=', value: 'FAILED' },
      { entity: 'attribute', key: 'run_id', comparator: 'IN', value: ['a'] },
    ]);
  });

  it('tolerates flexible whitespace', () => {
    expect(parseRunFilter("  metrics.acc>0.9\n\tAND\r\n  tags.k='v'  ")).toEqual([
      { entity: 'metric', key: 'acc', comparator: '>', value: 0.9 },
      { entity: 'tag', key: 'k', comparator: '=', value: 'v' },
    ]);
    expect(parseRunFilter("tags.a='x'AND tags.b IS NULL")).toHaveLength(2);
  });

  it('allows the same key twice', () => {
    expect(parseRunFilter('metrics.a > 1 AND metrics.a < 2')).toHaveLength(2);
  });

  it.each(['OR', 'or', 'Or'])('rejects %s saying only AND is supported', (or) => {
    const error = syntaxError(() => parseRunFilter(`metrics.a > 1 ${or} metrics.b < 2`));
    expect(error.message).toContain(`'${or}' is not supported`);
    expect(error.message).toContain('only AND is supported');
    expect(error.position).toBe(14);
  });
});

describe('parseRunFilter: syntax errors', () => {
  it('reports a missing comparator with the identifier, token and position', () => {
    const error = syntaxError(() => parseRunFilter('metrics.acc foo 1'));
    expect(error.message).toBe(
      "Invalid filter at position 12: expected a comparison operator after 'metrics.acc' but found 'foo'",
    );
    expect(error.position).toBe(12);
    expect(error.name).toBe('SearchSyntaxError');
    expect(error).toBeInstanceOf(Error);
  });

  it('reports a missing comparator at end of input', () => {
    expect(syntaxError(() => parseRunFilter('metrics.acc')).message).toContain(
      "expected a comparison operator after 'metrics.acc' but found end of input",
    );
  });

  it('reports missing values', () => {
    const numeric = syntaxError(() => parseRunFilter('metrics.acc >'));
    expect(numeric.message).toContain('missing value');
    expect(numeric.message).toContain('end of input');
    expect(numeric.position).toBe(13);
    const text = syntaxError(() => parseRunFilter('tags.k = '));
    expect(text.message).toContain('missing value: expected a quoted string');
    expect(syntaxError(() => parseRunFilter("tags.k = AND tags.j = 'x'")).message).toContain(
      "must be a quoted string, but found 'AND'",
    );
  });

  it('reports unterminated strings with their start position', () => {
    const error = syntaxError(() => parseRunFilter("tags.k = 'abc"));
    expect(error.message).toContain('unterminated string');
    expect(error.message).toContain("missing closing '");
    expect(error.position).toBe(9);
    expect(syntaxError(() => parseRunFilter('tags.k = "abc\\"')).message).toContain('unterminated string');
    expect(syntaxError(() => parseRunFilter("tags.k = 'it''")).message).toContain('unterminated string');
    expect(syntaxError(() => parseRunFilter('metrics.`abc > 1')).message).toContain('unterminated string');
  });

  it('reports trailing garbage after a clause', () => {
    const error = syntaxError(() => parseRunFilter("tags.k = 'v' extra"));
    expect(error.message).toContain("expected AND or end of input after 'tags.k = 'v'' but found 'extra'");
    expect(error.position).toBe(13);
    expect(syntaxError(() => parseRunFilter('metrics.a > 1 2')).message).toContain("found '2'");
    expect(syntaxError(() => parseRunFilter("tags.k = 'a' 'b'")).message).toContain("found string 'b'");
    expect(syntaxError(() => parseRunFilter('metrics.a > 1;')).message).toContain("found ';'");
  });

  it('reports a dangling AND', () => {
    const error = syntaxError(() => parseRunFilter('metrics.a > 1 AND'));
    expect(error.message).toContain("expected an identifier after 'AND' but found end of input");
    expect(error.position).toBe(17);
  });

  it('reports a leading AND or a non-identifier start', () => {
    expect(syntaxError(() => parseRunFilter("AND tags.k = 'v'")).message).toContain(
      "unknown run attribute 'AND'",
    );
    expect(syntaxError(() => parseRunFilter("(tags.k = 'v')")).message).toContain(
      "expected an identifier but found '('",
    );
    expect(syntaxError(() => parseRunFilter("'tags.k' = 'v'")).message).toContain(
      "expected an identifier but found string 'tags.k'",
    );
    expect(syntaxError(() => parseRunFilter('1 = 1')).message).toContain("expected an identifier but found '1'");
  });

  it('reports unexpected characters', () => {
    const error = syntaxError(() => parseRunFilter('metrics.a ! 1'));
    expect(error.message).toContain("expected a comparison operator after 'metrics.a' but found '!'");
    expect(syntaxError(() => parseRunFilter('metrics.a == 1')).message).toContain("expected a number after 'metrics.a =' but found '='");
    expect(syntaxError(() => parseRunFilter('metrics.a > 🚀')).message).toContain("found '🚀'");
  });

  it('reports unknown entity prefixes', () => {
    const error = syntaxError(() => parseRunFilter('metricz.acc > 1'));
    expect(error.message).toContain("unknown entity type 'metricz'");
    expect(error.message).toContain('metrics, params, tags, attributes, datasets');
    expect(error.position).toBe(0);
  });

  it('reports missing keys', () => {
    expect(syntaxError(() => parseRunFilter('metrics. > 1')).message).toContain("missing key after 'metrics.'");
    expect(syntaxError(() => parseRunFilter('metrics > 1')).message).toContain(
      "missing key after 'metrics'; expected metrics.<key>",
    );
    expect(syntaxError(() => parseRunFilter("tags.`` = 'x'")).message).toContain("empty key after 'tags.'");
  });

  it('reports badly quoted keys', () => {
    expect(syntaxError(() => parseRunFilter("tags.'k' = 'x'")).message).toContain(
      'keys must be quoted with backticks or double quotes',
    );
    expect(syntaxError(() => parseRunFilter("tags.a.`b` = 'x'")).message).toContain(
      'a quoted key must directly follow the entity prefix',
    );
    expect(syntaxError(() => parseRunFilter("tags.`a`.b = 'x'")).message).toContain(
      "expected a comparison operator after 'tags.`a`' but found '.'",
    );
  });

  it('reports malformed NOT IN and IS NULL', () => {
    expect(syntaxError(() => parseRunFilter("tags.k NOT LIKE 'x'")).message).toContain(
      "expected IN after 'NOT' but found 'LIKE'",
    );
    expect(syntaxError(() => parseRunFilter('tags.k IS')).message).toContain(
      "expected NULL or NOT NULL after 'IS' but found end of input",
    );
    expect(syntaxError(() => parseRunFilter("tags.k IS 'x'")).message).toContain(
      "expected NULL or NOT NULL after 'IS' but found string 'x'",
    );
    expect(syntaxError(() => parseRunFilter('tags.k is not nothing')).message).toContain(
      "expected NULL after 'is not' but found 'nothing'",
    );
  });

  it('reports malformed IN lists', () => {
    expect(syntaxError(() => parseRunFilter("run_id IN 'a'")).message).toContain(
      "expected '(' to start the value list after 'IN' but found string 'a'",
    );
    expect(syntaxError(() => parseRunFilter('run_id IN ()')).message).toContain(
      "the value list after 'IN' must not be empty",
    );
    expect(syntaxError(() => parseRunFilter("run_id IN ('a',)")).message).toContain(
      "expected a quoted string in the value list for attribute 'run_id' but found ')'",
    );
    expect(syntaxError(() => parseRunFilter('run_id IN (a)')).message).toContain(
      "expected a quoted string in the value list for attribute 'run_id' but found 'a'",
    );
    expect(syntaxError(() => parseRunFilter("run_id IN ('a' 'b')")).message).toContain(
      "expected ',' or ')' in the value list but found string 'b'",
    );
    expect(syntaxError(() => parseRunFilter("run_id IN ('a'")).message).toContain(
      "expected ',' or ')' in the value list but found end of input",
    );
  });

  it('truncates very long tokens in messages', () => {
    const long = 'x'.repeat(200);
    const error = syntaxError(() => parseRunFilter(`tags.k = '${long}' junk${long}`));
    expect(error.message.length).toBeLessThan(200);
    expect(error.message).toContain('...');
  });

  it('counts positions in UTF-16 code units after unicode text', () => {
    const error = syntaxError(() => parseRunFilter("tags.k = '日本' OR tags.j = 'x'"));
    expect(error.position).toBe(14);
  });
});

describe('parseRunOrderBy', () => {
  it('defaults to ascending', () => {
    expect(parseRunOrderBy('metrics.acc')).toEqual({ entity: 'metric', key: 'acc', ascending: true });
  });

  it.each([
    ['ASC', true],
    ['asc', true],
    ['DESC', false],
    ['desc', false],
    ['Desc', false],
  ])('accepts direction %s', (direction, ascending) => {
    expect(parseRunOrderBy(`metrics.acc ${direction}`)).toEqual({ entity: 'metric', key: 'acc', ascending });
  });

  it('supports params, tags, quoted keys and dotted keys', () => {
    expect(parseRunOrderBy('params.lr DESC')).toEqual({ entity: 'param', key: 'lr', ascending: false });
    expect(parseRunOrderBy('tags.mlflow.runName')).toEqual({ entity: 'tag', key: 'mlflow.runName', ascending: true });
    expect(parseRunOrderBy('metrics.`my key` DESC')).toEqual({ entity: 'metric', key: 'my key', ascending: false });
    expect(parseRunOrderBy('  METRICS."val loss"   asc ')).toEqual({
      entity: 'metric',
      key: 'val loss',
      ascending: true,
    });
  });

  it.each(['run_name', 'status', 'start_time', 'end_time', 'run_id', 'user_id', 'artifact_uri'])(
    'supports attribute %s with and without prefix',
    (attr) => {
      expect(parseRunOrderBy(attr)).toEqual({ entity: 'attribute', key: attr, ascending: true });
      expect(parseRunOrderBy(`attributes.${attr} DESC`)).toEqual({ entity: 'attribute', key: attr, ascending: false });
      expect(parseRunOrderBy(`attr.${attr}`)).toEqual({ entity: 'attribute', key: attr, ascending: true });
    },
  );

  it('normalises attribute aliases', () => {
    expect(parseRunOrderBy('created DESC')).toEqual({ entity: 'attribute', key: 'start_time', ascending: false });
    expect(parseRunOrderBy('attributes.run_uuid')).toEqual({ entity: 'attribute', key: 'run_id', ascending: true });
  });

  it('rejects attributes that cannot be ordered by', () => {
    const error = syntaxError(() => parseRunOrderBy('lifecycle_stage'));
    expect(error.message).toContain("cannot order runs by attribute 'lifecycle_stage'");
    expect(error.message).toContain('run_name, status, start_time');
    expect(syntaxError(() => parseRunOrderBy('attributes.colour')).message).toContain(
      "cannot order runs by attribute 'colour'",
    );
  });

  it('rejects dataset ordering', () => {
    expect(syntaxError(() => parseRunOrderBy('datasets.name')).message).toContain(
      "runs cannot be ordered by dataset field 'name'",
    );
  });

  it('rejects a bad direction', () => {
    const error = syntaxError(() => parseRunOrderBy('metrics.acc DOWN'));
    expect(error.message).toBe(
      "Invalid order_by clause at position 12: expected ASC, DESC or end of input after 'metrics.acc' but found 'DOWN'",
    );
    expect(error.position).toBe(12);
  });

  it('rejects extra tokens', () => {
    expect(syntaxError(() => parseRunOrderBy('metrics.acc DESC extra')).message).toContain(
      "expected end of input after 'DESC' but found 'extra'",
    );
    expect(syntaxError(() => parseRunOrderBy('metrics.acc DESC, metrics.b')).message).toContain("found ','");
    expect(syntaxError(() => parseRunOrderBy('metrics.acc ASC DESC')).message).toContain("found 'DESC'");
  });

  it('rejects empty and malformed clauses', () => {
    expect(syntaxError(() => parseRunOrderBy('')).message).toContain('order_by clause is empty');
    expect(syntaxError(() => parseRunOrderBy('   ')).message).toContain('order_by clause is empty');
    expect(syntaxError(() => parseRunOrderBy('DESC')).message).toContain("cannot order runs by attribute 'DESC'");
    expect(syntaxError(() => parseRunOrderBy("'metrics.acc'")).message).toContain('expected an identifier');
    expect(syntaxError(() => parseRunOrderBy('foo.bar')).message).toContain("unknown entity type 'foo'");
    expect(syntaxError(() => parseRunOrderBy('metrics.`acc')).message).toContain('unterminated string');
  });
});

describe('parseExperimentFilter', () => {
  it('returns [] for empty input', () => {
    expect(parseExperimentFilter('')).toEqual([]);
    expect(parseExperimentFilter(undefined)).toEqual([]);
    expect(parseExperimentFilter(null)).toEqual([]);
  });

  it.each(['name', 'attributes.name', 'attribute.name', 'ATTRIBUTES.name', 'attr.name'])(
    'accepts %s',
    (identifier) => {
      expect(parseExperimentFilter(`${identifier} = 'exp'`)).toEqual([
        { entity: 'attribute', key: 'name', comparator: '=', value: 'exp' },
      ]);
    },
  );

  it('supports = != LIKE ILIKE on name', () => {
    for (const comparator of ['=', '!=', 'LIKE', 'ILIKE'] as const) {
      expect(parseExperimentFilter(`name ${comparator} 'a%'`)).toEqual([
        { entity: 'attribute', key: 'name', comparator, value: 'a%' },
      ]);
    }
    expect(parseExperimentFilter("name <> 'a'")[0]?.comparator).toBe('!=');
  });

  it.each(['creation_time', 'last_update_time'])('supports numeric comparators on %s', (attr) => {
    for (const comparator of ['=', '!=', '>', '>=', '<', '<='] as const) {
      expect(parseExperimentFilter(`attributes.${attr} ${comparator} 1700000000000`)).toEqual([
        { entity: 'attribute', key: attr, comparator, value: 1700000000000 },
      ]);
    }
  });

  it('supports = != IN NOT IN on experiment_id', () => {
    expect(parseExperimentFilter("experiment_id = '1'")).toEqual([
      { entity: 'attribute', key: 'experiment_id', comparator: '=', value: '1' },
    ]);
    expect(parseExperimentFilter("experiment_id != '1'")[0]?.comparator).toBe('!=');
    expect(parseExperimentFilter("experiment_id IN ('1', '2')")).toEqual([
      { entity: 'attribute', key: 'experiment_id', comparator: 'IN', value: ['1', '2'] },
    ]);
    expect(parseExperimentFilter("attributes.experiment_id NOT IN ('0')")).toEqual([
      { entity: 'attribute', key: 'experiment_id', comparator: 'NOT IN', value: ['0'] },
    ]);
  });

  it('supports tags with = != LIKE ILIKE', () => {
    for (const comparator of ['=', '!=', 'LIKE', 'ILIKE'] as const) {
      expect(parseExperimentFilter(`tags.team ${comparator} 'ml'`)).toEqual([
        { entity: 'tag', key: 'team', comparator, value: 'ml' },
      ]);
    }
    expect(parseExperimentFilter("tag.`my tag` = 'x'")[0]).toMatchObject({ entity: 'tag', key: 'my tag' });
    expect(parseExperimentFilter("tags.mlflow.note = 'x'")[0]?.key).toBe('mlflow.note');
  });

  it('combines clauses with AND', () => {
    expect(parseExperimentFilter("name LIKE 'a%' AND creation_time > 5 and tags.k = 'v'")).toEqual([
      { entity: 'attribute', key: 'name', comparator: 'LIKE', value: 'a%' },
      { entity: 'attribute', key: 'creation_time', comparator: '>', value: 5 },
      { entity: 'tag', key: 'k', comparator: '=', value: 'v' },
    ]);
  });

  it('rejects OR', () => {
    expect(syntaxError(() => parseExperimentFilter("name = 'a' OR name = 'b'")).message).toContain(
      'only AND is supported',
    );
  });

  it('rejects run-only entities and attributes', () => {
    const metric = syntaxError(() => parseExperimentFilter('metrics.acc > 1'));
    expect(metric.message).toContain("unknown entity type 'metrics'");
    expect(metric.message).toContain('experiments support only attributes.<name> and tags.<key>');
    expect(syntaxError(() => parseExperimentFilter("run.name = 'x'")).message).toContain("unknown entity type 'run'");
    const attr = syntaxError(() => parseExperimentFilter("status = 'x'"));
    expect(attr.message).toContain("unknown experiment attribute 'status'");
    expect(attr.message).toContain('name, experiment_id, creation_time, last_update_time');
  });

  it('rejects wrong comparators and value types', () => {
    expect(syntaxError(() => parseExperimentFilter("name > 'a'")).message).toContain(
      "comparator '>' is not supported for attribute 'name'",
    );
    expect(syntaxError(() => parseExperimentFilter("name IN ('a')")).message).toContain(
      "comparator 'IN' is not supported for attribute 'name'",
    );
    expect(syntaxError(() => parseExperimentFilter("experiment_id LIKE '1%'")).message).toContain(
      "comparator 'LIKE' is not supported for attribute 'experiment_id'",
    );
    expect(syntaxError(() => parseExperimentFilter('experiment_id = 1')).message).toContain(
      "value for attribute 'experiment_id' must be a quoted string",
    );
    expect(syntaxError(() => parseExperimentFilter("creation_time > '1'")).message).toContain(
      "attribute 'creation_time' must be compared to a number",
    );
    expect(syntaxError(() => parseExperimentFilter('tags.k IS NULL')).message).toContain(
      "comparator 'IS NULL' is not supported for tag 'k'",
    );
    expect(syntaxError(() => parseExperimentFilter('name = exp')).message).toContain('must be a quoted string');
  });
});

describe('parseExperimentOrderBy', () => {
  it.each(['name', 'experiment_id', 'creation_time', 'last_update_time'])('supports %s', (attr) => {
    expect(parseExperimentOrderBy(attr)).toEqual({ entity: 'attribute', key: attr, ascending: true });
    expect(parseExperimentOrderBy(`attributes.${attr} DESC`)).toEqual({
      entity: 'attribute',
      key: attr,
      ascending: false,
    });
    expect(parseExperimentOrderBy(`attribute.${attr} asc`)).toEqual({
      entity: 'attribute',
      key: attr,
      ascending: true,
    });
  });

  it('rejects other keys', () => {
    const error = syntaxError(() => parseExperimentOrderBy('status'));
    expect(error.message).toContain("cannot order experiments by attribute 'status'");
    expect(error.message).toContain('name, experiment_id, creation_time, last_update_time');
    expect(syntaxError(() => parseExperimentOrderBy('tags.k')).message).toContain(
      "cannot order experiments by tag 'k'",
    );
    expect(syntaxError(() => parseExperimentOrderBy('metrics.acc')).message).toContain(
      "unknown entity type 'metrics'",
    );
  });

  it('rejects bad direction and extra tokens', () => {
    expect(syntaxError(() => parseExperimentOrderBy('name UP')).message).toContain(
      "expected ASC, DESC or end of input after 'name' but found 'UP'",
    );
    expect(syntaxError(() => parseExperimentOrderBy('name ASC name')).message).toContain(
      "expected end of input after 'ASC' but found 'name'",
    );
    expect(syntaxError(() => parseExperimentOrderBy('')).message).toContain('order_by clause is empty');
  });
});
