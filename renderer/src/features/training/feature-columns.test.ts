import { describe, expect, it } from 'vitest';
import type { DatasetVersion } from '../../../../shared/datasets';
import { featureColumns } from './feature-columns';

const numeric = (name: string, count: number, allDistinct?: boolean) => ({
  name, kind: 'numeric' as const, count, min: 0, max: 1, mean: 0, std: 0,
  quantiles: { p01: 0, p05: 0, p25: 0, p50: 0, p75: 0, p95: 0, p99: 0 }, histogram: { edges: [0, 1], counts: [count] },
  ...(allDistinct === undefined ? {} : { allDistinct }),
});

const version = {
  schema: [
    { name: 'id', type: 'integer', nullCount: 0 },
    { name: 'age', type: 'integer', nullCount: 0 },
    { name: 'small_ids', type: 'integer', nullCount: 0 },
    { name: 'note', type: 'text', nullCount: 0 },
    { name: 'y', type: 'categorical', nullCount: 0 },
  ],
  stats: [numeric('id', 40, true), numeric('age', 40, false), numeric('small_ids', 12, true), { name: 'note', kind: 'text', count: 40, distinct: 40, distinctExact: true, minLength: 1, maxLength: 9 }, { name: 'y', kind: 'categories', count: 40, distinct: 2, top: [], otherCount: 0 }],
} as unknown as DatasetVersion;

describe('featureColumns', () => {
  it('leaves out the target, free text and integer ids (20+ distinct values) as training does', () => {
    const { features, text, ids } = featureColumns(version, 'y', false);
    expect(features.map((c) => c.name)).toEqual(['age', 'small_ids']);
    expect(text.map((c) => c.name)).toEqual(['note']);
    expect(ids.map((c) => c.name)).toEqual(['id']);
  });

  it('keeps ids as features when asked', () => {
    const { features, ids } = featureColumns(version, 'y', true);
    expect(features.map((c) => c.name)).toEqual(['id', 'age', 'small_ids']);
    expect(ids).toEqual([]);
  });
});
