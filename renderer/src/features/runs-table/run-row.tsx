import { memo, type CSSProperties, type MouseEvent as ReactMouseEvent } from 'react';
import type { RunRow as Run } from '../../../../shared/app-api/entities';
import { routeHref } from '../../app/router';
import { formatMetric, formatTime } from '../../components/format';
import { formatStart, runDuration, statusLabel } from './cell-format';
import type { TableColumn } from './table-columns';

export const ROW_HEIGHT = 36;

interface RunRowProps {
  index: number;
  run: Run | undefined;
  columns: TableColumn[];
  top: number;
  selected: boolean;
  focused: boolean;
  /** Clock for running runs' durations. */
  now: number;
  onToggle(index: number, runId: string, shift: boolean): void;
  onFocusRow(index: number, event: ReactMouseEvent): void;
}

function DataCell({ column, run }: { column: Extract<TableColumn, { key: string }>; run: Run }) {
  if (column.kind === 'metric') {
    const value = run.metrics[column.key];
    return (
      <div role="gridcell" className="rt-cell rt-num" title={value === undefined ? `${column.key}: not logged` : `${column.key} = ${value}`}>
        {value === undefined ? <span className="rt-missing">—</span> : formatMetric(value)}
      </div>
    );
  }
  const value = column.kind === 'param' ? run.params[column.key] : run.tags[column.key];
  if (value === undefined) {
    return (
      <div role="gridcell" className={`rt-cell ${column.numeric ? 'rt-num' : ''}`}>
        <span className="rt-missing">—</span>
      </div>
    );
  }
  return (
    <div role="gridcell" className={`rt-cell ${column.numeric ? 'rt-num' : 'rt-text'}`} title={`${column.key} = ${value}`}>
      {value}
    </div>
  );
}

/** `churn v1 @champion`, each version a link to its page in the registry. */
function ModelsCell({ run }: { run: Run }) {
  const models = run.models ?? [];
  const label = (m: NonNullable<Run['models']>[number]) => `${m.name} v${m.version}${m.aliases.map((a) => ` @${a}`).join('')}`;
  return (
    <div role="gridcell" className="rt-cell rt-models" title={models.map(label).join(', ')}>
      {models.length === 0 ? (
        <span className="rt-missing">—</span>
      ) : (
        models.map((m, i) => (
          <span key={`${m.name}-${m.version}`}>
            {i > 0 && ', '}
            <a href={`${routeHref({ view: 'model', name: m.name })}?version=${encodeURIComponent(m.version)}`} tabIndex={-1}>
              {m.name} v{m.version}
            </a>
            {m.aliases.map((alias) => (
              <span key={alias} className="rt-alias">
                @{alias}
              </span>
            ))}
          </span>
        ))
      )}
    </div>
  );
}

function Cells({ run, columns, index, selected, now, onToggle }: Pick<RunRowProps, 'columns' | 'index' | 'selected' | 'now' | 'onToggle'> & { run: Run }) {
  return columns.map((column) => {
    switch (column.kind) {
      case 'select':
        return (
          <div role="gridcell" key={column.id} className="rt-cell rt-select rt-sticky">
            <input
              type="checkbox"
              tabIndex={-1}
              checked={selected}
              aria-label={`Select ${run.runName}`}
              onChange={(event) => onToggle(index, run.runId, (event.nativeEvent as MouseEvent).shiftKey === true)}
            />
          </div>
        );
      case 'name':
        return (
          <div role="gridcell" key={column.id} className="rt-cell rt-name rt-sticky">
            <a href={routeHref({ view: 'run', runId: run.runId })} tabIndex={-1} title={run.runName}>
              {run.runName || run.runId.slice(0, 8)}
            </a>
          </div>
        );
      case 'status':
        return (
          <div role="gridcell" key={column.id} className="rt-cell">
            <span className={`status status-${run.status.toLowerCase()}`}>{statusLabel(run.status)}</span>
          </div>
        );
      case 'start':
        return (
          <div role="gridcell" key={column.id} className="rt-cell rt-num" title={formatTime(run.startTime)}>
            {formatStart(run.startTime)}
          </div>
        );
      case 'duration':
        return (
          <div role="gridcell" key={column.id} className="rt-cell rt-num">
            {runDuration(run, now)}
          </div>
        );
      case 'models':
        return <ModelsCell key={column.id} run={run} />;
      default:
        return <DataCell key={column.id} column={column} run={run} />;
    }
  });
}

function PlaceholderCells({ columns }: { columns: TableColumn[] }) {
  return columns.map((column) => (
    <div role="gridcell" key={column.id} className={`rt-cell ${column.kind === 'select' || column.kind === 'name' ? 'rt-sticky' : ''}`}>
      {column.kind !== 'select' && <span className="rt-skeleton" style={{ width: column.kind === 'name' ? '55%' : '60%' }} />}
    </div>
  ));
}

/** One row of the virtual grid: a loaded run, or a placeholder while its window is on the way. */
export const RunRow = memo(function RunRow(props: RunRowProps) {
  const { index, run, top, selected, focused, onFocusRow } = props;
  const style: CSSProperties = { transform: `translateY(${top}px)` };
  const className = ['rt-row', selected && 'is-selected', focused && 'is-focused', !run && 'is-placeholder'].filter(Boolean).join(' ');
  return (
    <div
      role="row"
      id={`rt-row-${index}`}
      aria-rowindex={index + 2}
      aria-selected={run ? selected : undefined}
      aria-busy={run ? undefined : true}
      className={className}
      style={style}
      data-run-id={run?.runId}
      onMouseDown={(event) => onFocusRow(index, event)}
    >
      {run ? <Cells {...props} run={run} /> : <PlaceholderCells columns={props.columns} />}
    </div>
  );
});
