import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { navigate } from '../../app/router';
import { GridHeader, HEADER_HEIGHT } from './grid-header';
import { ROW_HEIGHT, RunRow } from './run-row';
import { applySort, ensureRange, latestQuery, rowAt, runIdsInRange, useRunsData } from './runs-data-store';
import { clearSelection, isSelected, saveColumnWidths, selectAllMatching, selectedCount, setColumnWidth, setFocused, setRuns, toggleRun, useRunsUi } from './runs-ui-store';
import { withNumericColumns } from './cell-format';
import { EMPTY_CHOICE, gridTemplate, tableColumns } from './table-columns';
import { useGridScroll } from './use-grid-scroll';

/** Shown while the first answer is on the way, so the table's shape appears at once. */
const SKELETON_ROWS = 14;

function useClock(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

/**
 * The virtualised runs grid: one sticky header and only the rows in view (plus overscan) in the
 * DOM. Keyboard: ↑/↓/PageUp/PageDown/Home/End move the focused row, Enter opens it, Space selects it.
 */
export function RunsGrid({ experimentId, onFirstRows }: { experimentId: string; onFirstRows(ready: boolean): void }) {
  const query = useRunsData((s) => s.query);
  const requestedSort = useRunsData((s) => latestQuery(s)?.sort ?? null);
  const total = useRunsData((s) => s.total);
  const windows = useRunsData((s) => s.windows);
  const scrollEpoch = useRunsData((s) => s.scrollEpoch);
  const selection = useRunsUi((s) => s.selection);
  const focused = useRunsUi((s) => s.focused);
  const anchor = useRunsUi((s) => s.anchor);
  const widths = useRunsUi((s) => s.widths);
  const scrollRef = useRef<HTMLDivElement>(null);

  const hasModels = useRunsData((s) => s.available?.hasModels === true);
  // Shown once the experiment has a registered version: known from runs.columns, or from rows already loaded.
  const showModels = hasModels || [...windows.values()].some((rows) => rows.some((row) => (row.models?.length ?? 0) > 0));
  const columns = useMemo(() => withNumericColumns(tableColumns(query?.columns ?? EMPTY_CHOICE, widths, { models: showModels }), windows), [query, widths, windows, showModels]);
  const { template, minWidth } = gridTemplate(columns);
  const count = total ?? SKELETON_ROWS;

  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    scrollMargin: HEADER_HEIGHT,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;

  useEffect(() => {
    if (total !== null) ensureRange(first, last);
  }, [first, last, total, windows, query]);

  const onScroll = useGridScroll(scrollRef, experimentId, query, total, scrollEpoch);

  const firstRowsShown = total !== null && (total === 0 || (items.length > 0 && rowAt(windows, first) !== undefined));
  useEffect(() => onFirstRows(firstRowsShown), [firstRowsShown, onFirstRows]);

  const running = total !== null && items.some((item) => rowAt(windows, item.index)?.status === 'RUNNING');
  const now = useClock(running);

  const onToggle = useCallback(
    (index: number, runId: string, shift: boolean) => {
      if (!shift || anchor === null || anchor === index) return toggleRun(runId, index);
      const selected = !isSelected(useRunsUi.getState().selection, runId);
      void runIdsInRange(Math.min(anchor, index), Math.max(anchor, index)).then((ids) => setRuns(ids, selected, index));
    },
    [anchor],
  );
  const onFocusRow = useCallback((index: number, event: MouseEvent) => {
    setFocused(index);
    // Keep the keyboard on the grid after ticking a box, so ↑/↓/Space go on working.
    if ((event.target as HTMLElement).matches('input[type=checkbox]')) {
      event.preventDefault();
      scrollRef.current?.focus({ preventScroll: true });
    }
  }, []);

  const scrollRowIntoView = (index: number) => {
    const element = scrollRef.current;
    if (!element) return;
    const top = HEADER_HEIGHT + index * ROW_HEIGHT;
    if (top - HEADER_HEIGHT < element.scrollTop) element.scrollTop = top - HEADER_HEIGHT;
    else if (top + ROW_HEIGHT > element.scrollTop + element.clientHeight) element.scrollTop = top + ROW_HEIGHT - element.clientHeight;
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (total === null || total === 0 || (event.target as HTMLElement).closest('.rt-header')) return;
    const page = Math.max(1, Math.floor(((scrollRef.current?.clientHeight ?? 400) - HEADER_HEIGHT) / ROW_HEIGHT) - 1);
    const current = focused ?? -1;
    const moves: Record<string, number> = {
      ArrowDown: current + 1,
      ArrowUp: Math.max(0, current - 1),
      PageDown: current + page,
      PageUp: current - page,
      Home: 0,
      End: total - 1,
    };
    if (event.key in moves) {
      event.preventDefault();
      const next = Math.min(total - 1, Math.max(0, moves[event.key]!));
      setFocused(next);
      scrollRowIntoView(next);
      return;
    }
    const run = focused === null ? undefined : rowAt(windows, focused);
    if (event.key === 'Enter' && run) {
      event.preventDefault();
      navigate({ view: 'run', runId: run.runId });
    } else if (event.key === ' ' && run && focused !== null) {
      event.preventDefault();
      onToggle(focused, run.runId, event.shiftKey);
    } else if (event.key === 'a' && (event.metaKey || event.ctrlKey)) {
      event.preventDefault();
      selectAllMatching();
    } else if (event.key === 'Escape' && selectedCount(selection, total) > 0) {
      clearSelection();
    }
  };

  const selectedNow = selectedCount(selection, total);
  const selectionState = selectedNow === 0 ? 'none' : selection.mode === 'all' && selection.except.size === 0 ? 'all' : 'some';

  return (
    <div
      ref={scrollRef}
      className="rt-scroll"
      role="grid"
      tabIndex={0}
      aria-label="Runs"
      aria-rowcount={total === null ? -1 : total + 1}
      aria-multiselectable="true"
      aria-busy={total === null}
      aria-activedescendant={focused !== null && focused >= first && focused <= last ? `rt-row-${focused}` : undefined}
      onKeyDown={onKeyDown}
      onScroll={onScroll}
      onFocus={(event) => event.target === event.currentTarget && focused === null && total ? setFocused(first) : undefined}
      style={{ ['--rt-template' as string]: template, ['--rt-min-width' as string]: `${minWidth}px` }}
    >
      <GridHeader
        columns={columns}
        sort={requestedSort}
        selectionState={selectionState}
        canSelect={!!total}
        onSort={(sort) => void applySort(sort)}
        onSelectAll={() => (selectionState === 'all' ? clearSelection() : selectAllMatching())}
        onResize={(columnId, width, done) => {
          if (width !== undefined) setColumnWidth(columnId, width);
          if (done && query) saveColumnWidths(query.experimentId);
        }}
      />
      <div className="rt-body" style={{ height: virtualizer.getTotalSize() }}>
        {items.map((item) => {
          const run = total === null ? undefined : rowAt(windows, item.index);
          return (
            <RunRow
              key={item.index}
              index={item.index}
              run={run}
              columns={columns}
              top={item.start - HEADER_HEIGHT}
              selected={run ? isSelected(selection, run.runId) : false}
              focused={focused === item.index}
              now={run?.status === 'RUNNING' ? now : 0}
              onToggle={onToggle}
              onFocusRow={onFocusRow}
            />
          );
        })}
      </div>
    </div>
  );
}
