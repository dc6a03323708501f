import { describe, expect, it } from 'vitest';
import { MLDeskError } from '../errors.js';
import { parseRegistryFilter } from './registry-filter.js';

describe('parseRegistryFilter', () => {
  it('reads the clauses MLflow clients send, joined by AND', () => {
    expect(parseRegistryFilter(`name='churn' AND run_id IN ('a', "b") and tags.\`team x\` LIKE 'gr%'`, 'versions')).toEqual([
      { entity: 'attribute', key: 'name', comparator: '=', value: 'churn' },
      { entity: 'attribute', key: 'run_id', comparator: 'IN', value: ['a', 'b'] },
      { entity: 'tag', key: 'team x', comparator: 'LIKE', value: 'gr%' },
    ]);
    expect(parseRegistryFilter("name = 'it\\'s'", 'models')).toEqual([{ entity: 'attribute', key: 'name', comparator: '=', value: "it's" }]);
    expect(parseRegistryFilter("name = 'it''s' AND tags.mlflow.source ILIKE 'NB%'", 'models')).toEqual([
      { entity: 'attribute', key: 'name', comparator: '=', value: "it's" },
      { entity: 'tag', key: 'mlflow.source', comparator: 'ILIKE', value: 'NB%' },
    ]);
    expect(parseRegistryFilter('  ', 'models')).toEqual([]);
    expect(parseRegistryFilter(undefined, 'versions')).toEqual([]);
  });

  it('names the filter parameter when a clause cannot be read or uses an unknown key', () => {
    for (const filter of ['name LIKE churn', "owner = 'x'", "name IN 'x'", "name = 'a' OR name = 'b'", "run_id = 'x'", 'name = 3']) {
      expect(() => parseRegistryFilter(filter, 'models')).toThrow(MLDeskError);
      expect(() => parseRegistryFilter(filter, 'models')).toThrow(/'filter'/);
    }
    expect(() => parseRegistryFilter("owner = 'x'", 'versions')).toThrow(/unknown key 'owner'; valid keys: name, run_id, source_path, version, tags.<key>/);
  });
});
