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

/**
 * Answers by entries' key. A recorded evaluation never changes, so an answer holding one for every
 * entry is kept: a page that remounts (live model updates re-render it) shows it at once. An answer
 * with a missing one (a run still training) is asked again next time.
 */
const answers = new Map<string, Promise<LoadedEntry[]>>();
const KEEP_ANSWERS = 50;

function load(key: string, entries: EvaluationEntry[]): Promise<LoadedEntry[]> {
  const known = answers.get(key);
  if (known) return known;
  const pending = call('runs.evaluation', { runIds: entries.map((e) => e.runId) }).then(({ evaluations }) =>
    entries.map((e, i) => ({ ...e, evaluation: evaluations[i]?.evaluation ?? null })),
  );
  answers.set(key, pending);
  if (answers.size > KEEP_ANSWERS) answers.delete(answers.keys().next().value!);
  pending.then(
    (loaded) => loaded.some((e) => e.evaluation === null) && answers.delete(key),
    () => answers.delete(key),
  );
  return pending;
}

/** The evaluations of the entries' runs, fetched in one call; refetched when the set of runs changes. */
export function useEvaluations(entries: EvaluationEntry[]) {
  const key = entries.map((e) => `${e.runId}\u0000${e.label}`).join('\u0001');
  const [state, setState] = useState<{ key: string; loaded: LoadedEntry[] | null; error: string | null }>({ key: '', loaded: null, error: null });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (entries.length === 0) return;
    // An answer for entries no longer shown is ignored below (its key differs), so none is dropped here.
    load(key, entries).then(
      (loaded) => setState({ key, loaded, error: null }),
      (error: unknown) => setState({ key, loaded: null, error: (error as Error).message }),
    );
    // `key` names the entries: a new array with the same runs is not a new request.
  }, [key, attempt]);
  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  const current = state.key === key;
  return { loaded: current ? state.loaded : null, error: current ? state.error : null, retry };
}
