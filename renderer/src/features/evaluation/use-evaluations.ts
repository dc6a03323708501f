import { useCallback, useEffect, useState } from 'react';
import type { RunEvaluation } from '../../../../shared/evaluation';
import { call } from '../../api/app-client';

export interface EvaluationEntry {
  runId: string;
  /** How the entry is named in legends and column headers: `v2`, or the run's name. */
  label: string;
}

export interface LoadedEntry extends EvaluationEntry {
  evaluation: RunEvaluation | null;
}

/** The evaluations of the entries' runs, fetched in one call; refetched when the set of runs changes. */
export function useEvaluations(entries: EvaluationEntry[]) {
  const key = entries.map((e) => `${e.runId}\u0000${e.label}`).join('\u0001');
  const [state, setState] = useState<{ key: string; loaded: LoadedEntry[] | null; error: string | null }>({ key: '', loaded: null, error: null });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (entries.length === 0) return;
    // An answer for entries no longer shown is ignored below (its key differs), so none is dropped here.
    call('runs.evaluation', { runIds: entries.map((e) => e.runId) }).then(
      ({ evaluations }) => setState({ key, loaded: entries.map((e, i) => ({ ...e, evaluation: evaluations[i]?.evaluation ?? null })), error: null }),
      (error: unknown) => setState({ key, loaded: null, error: (error as Error).message }),
    );
    // `key` names the entries: a new array with the same runs is not a new request.
  }, [key, attempt]);
  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  const current = state.key === key;
  return { loaded: current ? state.loaded : null, error: current ? state.error : null, retry };
}
