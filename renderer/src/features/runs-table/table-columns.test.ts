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
  it('picks up to four metrics, system metrics last, and three params', () => {
    const choice = defaultColumns({ metrics: ['system/cpu', 'accuracy', 'f1', 'loss', 'precision', 'recall'], params: ['a', 'b', 'c', 'd'], tags: ['t'] });
    expect(choice).toEqual({ metrics: ['accuracy', 'f1', 'loss', 'precision'], params: ['a', 'b', 'c'], tags: [] });
  });

  it('shows the metrics and params that differ between runs, validation metrics first', () => {
    const choice = defaultColumns({
      // Alphabetically first, and the same on every run: batch_size, epochs, accuracy.
      metrics: ['accuracy', 'loss', 'system/cpu', 'val_accuracy', 'val_auc', 'val_loss'],
      params: ['activation', 'batch_size', 'epochs', 'hidden_units', 'learning_rate', 'seed'],
      tags: [],
      varying: { metrics: ['loss', 'system/cpu', 'val_auc', 'val_loss'], params: ['hidden_units', 'learning_rate', 'seed'] },
    });
    expect(choice).toEqual({ metrics: ['val_auc', 'val_loss', 'loss', 'system/cpu'], params: ['hidden_units', 'learning_rate', 'seed'], tags: [] });
  });

  it('with nothing differing (one run), the first keys, validation metrics still first', () => {
    const choice = defaultColumns({ metrics: ['accuracy', 'loss', 'val_accuracy'], params: ['a'], tags: [], varying: { metrics: [], params: [] } });
    expect(choice.metrics).toEqual(['val_accuracy', 'accuracy', 'loss']);
  });
});

describe('tableColumns', () => {
  it('puts metrics before params before tags, after the run attributes', () => {
    const ids = tableColumns({ metrics: ['acc'], params: ['lr'], tags: ['team'] }).map((c) => c.id);
    expect(ids).toEqual(['select', 'name', 'status', 'start', 'duration', 'metric:acc', 'param:lr', 'tag:team']);
  });

  it('adds a Models column after the run attributes when runs have registered versions', () => {
    const ids = tableColumns({ metrics: ['acc'], params: [], tags: [] }, {}, { models: true }).map((c) => c.id);
    expect(ids).toEqual(['select', 'name', 'status', 'start', 'duration', 'models', 'metric:acc']);
  });

  it('sizes the grid from the columns', () => {
    const { template, minWidth } = gridTemplate(tableColumns({ metrics: ['acc'], params: [], tags: [] }));
    expect(template.split(' minmax').length).toBe(3);
    expect(minWidth).toBeGreaterThan(500);
  });
});
