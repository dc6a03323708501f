import { describe, expect, it } from 'vitest';
import type { ColumnSchema, ColumnStats, DatasetVersion } from '../../../../shared/datasets';
import { diffVersions, previousVersion } from './version-diff';

function numeric(name: string, mean: number, std: number): ColumnStats {
  return { name, kind: 'numeric', count: 100, min: 0, max: 10, mean, std, quantiles: { p01: 0, p05: 0, p25: 0, p50: 0, p75: 0, p95: 0, p99: 0 }, histogram: { edges: [0, 10], counts: [100] } };
}

function version(n: number, rows: number, columns: Array<[ColumnSchema, ColumnStats]>): DatasetVersion {
  return {
    name: 'churn', version: n, ref: `churn@${n}`, sha256: String(n).repeat(64).slice(0, 64), format: 'csv', rows, bytes: 1, originalFileName: 'churn.csv', createdTime: n,
    schema: columns.map(([c]) => c), stats: columns.map(([, s]) => s),
  };
}

const plan = (categories: string[], nullCount = 0): [ColumnSchema, ColumnStats] => [
  { name: 'plan', type: 'categorical', nullCount, categories },
  { name: 'plan', kind: 'categories', count: 100, distinct: categories.length, top: categories.map((value) => ({ value, count: 1 })), otherCount: 0 },
];

describe('diffVersions', () => {
  const v1 = version(1, 100, [[{ name: 'age', type: 'integer', nullCount: 0 }, numeric('age', 40, 10)], plan(['basic', 'premium']), [{ name: 'old', type: 'text', nullCount: 0 }, { name: 'old', kind: 'text', count: 100, distinct: 100, distinctExact: true, minLength: 1, maxLength: 3 }]]);
  const v2 = version(2, 200, [[{ name: 'age', type: 'integer', nullCount: 20 }, numeric('age', 45, 10)], plan(['basic', 'premium', 'family']), [{ name: 'tenure', type: 'numeric', nullCount: 0 }, numeric('tenure', 1, 1)]]);

  it('reports shifts in standard deviations, null-rate changes, new categories and schema changes', () => {
    const diff = diffVersions(v2, v1);
    const byName = new Map(diff.columns.map((c) => [c.name, c]));
    expect(diff.rowsDelta).toBe(100);
    expect(byName.get('age')).toMatchObject({ change: 'kept', meanShiftStd: 0.5, nullRate: 0.1, previousNullRate: 0, notable: true });
    expect(byName.get('plan')).toMatchObject({ newCategories: ['family'], goneCategories: [], notable: true });
    expect(byName.get('tenure')?.change).toBe('added');
    expect(byName.get('old')?.change).toBe('removed');
    expect(diff.notableCount).toBe(4);
  });

  it('leaves an unchanged column unremarked', () => {
    const diff = diffVersions(v1, v1);
    expect(diff.notableCount).toBe(0);
    expect(diff.columns[0]).toMatchObject({ meanShiftStd: 0, notable: false });
  });

  it('finds the version right before the selected one', () => {
    const v3 = version(3, 1, []);
    expect(previousVersion([v1, v2, v3], v3)?.version).toBe(2);
    expect(previousVersion([v1, v2, v3], v1)).toBeNull();
  });
});
