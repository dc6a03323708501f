import { useCallback, useEffect, useRef, useState } from 'react';
import type { DatasetVersion } from '../../../../shared/datasets';
import { ApiError, call } from '../../api/app-client';

export interface DatasetState {
  name: string | null;
  /** Every version, oldest first, each with its full profile. */
  versions: DatasetVersion[];
  selected: DatasetVersion | null;
  notFound: string | null;
  error: string | null;
  reload(): void;
}

/** One dataset at a ref (`name` or `name@version`); switching versions keeps the page until the answer. */
export function useDataset(ref: string): DatasetState {
  const [state, setState] = useState<Omit<DatasetState, 'reload'>>({ name: null, versions: [], selected: null, notFound: null, error: null });
  const generation = useRef(0);

  const load = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const answer = await call('datasets.get', { ref });
      if (mine === generation.current) setState({ name: answer.name, versions: answer.versions, selected: answer.selected, notFound: null, error: null });
    } catch (error) {
      if (mine !== generation.current) return;
      const missing = error instanceof ApiError && (error.code === 'RESOURCE_DOES_NOT_EXIST' || error.code === 'INVALID_PARAMETER_VALUE');
      setState((previous) => ({ ...previous, notFound: missing ? (error as Error).message : null, error: missing ? null : (error as Error).message }));
    }
  }, [ref]);

  useEffect(() => {
    void load();
    // A version imported meanwhile (CLI, another window) sends no event: catch up on return.
    const onFocus = () => void load();
    window.addEventListener('focus', onFocus);
    return () => window.removeEventListener('focus', onFocus);
  }, [load]);

  return { ...state, reload: () => void load() };
}
