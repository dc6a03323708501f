import { useCallback, useEffect, useRef, useState } from 'react';
import type { RunDetail } from '../../../../shared/app-api/entities';
import { ApiError, call } from '../../api/app-client';

export interface RunState {
  run: RunDetail | null;
  experimentName: string | null;
  loading: boolean;
  notFound: boolean;
  error: string | null;
  /** Reloads in place: the page keeps showing the last answer until the new one arrives. */
  refresh(): void;
}

/** A run's details and its experiment's name, reloadable without flashing the page. */
export function useRun(runId: string): RunState {
  const [state, setState] = useState<Omit<RunState, 'refresh'>>({ run: null, experimentName: null, loading: true, notFound: false, error: null });
  const generation = useRef(0);

  const load = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const { run } = await call('runs.get', { runId });
      if (mine !== generation.current) return;
      setState((previous) => ({ ...previous, run, loading: false, notFound: false, error: null }));
    } catch (error) {
      if (mine !== generation.current) return;
      const notFound = error instanceof ApiError && error.code === 'RESOURCE_DOES_NOT_EXIST';
      setState((previous) => ({ ...previous, loading: false, notFound, error: notFound ? null : (error as Error).message }));
    }
  }, [runId]);

  useEffect(() => {
    setState({ run: null, experimentName: null, loading: true, notFound: false, error: null });
    void load();
  }, [load]);

  const experimentId = state.run?.experimentId;
  useEffect(() => {
    if (!experimentId) return;
    let active = true;
    call('experiments.list', { viewType: 'ALL' }).then(
      ({ experiments }) => active && setState((previous) => ({ ...previous, experimentName: experiments.find((e) => e.experimentId === experimentId)?.name ?? null })),
      () => undefined,
    );
    return () => {
      active = false;
    };
  }, [experimentId]);

  return { ...state, refresh: () => void load() };
}

/** The current time, ticking every second while `active` (for the duration of a running run). */
export function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [active]);
  return now;
}
