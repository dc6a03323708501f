import type { ColumnChoice, ExperimentKeys, RunSort } from './table-columns';

/** What the user chose for one experiment's table, kept across reloads in localStorage. */
export interface TablePrefs {
  columns?: ColumnChoice;
  sort?: RunSort | null;
  /** Column id → width in px, for columns the user resized. */
  widths?: Record<string, number>;
}

const key = (experimentId: string) => `mldesk.runs-table.${experimentId}`;

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function parseColumns(value: unknown): ColumnChoice | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { metrics, params, tags } = value as Record<string, unknown>;
  return isStringArray(metrics) && isStringArray(params) && isStringArray(tags) ? { metrics, params, tags } : undefined;
}

function parseWidths(value: unknown): Record<string, number> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const entries = Object.entries(value).filter((entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1]));
  return Object.fromEntries(entries);
}

function parseSort(value: unknown): RunSort | null | undefined {
  if (value === null) return null;
  if (typeof value !== 'object') return undefined;
  const { column, ascending } = value as Record<string, unknown>;
  return typeof column === 'string' && typeof ascending === 'boolean' ? { column, ascending } : undefined;
}

/** Stored prefs, ignoring anything malformed (an older app version, a hand edit). */
export function loadTablePrefs(experimentId: string): TablePrefs {
  try {
    const raw = localStorage.getItem(key(experimentId));
    if (!raw) return {};
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    const columns = parseColumns(parsed.columns);
    const sort = parseSort(parsed.sort);
    const widths = parseWidths(parsed.widths);
    return { ...(columns ? { columns } : {}), ...(sort !== undefined ? { sort } : {}), ...(widths ? { widths } : {}) };
  } catch {
    return {};
  }
}

export function saveTablePrefs(experimentId: string, patch: TablePrefs): void {
  try {
    localStorage.setItem(key(experimentId), JSON.stringify({ ...loadTablePrefs(experimentId), ...patch }));
  } catch {
    // Storage full or disabled: the choice lasts for this session only.
  }
}

export function clearStoredColumns(experimentId: string): void {
  const { columns: _dropped, ...rest } = loadTablePrefs(experimentId);
  try {
    localStorage.setItem(key(experimentId), JSON.stringify(rest));
  } catch {
    // Storage disabled: nothing was stored.
  }
}

const keysKey = (experimentId: string) => `mldesk.runs-table.${experimentId}.keys`;

/**
 * The experiment's param/metric/tag keys as last seen. Listing keys scans every run (about 150 ms
 * at 50,000 runs), so a repeat visit picks default columns from this and fetches rows at once.
 */
export function loadKnownKeys(experimentId: string): ExperimentKeys | undefined {
  try {
    const raw = localStorage.getItem(keysKey(experimentId));
    if (!raw) return undefined;
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    const columns = parseColumns(parsed);
    if (!columns) return undefined;
    const varying = parsed.varying as Record<string, unknown> | undefined;
    const known: ExperimentKeys = { ...columns, hasModels: parsed.hasModels === true };
    if (varying && isStringArray(varying.params) && isStringArray(varying.metrics)) known.varying = { params: varying.params, metrics: varying.metrics };
    return known;
  } catch {
    return undefined;
  }
}

export function saveKnownKeys(experimentId: string, keys: ExperimentKeys): void {
  try {
    localStorage.setItem(keysKey(experimentId), JSON.stringify(keys));
  } catch {
    // Storage full or disabled: the next visit lists keys first.
  }
}
