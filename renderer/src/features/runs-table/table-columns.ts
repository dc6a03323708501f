/**
 * The runs table's columns: fixed run attributes, then the metrics, params and tags the user
 * picked. Each column knows its width, its alignment and the sort key the server understands.
 */

export type DataColumnKind = 'metric' | 'param' | 'tag';

import type { ColumnChoice } from '../../../../shared/run-columns';

export { byUsefulness, defaultColumns, DEFAULT_METRIC_COLUMNS, DEFAULT_PARAM_COLUMNS, type ColumnChoice, type ExperimentKeys } from '../../../../shared/run-columns';

export interface RunSort {
  /** The search grammar's name: `attributes.start_time`, `metrics.loss`, params.`my key`, ... */
  column: string;
  ascending: boolean;
}

interface ColumnBase {
  id: string;
  label: string;
  width: number;
  /** The user dragged this column to `width`; it no longer stretches. */
  resized?: boolean;
  /** Right-aligned in monospace: metrics and times always, params and tags whose values are all numbers. */
  numeric?: boolean;
}

export type TableColumn =
  | (ColumnBase & { kind: 'select' })
  | (ColumnBase & { kind: 'name' | 'status' | 'start' | 'duration' | 'models'; sortKey: string | null })
  | (ColumnBase & { kind: DataColumnKind; key: string; sortKey: string });

export const MIN_COLUMN_WIDTH = 64;
export const MAX_COLUMN_WIDTH = 720;

export const EMPTY_CHOICE: ColumnChoice = { metrics: [], params: [], tags: [] };

/** Keys that the grammar reads unquoted: `metrics.train/loss`, `params.lr-decay`. */
const PLAIN_KEY = /^[\p{L}_][\p{L}\p{M}\p{N}_.\-/:]*$/u;

/** `metrics.loss`, or metrics.`val loss` when the key needs quoting (a backtick inside is doubled). */
export function sortKeyFor(kind: DataColumnKind, key: string): string {
  const prefix = kind === 'metric' ? 'metrics' : kind === 'param' ? 'params' : 'tags';
  return PLAIN_KEY.test(key) ? `${prefix}.${key}` : `${prefix}.\`${key.replaceAll('`', '``')}\``;
}

/** Start time descending is what the server does when no sort is given. */
export const DEFAULT_SORT: RunSort = { column: 'attributes.start_time', ascending: false };

const SELECT_WIDTH = 40;
/** Data columns shrink to this so a laptop screen shows four of them beside the run attributes. */
const DATA_WIDTH = 96;
const DATA_MAX_WIDTH = 150;

/** The table's columns for a column choice, in display order: metrics, then params, then tags. */
export function tableColumns(choice: ColumnChoice, widths: Readonly<Record<string, number>> = {}, options: { models?: boolean } = {}): TableColumn[] {
  const columns: TableColumn[] = [
    { id: 'select', kind: 'select', label: 'Select', width: SELECT_WIDTH },
    { id: 'name', kind: 'name', label: 'Run', width: 180, sortKey: 'attributes.run_name' },
    { id: 'status', kind: 'status', label: 'Status', width: 112, sortKey: 'attributes.status' },
    { id: 'start', kind: 'start', label: 'Started', width: 152, sortKey: 'attributes.start_time' },
    // The server cannot order by end minus start, so duration is the one column without a sort.
    { id: 'duration', kind: 'duration', label: 'Duration', width: 88, sortKey: null },
  ];
  // As MLflow's "Models" column: the registered versions a run became, with their aliases.
  if (options.models) columns.push({ id: 'models', kind: 'models', label: 'Models', width: 170, sortKey: null });
  const add = (kind: DataColumnKind, keys: string[]) => {
    for (const key of keys) columns.push({ id: `${kind}:${key}`, kind, key, label: key, width: DATA_WIDTH, sortKey: sortKeyFor(kind, key) });
  };
  add('metric', choice.metrics);
  add('param', choice.params);
  add('tag', choice.tags);
  for (const column of columns) column.numeric = column.kind === 'metric' || column.kind === 'start' || column.kind === 'duration';
  return columns.map((column) => (widths[column.id] ? { ...column, width: widths[column.id]!, resized: true } : column));
}

/** CSS grid columns: data columns grow to DATA_MAX_WIDTH, then the run name takes the room left over. */
export function gridTemplate(columns: TableColumn[]): { template: string; minWidth: number } {
  const track = (c: TableColumn) => {
    if (c.resized) return `${c.width}px`;
    if (c.kind === 'name') return `minmax(${c.width}px, 1fr)`;
    return 'key' in c ? `minmax(${c.width}px, ${DATA_MAX_WIDTH}px)` : `${c.width}px`;
  };
  const template = columns.map(track).join(' ');
  return { template, minWidth: columns.reduce((sum, c) => sum + c.width, 0) };
}

export function sameChoice(a: ColumnChoice, b: ColumnChoice): boolean {
  const same = (x: string[], y: string[]) => x.length === y.length && x.every((v, i) => v === y[i]);
  return same(a.metrics, b.metrics) && same(a.params, b.params) && same(a.tags, b.tags);
}

export function choiceSize(choice: ColumnChoice): number {
  return choice.metrics.length + choice.params.length + choice.tags.length;
}
