import type { ColumnSchema, ColumnStats, ColumnType, DatasetVersion } from '../../../../shared/datasets';

/**
 * Per-column changes between a dataset version and the one before it, from the stored profiles
 * alone: schema changes, null-rate and mean shifts, categories that appeared or vanished. The
 * mean shift is also given in the previous version's standard deviations, so "0.8 → 0.9" on a
 * tight column stands out where "1200 → 1210" on a wide one does not.
 */
export interface ColumnDelta {
  name: string;
  change: 'added' | 'removed' | 'retyped' | 'kept';
  type: ColumnType;
  previousType: ColumnType | null;
  nullRate: number | null;
  previousNullRate: number | null;
  mean: number | null;
  previousMean: number | null;
  /** (mean − previous mean) / previous std; null when either side is not numeric or std is 0. */
  meanShiftStd: number | null;
  newCategories: string[];
  goneCategories: string[];
  /** Worth a highlight: a schema change, |shift| ≥ 0.1 std, ±1 point of nulls, or category churn. */
  notable: boolean;
}

export interface VersionDiff {
  previous: DatasetVersion;
  rowsDelta: number;
  columns: ColumnDelta[];
  notableCount: number;
}

export const NOTABLE_SHIFT_STD = 0.1;
export const NOTABLE_NULL_RATE = 0.01;

/** The version right before `selected` among `versions`, if any. */
export function previousVersion(versions: DatasetVersion[], selected: DatasetVersion): DatasetVersion | null {
  let best: DatasetVersion | null = null;
  for (const v of versions) if (v.version < selected.version && (!best || v.version > best.version)) best = v;
  return best;
}

export function nullRate(column: ColumnSchema, rows: number): number | null {
  return rows > 0 ? column.nullCount / rows : null;
}

function lookup(version: DatasetVersion): Map<string, { column: ColumnSchema; stats: ColumnStats | undefined }> {
  return new Map(version.schema.map((column, i) => [column.name, { column, stats: version.stats[i] }]));
}

function categoriesOf(column: ColumnSchema, stats: ColumnStats | undefined): Set<string> | null {
  if (column.categories) return new Set(column.categories);
  // Without the full domain, the top values are all that can be compared; only when nothing else exists.
  if (stats?.kind === 'categories' && stats.otherCount === 0) return new Set(stats.top.map((t) => t.value));
  return null;
}

export function diffVersions(selected: DatasetVersion, previous: DatasetVersion): VersionDiff {
  const before = lookup(previous);
  const after = lookup(selected);
  const columns: ColumnDelta[] = [];
  for (const [name, now] of after) {
    const then = before.get(name);
    const mean = now.stats?.kind === 'numeric' ? now.stats.mean : null;
    const previousMean = then?.stats?.kind === 'numeric' ? then.stats.mean : null;
    const previousStd = then?.stats?.kind === 'numeric' ? then.stats.std : 0;
    const meanShiftStd = mean !== null && previousMean !== null && previousStd > 0 ? (mean - previousMean) / previousStd : null;
    const nowCats = categoriesOf(now.column, now.stats);
    const thenCats = then ? categoriesOf(then.column, then.stats) : null;
    const newCategories = nowCats && thenCats ? [...nowCats].filter((c) => !thenCats.has(c)) : [];
    const goneCategories = nowCats && thenCats ? [...thenCats].filter((c) => !nowCats.has(c)) : [];
    const rate = nullRate(now.column, selected.rows);
    const previousRate = then ? nullRate(then.column, previous.rows) : null;
    const change = !then ? 'added' : then.column.type !== now.column.type ? 'retyped' : 'kept';
    const notable =
      change !== 'kept' ||
      (meanShiftStd !== null && Math.abs(meanShiftStd) >= NOTABLE_SHIFT_STD) ||
      (rate !== null && previousRate !== null && Math.abs(rate - previousRate) >= NOTABLE_NULL_RATE) ||
      newCategories.length > 0 ||
      goneCategories.length > 0;
    columns.push({
      name, change, type: now.column.type, previousType: then?.column.type ?? null, nullRate: rate, previousNullRate: previousRate,
      mean, previousMean, meanShiftStd, newCategories, goneCategories, notable,
    });
  }
  for (const [name, then] of before) {
    if (after.has(name)) continue;
    columns.push({
      name, change: 'removed', type: then.column.type, previousType: then.column.type, nullRate: null, previousNullRate: nullRate(then.column, previous.rows),
      mean: null, previousMean: then.stats?.kind === 'numeric' ? then.stats.mean : null, meanShiftStd: null, newCategories: [], goneCategories: [], notable: true,
    });
  }
  return { previous, rowsDelta: selected.rows - previous.rows, columns, notableCount: columns.filter((c) => c.notable).length };
}
