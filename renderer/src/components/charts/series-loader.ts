import { useEffect, useRef, useState } from 'react';
import type { MetricSeries, XAxis } from '../../../../shared/app-api/entities';
import { APP_LIMITS } from '../../../../shared/app-api/operations';
import { call } from '../../api/app-client';

/**
 * Charts ask for one metric key each; requests made in the same tick for the same runs, x-axis and
 * width are merged into one `metrics.series` call, so a grid of 30 charts costs one round trip.
 */
interface Pending {
  runIds: string[];
  key: string;
  xAxis: XAxis;
  maxPoints: number;
  resolve(series: MetricSeries[]): void;
  reject(error: unknown): void;
}

const MAX_IDS_PER_CALL = 100;
let queue: Pending[] = [];
let scheduled = false;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function fetchGroup(requests: Pending[]): Promise<void> {
  const { runIds, xAxis, maxPoints } = requests[0]!;
  const keys = [...new Set(requests.map((r) => r.key))];
  try {
    // Each call stays within the server's points budget (runs × keys × maxPoints).
    const seriesPerCall = Math.max(1, Math.floor(APP_LIMITS.seriesPoints / maxPoints));
    const runsPerCall = Math.min(MAX_IDS_PER_CALL, seriesPerCall);
    const answers = await Promise.all(
      chunks(runIds, runsPerCall).flatMap((ids) => {
        const keysPerCall = Math.max(1, Math.min(MAX_IDS_PER_CALL, Math.floor(seriesPerCall / ids.length)));
        return chunks(keys, keysPerCall).map((keyChunk) => call('metrics.series', { runIds: ids, keys: keyChunk, xAxis, maxPoints }));
      }),
    );
    const all = answers.flatMap((answer) => answer.series);
    for (const request of requests) request.resolve(all.filter((s) => s.key === request.key));
  } catch (error) {
    for (const request of requests) request.reject(error);
  }
}

function flush(): void {
  scheduled = false;
  const batch = queue;
  queue = [];
  const groups = new Map<string, Pending[]>();
  for (const request of batch) {
    const id = `${request.xAxis}|${request.maxPoints}|${request.runIds.join(',')}`;
    const group = groups.get(id);
    if (group) group.push(request);
    else groups.set(id, [request]);
  }
  for (const group of groups.values()) void fetchGroup(group);
}

export function loadSeries(runIds: string[], key: string, xAxis: XAxis, maxPoints: number): Promise<MetricSeries[]> {
  return new Promise((resolve, reject) => {
    queue.push({ runIds, key, xAxis, maxPoints, resolve, reject });
    if (!scheduled) {
      scheduled = true;
      setTimeout(flush, 0);
    }
  });
}

/** A live chart refetches at most this often, however fast metrics arrive. */
export const REFRESH_INTERVAL_MS = 500;

export interface SeriesState {
  series: MetricSeries[] | null;
  /** The query the shown series answer (they may lag behind while a new one loads). */
  loadedFor: string | null;
  error: string | null;
}

/**
 * The series of one metric key for some runs. A new query (runs, x-axis, width) loads at once;
 * a bumped `refreshToken` (live metrics) refetches throttled to REFRESH_INTERVAL_MS, never two at a time.
 */
export function useMetricSeries(
  runIds: string[],
  /** One key, or several drawn together (loss with val_loss). */
  key: string | string[],
  xAxis: XAxis,
  maxPoints: number,
  refreshToken: number,
): SeriesState & { query: string; retry(): void } {
  const keys = typeof key === 'string' ? [key] : key;
  const query = `${xAxis}|${runIds.join(',')}|${keys.join('\u0000')}`;
  const [state, setState] = useState<SeriesState>({ series: null, loadedFor: null, error: null });
  const live = useRef({ generation: 0, inFlight: false, dirty: false, last: 0, timer: 0 as number | undefined });
  const args = useRef({ runIds, keys, xAxis, maxPoints, query });
  args.current = { runIds, keys, xAxis, maxPoints, query };

  const fetchNow = useRef<() => void>(() => {});
  fetchNow.current = () => {
    const l = live.current;
    const generation = l.generation;
    const a = args.current;
    if (a.maxPoints < 2 || a.runIds.length === 0) return;
    l.inFlight = true;
    l.dirty = false;
    l.last = performance.now();
    Promise.all(a.keys.map((k) => loadSeries(a.runIds, k, a.xAxis, a.maxPoints))).then((answers) => answers.flat()).then(
      (series) => {
        if (generation !== live.current.generation) return;
        l.inFlight = false;
        setState({ series, loadedFor: a.query, error: null });
        if (l.dirty) schedule();
      },
      (error: unknown) => {
        if (generation !== live.current.generation) return;
        l.inFlight = false;
        setState((previous) => ({ ...previous, loadedFor: a.query, error: error instanceof Error ? error.message : String(error) }));
      },
    );
  };

  const schedule = () => {
    const l = live.current;
    if (l.inFlight) {
      l.dirty = true;
      return;
    }
    if (l.timer !== undefined) return;
    const wait = Math.max(0, l.last + REFRESH_INTERVAL_MS - performance.now());
    l.timer = window.setTimeout(() => {
      l.timer = undefined;
      fetchNow.current();
    }, wait);
  };

  // A new query (or width) starts over: answers to the old one are dropped.
  useEffect(() => {
    const l = live.current;
    l.generation++;
    l.inFlight = false;
    l.dirty = false;
    if (l.timer !== undefined) window.clearTimeout(l.timer);
    l.timer = undefined;
    fetchNow.current();
  }, [query, maxPoints]);

  const firstToken = useRef(refreshToken);
  useEffect(() => {
    if (refreshToken === firstToken.current) return;
    schedule();
  }, [refreshToken]);

  useEffect(
    () => () => {
      const l = live.current;
      l.generation++;
      if (l.timer !== undefined) window.clearTimeout(l.timer);
    },
    [],
  );

  return { ...state, query, retry: () => fetchNow.current() };
}
