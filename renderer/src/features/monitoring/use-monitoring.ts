import { useCallback, useEffect, useState } from 'react';
import { api } from '../../api/app-client';
import type { MonitoringCellResult, MonitoringHeatmap, MonitoringLineage, MonitoringOverview } from './monitoring-types';

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/** Loads `load()` whenever `key` changes; an answer to an older key is dropped. */
function useLoad<T>(key: string | null, load: () => Promise<T>): Loaded<T> {
  const [state, setState] = useState<{ key: string | null; data: T | null; error: string | null }>({ key: null, data: null, error: null });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (key === null) return;
    let live = true;
    load().then(
      (data) => live && setState({ key, data, error: null }),
      (error: Error) => live && setState((s) => ({ key, data: s.data, error: error.message })),
    );
    return () => {
      live = false;
    };
    // `load` closes over what `key` names, so `key` alone decides when to load again.
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data: state.data, error: state.error, loading: key !== null && state.key !== key, reload };
}

export function useOverview(model: string, version: string | null): Loaded<MonitoringOverview> {
  return useLoad(`${model}\n${version ?? ''}`, () => api['monitoring.overview']({ model, ...(version ? { version } : {}) }));
}

export function useHeatmap(model: string, version: string | null, until: string | null, count: number): Loaded<MonitoringHeatmap> {
  const key = version && until && count > 0 ? `${model}\n${version}\n${until}\n${count}` : null;
  return useLoad(key, () => api['monitoring.heatmap']({ model, version: version!, until: until!, count }));
}

export function useCell(model: string, version: string | null, window: string | null, column: string | null): Loaded<MonitoringCellResult> {
  const key = version && window ? `${model}\n${version}\n${window}\n${column ?? ''}` : null;
  return useLoad(key, () => api['monitoring.cell']({ model, version: version!, window: window!, ...(column ? { column } : {}) }));
}

export function useMetricsLineage(model: string, version: string | null, window: string | null, column: string | null): Loaded<MonitoringLineage> {
  const key = version && window ? `${model}\n${version}\n${window}\n${column ?? ''}` : null;
  return useLoad(key, () => api['monitoring.lineage']({ model, version: version!, window: window!, ...(column ? { column } : {}) }));
}
