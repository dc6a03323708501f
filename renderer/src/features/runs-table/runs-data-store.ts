import { create } from 'zustand';
import type { RunRow } from '../../../../shared/app-api/entities';
import { ApiError, call } from '../../api/app-client';
import { defaultColumns, EMPTY_CHOICE, sameChoice, tableColumns, type ColumnChoice, type ExperimentKeys, type RunSort } from './table-columns';
import { clearStoredColumns, loadKnownKeys, loadTablePrefs, saveKnownKeys, saveTablePrefs } from './table-prefs';

/**
 * Server data of the runs table: the rows of one query, held as windows of WINDOW_SIZE rows that
 * are fetched as the user scrolls. Only the windows near the viewport are kept, so 50,000 runs
 * cost what 200 do. UI state (selection, focus, drafts) lives in runs-ui-store.
 */

export const WINDOW_SIZE = 200;
/** About 2,400 rows: several screens either way of the viewport, a few hundred KB of memory. */
const MAX_CACHED_WINDOWS = 12;
/** Rows beyond the viewport edge that already pull in the neighbouring window. */
const PREFETCH_ROWS = 60;

export interface RunsQuery {
  experimentId: string;
  filter: string;
  sort: RunSort | null;
  columns: ColumnChoice;
}

export interface FilterProblem {
  message: string;
  /** 0-based offset into the filter text, when the parser names one. */
  position: number | null;
  filter: string;
}

interface RunsDataState {
  query: RunsQuery | null;
  /** Rows matching the query; null until the first answer. */
  total: number | null;
  windows: ReadonlyMap<number, RunRow[]>;
  /** A changed query is being fetched; the previous rows stay on screen until it answers. */
  switching: boolean;
  /** The query being fetched, so controls show the user's latest choice at once. */
  pending: RunsQuery | null;
  loadError: string | null;
  filterError: FilterProblem | null;
  /** Every param, metric and tag key of the experiment, for the column picker, and which differ between runs. */
  available: ExperimentKeys | null;
  /** True once the user picked columns for this experiment; until then defaults follow new keys. */
  customColumns: boolean;
  /** Bumped when a new query replaces the rows, so the grid scrolls back to the top. */
  scrollEpoch: number;
}

export const useRunsData = create<RunsDataState>(() => ({
  query: null,
  total: null,
  windows: new Map(),
  switching: false,
  pending: null,
  loadError: null,
  filterError: null,
  available: null,
  customColumns: false,
  scrollEpoch: 0,
}));

/** The query the user asked for last: the one on its way, else the one shown. */
export const latestQuery = (state: RunsDataState) => state.pending ?? state.query;

const set = useRunsData.setState;
const get = useRunsData.getState;

/** Answers of an older query are dropped by comparing generations. */
let generation = 0;
const inflight = new Set<number>();
let visible = { start: 0, end: 0 };

const windowOf = (index: number) => Math.floor(index / WINDOW_SIZE);

export function rowAt(windows: ReadonlyMap<number, RunRow[]>, index: number): RunRow | undefined {
  return windows.get(windowOf(index))?.[index % WINDOW_SIZE];
}

function pageInput(query: RunsQuery, offset: number, limit: number, columns = query.columns) {
  return {
    experimentIds: [query.experimentId],
    ...(query.filter.trim() ? { filter: query.filter } : {}),
    ...(query.sort ? { sort: [query.sort] } : {}),
    offset,
    limit,
    columns,
  };
}

