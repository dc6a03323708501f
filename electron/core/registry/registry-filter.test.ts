import { describe, expect, it } from 'vitest';
import { MLDeskError } from '../errors.js';
import { parseRegistryFilter } from './registry-filter.js';

describe('parseRegistryFilter', () => {
  it('reads the clauses MLflow clients send, joined by AND', () => {
    expect(parseRegistryFilter(`name='churn' AND run_id IN ('a', "b") and tags.\`team x\` LIKE 'gr%'`, ['name', 'run_id'])).toEqual([
      { key: 'name', comparator: '=', value: 'churn' },
      { key: 'run_id', comparator: 'IN', value: ['a', 'b'] },
      { key: 'tags.team x', comparator: 'LIKE', value: 'gr%' },
    ]);
    expect(parseRegistryFilter("name = 'it\\'s'", ['name'])).toEqual([{ key: 'name', comparator: '=', value: "it's" }]);
    expect(parseRegistryFilter('  ', ['name'])).toEqual([]);
  });

  it('names the filter parameter when a clause cannot be read or uses an unknown key', () => {
    for (const filter of ["name LIKE churn", "owner = 'x'", "name IN 'x'", "name = 'a' OR name = 'b'"]) {
      expect(() => parseRegistryFilter(filter, ['name'])).toThrow(MLDeskError);
      expect(() => parseRegistryFilter(filter, ['name'])).toThrow(/'filter'/);
    }
  });
});
