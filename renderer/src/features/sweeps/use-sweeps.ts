import { useCallback, useEffect, useState } from 'react';
import type { SweepDetail, SweepSummary } from '../../../../shared/app-api/sweeps';
import { api } from '../../api/app-client';

/** While anything runs the page refetches this often: trials report every few seconds at most, and a sweep's state lives in the database, not in events. */
const LIVE_MS = 1000;

function usePolled<T>(load: () => Promise<T>, live: (value: T) => boolean): { value: T | null; error: string | null; reload: () => void } {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  useEffect(() => {
    let cancelled = false;
    let timer: number | undefined;
    load().then(
      (loaded) => {
        if (cancelled) return;
        setValue(loaded);
        setError(null);
        if (live(loaded)) timer = window.setTimeout(() => setTick((n) => n + 1), LIVE_MS);
      },
      (failure: unknown) => {
        if (cancelled) return;
        setError((failure as Error).message);
        // A dropped request (server busy, restarting) heals on its own: keep asking, a little slower.
        timer = window.setTimeout(() => setTick((n) => n + 1), LIVE_MS * 3);
      },
    );
    return () => {
      cancelled = true;
      window.clearTimeout(timer);
    };
    // `load` and `live` are stable per caller (module functions, or memoised on the sweep id).
  }, [tick, load]);
  return { value, error, reload };
}

const loadList = () => api['sweeps.list']({ limit: 100 }).then((result) => result.sweeps);
const listLive = (sweeps: SweepSummary[]) => sweeps.some((sweep) => sweep.state === 'running');

export function useSweepList() {
  return usePolled(loadList, listLive);
}

export function useSweep(id: string) {
  const load = useCallback(() => api['sweeps.get']({ id }).then((result) => result.sweep), [id]);
  return usePolled<SweepDetail>(load, (sweep) => sweep.state === 'running');
}
