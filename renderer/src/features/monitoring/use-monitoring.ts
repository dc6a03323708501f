import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../../api/app-client';
import type { MonitoringFirstView } from '../../../../shared/app-api/monitoring';
import type { MonitoringCellResult, MonitoringHeatmap, MonitoringLineage, MonitoringOverview } from './monitoring-types';

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads `load()` whenever `key` changes; an answer to an older key is dropped. `seed` is an answer
 * that came with another request (the overview's first view): used for its key instead of asking.
 */
function useLoad<T>(key: string | null, load: () => Promise<T>, seed: { key: string; data: T } | null = null): Loaded<T> {
  const seeded = seed !== null && seed.key === key;
  const [state, setState] = useState<{ key: string | null; data: T | null; error: string | null }>(() => (seeded ? { key, data: seed.data, error: null } : { key: null, data: null, error: null }));
  const [generation, setGeneration] = useState(0);
  const seedRef = useRef(seed);
  seedRef.current = seed;
  useEffect(() => {
    if (key === null) return;
    const given = seedRef.current;
    if (generation === 0 && given && given.key === key) {
      setState((s) => (s.key === key && s.data === given.data ? s : { key, data: given.data, error: null }));
      return;
    }
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

export type OverviewWithFirstView = MonitoringOverview & { firstView?: MonitoringFirstView | null };

/**
 * The overview, and with it the first view (heat map span, cell, lineage) for `firstView` so the
 * page opens in one round trip. Waits until `firstView` is known (the page's width decides the span).
 */
export function useOverview(model: string, version: string | null, firstView: { window: string | null; column: string | null; count: number } | null): Loaded<OverviewWithFirstView> {
  const ask = useRef(firstView);
  ask.current = firstView;
  return useLoad(firstView ? `${model}\n${version ?? ''}` : null, () => {
    const view = ask.current;
    return api['monitoring.overview']({
      model,
      ...(version ? { version } : {}),
      ...(view ? { firstView: { count: view.count, ...(view.window ? { window: view.window } : {}), ...(view.column ? { column: view.column } : {}) } } : {}),
    });
  });
}

const heatmapKey = (model: string, version: string | null, until: string | null, count: number) => (version && until && count > 0 ? `${model}\n${version}\n${until}\n${count}` : null);
const cellKey = (model: string, version: string | null, window: string | null, column: string | null) => (version && window ? `${model}\n${version}\n${window}\n${column ?? ''}` : null);

export function useHeatmap(model: string, version: string | null, until: string | null, count: number, first: MonitoringFirstView | null): Loaded<MonitoringHeatmap> {
  const seedKey = first ? heatmapKey(model, version, first.until, first.count) : null;
  return useLoad(heatmapKey(model, version, until, count), () => api['monitoring.heatmap']({ model, version: version!, until: until!, count }), seedKey && first ? { key: seedKey, data: first.heatmap } : null);
}

export function useCell(model: string, version: string | null, window: string | null, column: string | null, first: MonitoringFirstView | null): Loaded<MonitoringCellResult> {
  const seedKey = first?.cell ? cellKey(model, version, first.window, first.column) : null;
  return useLoad(cellKey(model, version, window, column), () => api['monitoring.cell']({ model, version: version!, window: window!, ...(column ? { column } : {}) }), seedKey && first?.cell ? { key: seedKey, data: first.cell } : null);
}

export function useMetricsLineage(model: string, version: string | null, window: string | null, column: string | null, first: MonitoringFirstView | null): Loaded<MonitoringLineage> {
  const seedKey = first?.lineage ? cellKey(model, version, first.window, first.column) : null;
  return useLoad(
    cellKey(model, version, window, column),
    () => api['monitoring.lineage']({ model, version: version!, window: window!, ...(column ? { column } : {}) }),
    seedKey && first?.lineage ? { key: seedKey, data: first.lineage } : null,
  );
}
