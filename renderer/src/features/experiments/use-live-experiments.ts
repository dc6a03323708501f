import { useEffect } from 'react';
import { onAppEvent } from '../../api/app-client';
import { throttleAsync } from '../runs-table/throttle';
import { loadExperiments } from './experiments-store';

/** Run counts and last-run times move with every new run; a list refetch every 2 s at most is plenty. */
const RUNS_INTERVAL_MS = 2000;

/** Loads the list, then follows renames/creates/deletes at once and run activity throttled. */
export function useLiveExperiments(): void {
  useEffect(() => {
    void loadExperiments();
    const onRuns = throttleAsync(loadExperiments, RUNS_INTERVAL_MS);
    const off = onAppEvent(
      (event) => {
        if (event.type === 'experiments.changed') void loadExperiments();
        else onRuns();
      },
      ['experiments.changed', 'run.changed'],
    );
    return () => {
      off();
      onRuns.cancel();
    };
  }, []);
}
