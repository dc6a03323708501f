import { create } from 'zustand';
import { MAX_COLUMN_WIDTH, MIN_COLUMN_WIDTH } from './table-columns';
import { loadTablePrefs, saveTablePrefs } from './table-prefs';

/**
 * UI state of the runs table, apart from server data: which runs are selected, which row has the
 * keyboard focus, and the filter text being typed (applied only on Enter).
 *
 * "All matching" is a mode rather than a list of ids, so selecting 50,000 runs costs nothing;
 * rows unticked afterwards are kept as exceptions.
 */
export type Selection = { mode: 'ids'; ids: ReadonlySet<string> } | { mode: 'all'; except: ReadonlySet<string> };

/** The compare view charts every selected run; past this it stops being readable (and metrics.series takes 100). */
export const COMPARE_LIMIT = 100;

interface RunsUiState {
  selection: Selection;
  /** Row index a shift-click extends from. */
  anchor: number | null;
  focused: number | null;
  filterDraft: string;
  /** Column widths the user dragged, per column id (stored per experiment). */
  widths: Readonly<Record<string, number>>;
}

const NONE: Selection = { mode: 'ids', ids: new Set() };

export const useRunsUi = create<RunsUiState>(() => ({ selection: NONE, anchor: null, focused: null, filterDraft: '', widths: {} }));

const set = useRunsUi.setState;

export function isSelected(selection: Selection, runId: string): boolean {
  return selection.mode === 'ids' ? selection.ids.has(runId) : !selection.except.has(runId);
}

export function selectedCount(selection: Selection, total: number | null): number {
  return selection.mode === 'ids' ? selection.ids.size : Math.max(0, (total ?? 0) - selection.except.size);
}

function withRuns(selection: Selection, runIds: string[], selected: boolean): Selection {
  if (selection.mode === 'ids') {
    const ids = new Set(selection.ids);
    for (const id of runIds) {
      if (selected) ids.add(id);
      else ids.delete(id);
    }
    return { mode: 'ids', ids };
  }
  const except = new Set(selection.except);
  for (const id of runIds) {
    if (selected) except.delete(id);
    else except.add(id);
  }
  return { mode: 'all', except };
}

export function toggleRun(runId: string, index: number): void {
  set((state) => ({ selection: withRuns(state.selection, [runId], !isSelected(state.selection, runId)), anchor: index }));
}

/** Shift-click: the rows between the anchor and `index` take the clicked row's new state. */
export function setRuns(runIds: string[], selected: boolean, anchor: number): void {
  set((state) => ({ selection: withRuns(state.selection, runIds, selected), anchor }));
}

export function selectAllMatching(): void {
  set({ selection: { mode: 'all', except: new Set() } });
}

export function clearSelection(): void {
  set({ selection: NONE, anchor: null });
}

/** Rows inserted above moved every index down by `count`; the focus and shift-click anchor follow their runs. */
export function shiftRows(count: number): void {
  set((state) => ({ focused: state.focused === null ? null : state.focused + count, anchor: state.anchor === null ? null : state.anchor + count }));
}

export function setFocused(index: number | null): void {
  set({ focused: index });
}

export function setFilterDraft(filterDraft: string): void {
  set({ filterDraft });
}

/** A new experiment starts with nothing selected, an empty filter and its own column widths. */
export function resetUi(experimentId: string): void {
  set({ selection: NONE, anchor: null, focused: null, filterDraft: '', widths: loadTablePrefs(experimentId).widths ?? {} });
}

export function setColumnWidth(columnId: string, width: number | null): void {
  set((state) => {
    const { [columnId]: _previous, ...rest } = state.widths;
    return { widths: width === null ? rest : { ...rest, [columnId]: Math.round(Math.min(MAX_COLUMN_WIDTH, Math.max(MIN_COLUMN_WIDTH, width))) } };
  });
}

export function saveColumnWidths(experimentId: string): void {
  saveTablePrefs(experimentId, { widths: useRunsUi.getState().widths });
}

/** "All matching" means the old filter's matches; after a new filter it would silently mean others. */
export function dropAllMatching(): void {
  set((state) => (state.selection.mode === 'all' ? { selection: NONE, anchor: null } : state));
}
