import { describe, expect, it } from 'vitest';
import { parseRunOrderBy } from '../../../../shared/search-filter';
import { defaultColumns, gridTemplate, sortKeyFor, tableColumns } from './table-columns';

describe('sortKeyFor', () => {
  it('leaves keys the grammar reads unquoted as they are', () => {
    expect(sortKeyFor('metric', 'val/loss')).toBe('metrics.val/loss');
    expect(sortKeyFor('param', 'lr-decay')).toBe('params.lr-decay');
    expect(sortKeyFor('tag', 'mlflow.user')).toBe('tags.mlflow.user');
  });

  it.each(['val loss', '1st-epoch', 'a`b', 'f1 (macro)', 'ünïcode key'])('quotes %j so the server parses back the same key', (key) => {
    for (const kind of ['metric', 'param', 'tag'] as const) {
      const parsed = parseRunOrderBy(`${sortKeyFor(kind, key)} DESC`);
      expect(parsed).toEqual({ entity: kind, key, ascending: false });
    }
  });
});

describe('defaultColumns', () => {
  it('picks up to four metrics, system metrics last, and two params', () => {
    const choice = defaultColumns({ metrics: ['system/cpu', 'accuracy', 'f1', 'loss', 'precision', 'recall'], params: ['a', 'b', 'c'], tags: ['t'] });
    expect(choice).toEqual({ metrics: ['accuracy', 'f1', 'loss', 'precision'], params: ['a', 'b'], tags: [] });
  });
});

describe('tableColumns', () => {
  it('puts metrics before params before tags, after the run attributes', () => {
    const ids = tableColumns({ metrics: ['acc'], params: ['lr'], tags: ['team'] }).map((c) => c.id);
    expect(ids).toEqual(['select', 'name', 'status', 'start', 'duration', 'metric:acc', 'param:lr', 'tag:team']);
  });

  it('sizes the grid from the columns', () => {
    const { template, minWidth } = gridTemplate(tableColumns({ metrics: ['acc'], params: [], tags: [] }));
    expect(template.split(' minmax').length).toBe(3);
    expect(minWidth).toBeGreaterThan(500);
  });
});
