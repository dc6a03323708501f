import { create } from 'zustand';
import type { PredictionsExport } from '../../../../shared/app-api/exports';
import type { PredictionQuality, PredictionQuery, PredictionRecord, PredictionStats } from '../../../../shared/app-api/predictions';
import { call } from '../../api/app-client';

export const PREDICTIONS_PAGE = 50;

/** Time windows the log can be narrowed to (ms back from now); null means everything. */
export const WINDOWS = [
  { id: '15m', label: 'Last 15 minutes', ms: 15 * 60_000 },
  { id: '1h', label: 'Last hour', ms: 3_600_000 },
  { id: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { id: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { id: 'all', label: 'All time', ms: null },
] as const;
export type WindowId = (typeof WINDOWS)[number]['id'];

export interface PredictionFilters {
  version: string;
  window: WindowId;
  feedback: 'any' | 'with' | 'without';
  label: string;
  requestId: string;
}

export const NO_FILTERS: PredictionFilters = { version: '', window: 'all', feedback: 'any', label: '', requestId: '' };

export const hasFilters = (filters: PredictionFilters): boolean => (Object.keys(NO_FILTERS) as (keyof PredictionFilters)[]).some((key) => filters[key] !== NO_FILTERS[key]);

/**
 * Server data of one model's prediction log: the page on screen (keyset tokens kept as a stack so
 * "Newer" steps back), the summary and volume for the charts; and the filters, which are UI state
 * but decide every fetch, so they live beside it.
 */
interface PredictionLogState {
  model: string | null;
  filters: PredictionFilters;
  /** Tokens of the pages before the current one; the first page has none. */
  tokens: (string | undefined)[];
  token: string | undefined;
  rows: PredictionRecord[];
  nextToken: string | undefined;
  stats: PredictionStats | null;
  /** Confusion matrix and accuracy over time under the window and version filters. */
  quality: PredictionQuality | null;
  /** The request id whose detail view is open. */
  selected: string | null;
  loading: boolean;
  error: string | null;
  live: boolean;
  refreshedAt: number | null;
}

export const usePredictionLog = create<PredictionLogState>(() => ({
  model: null,
  filters: NO_FILTERS,
  tokens: [],
  token: undefined,
  rows: [],
  nextToken: undefined,
  stats: null,
  quality: null,
  selected: null,
  loading: false,
  error: null,
  live: true,
  refreshedAt: null,
}));

let latest = 0;

function since(filters: PredictionFilters, now: number): number | undefined {
  const window = WINDOWS.find((w) => w.id === filters.window);
  return window?.ms ? now - window.ms : undefined;
}

/** The log's filters as the server reads them, every page (the CSV export's query). */
export function filterQuery(model: string, filters: PredictionFilters, from: number | undefined): PredictionsExport {
  return {
    model,
    ...(filters.version ? { version: filters.version } : {}),
    ...(from !== undefined ? { since: from } : {}),
    ...(filters.feedback !== 'any' ? { feedback: filters.feedback } : {}),
    ...(filters.label.trim() ? { label: filters.label.trim() } : {}),
    ...(filters.requestId.trim() ? { requestId: filters.requestId.trim() } : {}),
  };
}

/** What "Export CSV" downloads: the filters on screen, with the time window counted back from now. */
export function exportQuery(model: string, filters: PredictionFilters): PredictionsExport {
  return filterQuery(model, filters, since(filters, Date.now()));
}

function queryOf(model: string, filters: PredictionFilters, token: string | undefined, from: number | undefined): PredictionQuery {
  return { ...filterQuery(model, filters, from), limit: PREDICTIONS_PAGE, ...(token ? { pageToken: token } : {}) };
}

/** Fetches the current page and the summary; an answer overtaken by a newer request is dropped. */
export async function loadPredictions(): Promise<void> {
  const { model, filters, token } = usePredictionLog.getState();
  if (!model) return;
  const request = ++latest;
  usePredictionLog.setState({ loading: true });
  const from = since(filters, Date.now());
  try {
    const window = from !== undefined ? { since: from } : {};
    const [page, stats, quality] = await Promise.all([
      call('predictions.page', queryOf(model, filters, token, from)),
      call('predictions.stats', { model, ...window }),
      call('predictions.quality', { model, ...window, ...(filters.version ? { version: filters.version } : {}) }),
    ]);
    if (request !== latest) return;
    usePredictionLog.setState({ rows: page.predictions, nextToken: page.nextPageToken, stats, quality, loading: false, error: null, refreshedAt: Date.now() });
  } catch (error) {
    if (request === latest) usePredictionLog.setState({ loading: false, error: (error as Error).message });
  }
}

export function openPredictionLog(model: string): void {
  if (usePredictionLog.getState().model !== model) {
    usePredictionLog.setState({ model, filters: NO_FILTERS, tokens: [], token: undefined, rows: [], nextToken: undefined, stats: null, quality: null, selected: null, error: null });
  }
  void loadPredictions();
}

export function setPredictionFilters(change: Partial<PredictionFilters>): void {
  usePredictionLog.setState((s) => ({ filters: { ...s.filters, ...change }, tokens: [], token: undefined }));
  void loadPredictions();
}

export function olderPredictions(): void {
  const { nextToken, token, tokens } = usePredictionLog.getState();
  if (!nextToken) return;
  usePredictionLog.setState({ tokens: [...tokens, token], token: nextToken });
  void loadPredictions();
}

export function newerPredictions(): void {
  const { tokens } = usePredictionLog.getState();
  if (tokens.length === 0) return;
  usePredictionLog.setState({ tokens: tokens.slice(0, -1), token: tokens.at(-1) });
  void loadPredictions();
}

export function setLive(live: boolean): void {
  usePredictionLog.setState({ live });
}

export function selectPrediction(requestId: string | null): void {
  usePredictionLog.setState({ selected: requestId });
}