function fetchWindow(query: RunsQuery, index: number) {
  return call('runs.page', pageInput(query, index * WINDOW_SIZE, WINDOW_SIZE));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function filterProblem(error: unknown, filter: string): FilterProblem | null {
  if (!(error instanceof ApiError) || !error.message.includes("parameter 'filter'")) return null;
  const position = /at position (\d+)/.exec(error.message);
  return { message: error.message, position: position ? Number(position[1]) : null, filter };
}

/** Windows covering the viewport (at least the first one). */
function visibleWindows(total: number | null): number[] {
  const last = total === null ? 0 : Math.max(0, windowOf(Math.max(0, total - 1)));
  const from = Math.min(last, windowOf(visible.start));
  const to = Math.min(last, windowOf(visible.end));
  const indexes: number[] = [];
  for (let i = from; i <= to; i++) indexes.push(i);
  return indexes;
}

function evict(windows: Map<number, RunRow[]>): void {
  const center = windowOf((visible.start + visible.end) / 2);
  const byDistance = [...windows.keys()].sort((a, b) => Math.abs(b - center) - Math.abs(a - center));
  while (windows.size > MAX_CACHED_WINDOWS) windows.delete(byDistance.shift()!);
}

/**
 * Fetches `next` and swaps it in atomically, so a sort or filter change never flashes empty rows.
 * `keepPosition` refetches the windows on screen (column changes); otherwise the table starts at the top.
 */
async function runQuery(next: RunsQuery, keepPosition: boolean): Promise<void> {
  const gen = ++generation;
  inflight.clear();
  const indexes = keepPosition ? visibleWindows(get().total) : [0];
  set({ switching: true, pending: next, loadError: null });
  try {
    const pages = await Promise.all(indexes.map((index) => fetchWindow(next, index)));
    if (gen !== generation) return;
    const windows = new Map(indexes.map((index, k) => [index, pages[k]!.rows]));
    set((state) => ({
      query: next,
      total: pages[pages.length - 1]!.total,
      windows,
      switching: false,
      pending: null,
      filterError: null,
      scrollEpoch: keepPosition ? state.scrollEpoch : state.scrollEpoch + 1,
    }));
  } catch (error) {
    if (gen !== generation) return;
    const problem = filterProblem(error, next.filter);
    set(problem ? { switching: false, pending: null, filterError: problem } : { switching: false, pending: null, loadError: messageOf(error) });
  }
}

async function loadColumns(experimentId: string): Promise<ExperimentKeys> {
  const available = await call('runs.columns', { experimentIds: [experimentId] });
  saveKnownKeys(experimentId, available);
  if (get().query?.experimentId === experimentId) set({ available });
  return available;
}

/** Opens an experiment's table: stored columns and sort, else defaults picked from its keys. */
export async function openExperiment(experimentId: string): Promise<void> {
  const gen = ++generation;
  inflight.clear();
  visible = { start: 0, end: 0 };
  const prefs = loadTablePrefs(experimentId);
  const base: RunsQuery = { experimentId, filter: '', sort: prefs.sort ?? null, columns: prefs.columns ?? EMPTY_CHOICE };
  set({ query: base, total: null, windows: new Map(), switching: false, pending: null, loadError: null, filterError: null, available: null, customColumns: !!prefs.columns });
  try {
    const known = loadKnownKeys(experimentId);
    if (!prefs.columns && !known) {
      // A first visit: the server picks the default columns from the keys and sends both with the rows.
      const page = await call('runs.page', { ...pageInput(base, 0, WINDOW_SIZE), pickColumns: true });
      if (gen !== generation) return;
      const { columns, keys } = page.picked!;
      saveKnownKeys(experimentId, keys);
      set((state) => ({ query: { ...base, columns }, available: keys, total: page.total, windows: new Map([[0, page.rows]]), scrollEpoch: state.scrollEpoch + 1 }));
      return;
    }
    // With stored columns, or keys seen on an earlier visit, the rows go first: the server answers
    // one request at a time, and listing keys scans every run of the experiment.
    const columns = prefs.columns ?? defaultColumns(known!);
    const query = { ...base, columns };
    const page = await fetchWindow(query, 0);
    if (gen !== generation) return;
    set((state) => ({ query, total: page.total, windows: new Map([[0, page.rows]]), scrollEpoch: state.scrollEpoch + 1 }));
    const available = await loadColumns(experimentId);
    // Keys remembered from the last visit may be out of date: the fresh list decides the defaults.
    if (gen === generation) await followDefaults(experimentId, available);
  } catch (error) {
    if (gen === generation) set({ loadError: messageOf(error) });
  }
}

/** Called by the grid with the rows on screen; fetches the windows that are missing. */
export function ensureRange(start: number, end: number): void {
  visible = { start, end };
  const { query, total, windows, switching } = get();
  if (!query || total === null || switching || total === 0) return;
  const last = windowOf(total - 1);
  const from = Math.max(0, windowOf(start - PREFETCH_ROWS));
  const to = Math.min(last, windowOf(end + PREFETCH_ROWS));
  for (let index = from; index <= to; index++) {
    if (!windows.has(index) && !inflight.has(index)) void loadWindow(query, index);
  }
}

async function loadWindow(query: RunsQuery, index: number): Promise<void> {
  const gen = generation;
  inflight.add(index);
  try {
    const page = await fetchWindow(query, index);
    if (gen !== generation) return;
    set((state) => {
      // A different total means runs came or went: rows of other windows may have shifted.
      const windows = page.total === state.total ? new Map(state.windows) : new Map<number, RunRow[]>();
      windows.set(index, page.rows);
      evict(windows);
      return { windows, total: page.total };
    });
  } catch (error) {
    if (gen === generation) set({ loadError: messageOf(error) });
  } finally {
    if (gen === generation) inflight.delete(index);
  }
}

/** Live update: refetches the windows on screen and the total; other cached windows are dropped as stale. */
export async function refreshVisible(): Promise<void> {
  const { query, total, switching } = get();
  if (!query || switching) return;
  const gen = generation;
  const indexes = visibleWindows(total);
  try {
    const pages = await Promise.all(indexes.map((index) => fetchWindow(query, index)));
    if (gen !== generation) return;
    set({ total: pages[0]!.total, windows: new Map(indexes.map((index, k) => [index, pages[k]!.rows])), loadError: null });
  } catch (error) {
    if (gen === generation) set({ loadError: messageOf(error) });
  }
}

/** Refetches the experiment's keys; while the user has not picked columns, new keys may join the defaults. */
export async function refreshColumns(): Promise<void> {
  const query = get().query;
  if (!query) return;
  await followDefaults(query.experimentId, await loadColumns(query.experimentId));
}

/** While the user has not picked columns, the defaults follow the experiment's keys. */
async function followDefaults(experimentId: string, available: ExperimentKeys): Promise<void> {
  const current = get();
  const latest = latestQuery(current);
  if (current.customColumns || !latest || latest.experimentId !== experimentId) return;
  const columns = defaultColumns(available);
  if (!sameChoice(columns, latest.columns)) await runQuery({ ...latest, columns }, true);
}

export function applyFilter(filter: string): Promise<void> {
  const query = latestQuery(get());
  if (!query) return Promise.resolve();
  return runQuery({ ...query, filter: filter.trim() }, false);
}

export function setFilterError(problem: FilterProblem | null): void {
  set({ filterError: problem });
}

export function applySort(sort: RunSort | null): Promise<void> {
  const query = latestQuery(get());
  if (!query) return Promise.resolve();
  saveTablePrefs(query.experimentId, { sort });
  return runQuery({ ...query, sort }, false);
}

export function applyColumns(columns: ColumnChoice, custom = true): Promise<void> {
  const query = latestQuery(get());
  if (!query) return Promise.resolve();
  if (custom) saveTablePrefs(query.experimentId, { columns });
  else clearStoredColumns(query.experimentId);
  set({ customColumns: custom });
  // A sort on a column that is no longer shown would order rows by something invisible.
  const sortKeys = new Set(tableColumns(columns).map((column) => ('sortKey' in column ? column.sortKey : null)));
  const sort = query.sort && !sortKeys.has(query.sort.column) ? null : query.sort;
  if (sort !== query.sort) saveTablePrefs(query.experimentId, { sort });
  return runQuery({ ...query, columns, sort }, sort === query.sort);
}

/** Back to the default columns for the experiment's keys, forgetting the stored choice. */
export function resetColumns(): Promise<void> {
  const { available } = get();
  return available ? applyColumns(defaultColumns(available), false) : Promise.resolve();
}

/** Run ids of rows `from..to` (inclusive) in table order, from the cache when loaded, else fetched. */
export async function runIdsInRange(from: number, to: number): Promise<string[]> {
  const { query, windows } = get();
  if (!query) return [];
  const ids: string[] = [];
  for (let index = from; index <= to; index++) {
    const row = rowAt(windows, index);
    if (!row) break;
    ids.push(row.runId);
  }
  if (ids.length === to - from + 1) return ids;
  const page = await call('runs.page', pageInput(query, from, Math.min(5000, to - from + 1), EMPTY_CHOICE));
  return page.rows.map((row) => row.runId);
}

export function retry(): void {
  const query = get().query;
  if (!query) return;
  if (get().total === null) void openExperiment(query.experimentId);
  else void runQuery(query, true);
}
