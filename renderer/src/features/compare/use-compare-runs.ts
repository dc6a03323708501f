import { useCallback, useEffect, useRef, useState } from 'react';
import type { RunDetail } from '../../../../shared/app-api/entities';
import { ApiError, call } from '../../api/app-client';

export interface CompareRunsState {
  runs: RunDetail[];
  /** Requested ids that name no run. */
  missing: string[];
  loading: boolean;
  error: string | null;
  refresh(): void;
}

/** Loads every compared run (in the URL's order); unknown ids are reported, not fatal. */
export function useCompareRuns(runIds: string[]): CompareRunsState {
  const key = runIds.join(',');
  const [state, setState] = useState<Omit<CompareRunsState, 'refresh'>>({ runs: [], missing: [], loading: true, error: null });
  const generation = useRef(0);

  const load = useCallback(async () => {
    const mine = ++generation.current;
    const ids = key.split(',').filter(Boolean);
    const answers = await Promise.allSettled(ids.map((runId) => call('runs.get', { runId })));
    if (mine !== generation.current) return;
    const runs: RunDetail[] = [];
    const missing: string[] = [];
    let error: string | null = null;
    answers.forEach((answer, index) => {
      if (answer.status === 'fulfilled') runs.push(answer.value.run);
      else if (answer.reason instanceof ApiError && answer.reason.code === 'RESOURCE_DOES_NOT_EXIST') missing.push(ids[index]!);
      else error = (answer.reason as Error).message;
    });
    setState({ runs, missing, loading: false, error });
  }, [key]);

  useEffect(() => {
    setState((previous) => ({ ...previous, loading: true }));
    void load();
  }, [load]);

  return { ...state, refresh: () => void load() };
}
