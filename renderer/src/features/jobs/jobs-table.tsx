import { createColumnHelper, flexRender, getCoreRowModel, useReactTable, type VisibilityState } from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState } from 'react';
import type { JobSummary } from '../../../../shared/app-api/jobs';
import { navigate, routeHref } from '../../app/router';
import { formatDuration, formatRelative, formatTime } from '../../components/format';
import { JobStatusBadge, outcomeText, workerLabel } from './job-status';

const ROW_HEIGHT = 36;
const column = createColumnHelper<JobSummary>();

function useClock(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

function columns(now: number) {
  return [
    column.accessor('status', { header: 'Status', cell: (c) => <JobStatusBadge status={c.getValue()} />, size: 136 }),
    column.accessor('kind', { header: 'Kind', cell: (c) => <span className="job-kind">{c.getValue()}</span>, size: 90 }),
    column.accessor('name', {
      header: 'Name',
      cell: (c) => (
        <a href={routeHref({ view: 'jobs', jobId: c.row.original.id })} className="job-name" title={c.getValue()}>
          {c.getValue()}
        </a>
      ),
      size: 200,
    }),
    column.accessor('runId', {
      header: 'Run',
      cell: (c) => {
        const runId = c.getValue();
        return runId ? (
          <a href={routeHref({ view: 'run', runId })} className="mono" title={runId} onClick={(event) => event.stopPropagation()}>
            {runId.slice(0, 8)}
          </a>
        ) : (
          <span className="muted">—</span>
        );
      },
      size: 90,
    }),
    column.display({ id: 'attempts', header: 'Attempts', cell: (c) => `${c.row.original.attempts} / ${c.row.original.maxAttempts}`, size: 100 }),
    column.accessor('workerId', { header: 'Worker', cell: (c) => <span title={c.getValue() ?? ''}>{workerLabel(c.getValue())}</span>, size: 140 }),
    column.accessor('startedAt', { header: 'Started', cell: (c) => <span title={formatTime(c.getValue())}>{formatRelative(c.getValue(), now)}</span>, size: 100 }),
    column.display({ id: 'duration', header: 'Duration', cell: (c) => formatDuration(c.row.original.startedAt, c.row.original.endedAt ?? (c.row.original.status === 'running' ? null : c.row.original.startedAt), now), size: 90 }),
    column.display({ id: 'outcome', header: 'Exit / reason', cell: (c) => <span className="job-outcome" title={outcomeText(c.row.original)}>{outcomeText(c.row.original) || '—'}</span>, size: 200 }),
  ];
}

/** The jobs, newest first: a virtualised table (only the rows in view are in the DOM); a row opens its drawer. */
export function JobsTable({ jobs, selectedId }: { jobs: JobSummary[]; selectedId: string | null }) {
  const now = useClock(jobs.some((job) => job.status === 'running'));
  // Beside the drawer (which shows them all) the table keeps the columns that tell jobs apart.
  const columnVisibility: VisibilityState = selectedId ? { kind: false, runId: false, workerId: false, startedAt: false } : {};
  const table = useReactTable({ data: jobs, columns: columns(now), state: { columnVisibility }, getCoreRowModel: getCoreRowModel(), getRowId: (job) => job.id });
  const visible = table.getVisibleLeafColumns().length;
  const scrollRef = useRef<HTMLDivElement>(null);
  const rows = table.getRowModel().rows;
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const items = virtualizer.getVirtualItems();
  const padTop = items[0]?.start ?? 0;
  const padBottom = virtualizer.getTotalSize() - (items[items.length - 1]?.end ?? 0);
  return (
    <div ref={scrollRef} className="jobs-scroll" data-testid="jobs-table">
      <table className="data-table jobs-table">
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => (
                <th key={header.id} style={{ width: header.getSize() }}>
                  {flexRender(header.column.columnDef.header, header.getContext())}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody>
          {padTop > 0 && (
            <tr aria-hidden="true">
              <td colSpan={visible} style={{ height: padTop, padding: 0, border: 0 }} />
            </tr>
          )}
          {items.map((item) => {
            const row = rows[item.index]!;
            return (
              <tr
                key={row.id}
                className={`clickable${row.id === selectedId ? ' selected' : ''}`}
                data-testid="job-row"
                data-job-id={row.id}
                style={{ height: ROW_HEIGHT }}
                onClick={(event) => (event.target as HTMLElement).closest('a') === null && navigate({ view: 'jobs', jobId: row.id })}
              >
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</td>
                ))}
              </tr>
            );
          })}
          {padBottom > 0 && (
            <tr aria-hidden="true">
              <td colSpan={visible} style={{ height: padBottom, padding: 0, border: 0 }} />
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
