import type { RunRow } from '../../../../shared/app-api/entities';
import { formatDuration } from '../../components/format';
import type { TableColumn } from './table-columns';

const STATUS_LABEL: Record<RunRow['status'], string> = {
  RUNNING: 'Running',
  SCHEDULED: 'Scheduled',
  FINISHED: 'Finished',
  FAILED: 'Failed',
  KILLED: 'Killed',
};

export const statusLabel = (status: RunRow['status']) => STATUS_LABEL[status];

const sameYear = (ms: number) => new Date(ms).getFullYear() === new Date().getFullYear();

/** `Nov 27, 14:03:22`, with the year only when it is not this year: narrow enough for a column. */
export function formatStart(ms: number | null): string {
  if (ms === null) return '—';
  return new Date(ms).toLocaleString(undefined, {
    ...(sameYear(ms) ? {} : { year: 'numeric' }),
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  });
}

/** Live for running runs; a finished run without an end time has no duration to show. */
export function runDuration(row: RunRow, now: number): string {
  if (row.endTime === null && row.status !== 'RUNNING') return '—';
  return formatDuration(row.startTime, row.endTime, now);
}

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|infinity|nan)$/i;

const looksNumeric = (value: string) => NUMERIC.test(value.trim());

/**
 * Param and tag values are strings; a column whose loaded values all read as numbers (`lr`,
 * `batch_size`) aligns right like the metrics, so one column never mixes alignments.
 */
export function withNumericColumns(columns: TableColumn[], windows: ReadonlyMap<number, RunRow[]>): TableColumn[] {
  return columns.map((column) => {
    if (column.kind !== 'param' && column.kind !== 'tag') return column;
    const field = column.kind === 'param' ? 'params' : 'tags';
    let seen = false;
    for (const rows of windows.values()) {
      for (const row of rows) {
        const value = row[field][column.key];
        if (value === undefined) continue;
        if (!looksNumeric(value)) return column;
        seen = true;
      }
    }
    return seen ? { ...column, numeric: true } : column;
  });
}
