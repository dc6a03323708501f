import { useEffect, useRef, type PointerEvent as ReactPointerEvent } from 'react';
import { Icon } from './icons';
import { DEFAULT_SORT, type RunSort, type TableColumn } from './table-columns';

export const HEADER_HEIGHT = 44;

const KIND_LABEL = { metric: 'metric', param: 'param', tag: 'tag' } as const;

interface GridHeaderProps {
  columns: TableColumn[];
  sort: RunSort | null;
  /** 'none' | 'some' | 'all' of the matching runs. */
  selectionState: 'none' | 'some' | 'all';
  canSelect: boolean;
  onSort(sort: RunSort): void;
  onSelectAll(): void;
  /** A width while dragging (`done` false), then `done` true; null resets the column to its default. */
  onResize(columnId: string, width: number | null | undefined, done: boolean): void;
}

/** Drag to resize; double-click to give the column its default width back. */
function ResizeHandle({ column, onResize }: { column: TableColumn; onResize: GridHeaderProps['onResize'] }) {
  const onPointerDown = (event: ReactPointerEvent<HTMLSpanElement>) => {
    event.preventDefault();
    const handle = event.currentTarget;
    const startWidth = handle.parentElement!.getBoundingClientRect().width;
    const startX = event.clientX;
    handle.setPointerCapture(event.pointerId);
    const move = (moved: PointerEvent) => onResize(column.id, startWidth + moved.clientX - startX, false);
    const end = () => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', end);
      handle.removeEventListener('pointercancel', end);
      onResize(column.id, undefined, true);
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', end);
    handle.addEventListener('pointercancel', end);
  };
  return (
    <span
      role="separator"
      aria-orientation="vertical"
      aria-label={`Resize ${column.label}`}
      title="Drag to resize, double-click to reset"
      className="rt-resize"
      onPointerDown={onPointerDown}
      onClick={(event) => event.stopPropagation()}
      onDoubleClick={() => onResize(column.id, null, true)}
    />
  );
}

function SelectAllBox({ state, disabled, onClick }: { state: GridHeaderProps['selectionState']; disabled: boolean; onClick(): void }) {
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = state === 'some';
  }, [state]);
  return (
    <input
      ref={ref}
      type="checkbox"
      disabled={disabled}
      checked={state === 'all'}
      aria-label={state === 'all' ? 'Clear selection' : 'Select all matching runs'}
      title={state === 'all' ? 'Clear selection' : 'Select all matching runs'}
      onChange={onClick}
    />
  );
}

/** Sticky header row; clicking a sortable header sorts by it, clicking again flips the direction. */
export function GridHeader({ columns, sort, selectionState, canSelect, onSort, onSelectAll, onResize }: GridHeaderProps) {
  const effective = sort ?? DEFAULT_SORT;
  return (
    <div role="row" aria-rowindex={1} className="rt-header">
      {columns.map((column) => {
        if (column.kind === 'select') {
          return (
            <div role="columnheader" key={column.id} className="rt-hcell rt-select rt-sticky">
              <SelectAllBox state={selectionState} disabled={!canSelect} onClick={onSelectAll} />
            </div>
          );
        }
        const numeric = column.numeric === true;
        const kindLabel = 'key' in column ? KIND_LABEL[column.kind] : null;
        const className = `rt-hcell ${numeric ? 'rt-num' : ''} ${column.kind === 'name' ? 'rt-sticky rt-name' : ''}`;
        const label = (
          <span className="rt-hlabel">
            {kindLabel && <span className={`rt-kind rt-kind-${column.kind}`}>{kindLabel}</span>}
            <span className="rt-hkey" title={column.label}>
              {column.label}
            </span>
          </span>
        );
        if (!column.sortKey) {
          return (
            <div role="columnheader" key={column.id} className={className} title={`${column.label} (not sortable)`}>
              {label}
              <ResizeHandle column={column} onResize={onResize} />
            </div>
          );
        }
        const active = effective.column === column.sortKey;
        const next: RunSort = { column: column.sortKey, ascending: active ? !effective.ascending : true };
        return (
          <div
            role="columnheader"
            key={column.id}
            className={`${className} ${active ? 'is-sorted' : ''}`}
            aria-sort={active ? (effective.ascending ? 'ascending' : 'descending') : 'none'}
          >
            <button
              type="button"
              className="rt-sort"
              aria-label={column.label}
              onClick={() => onSort(next)}
              title={`Sort by ${column.label} ${next.ascending ? 'ascending' : 'descending'}`}
            >
              {numeric && <SortArrow active={active} ascending={effective.ascending} />}
              {label}
              {!numeric && <SortArrow active={active} ascending={effective.ascending} />}
            </button>
            <ResizeHandle column={column} onResize={onResize} />
          </div>
        );
      })}
    </div>
  );
}

function SortArrow({ active, ascending }: { active: boolean; ascending: boolean }) {
  return (
    <span className={`rt-arrow ${active ? 'is-active' : ''}`} aria-hidden="true">
      <Icon name={active && ascending ? 'up' : 'down'} size={12} />
    </span>
  );
}
