import { create } from 'zustand';
import type { Experiment, Run } from '../../../../shared/tracking-types';
import { trackingClient } from '../../api/tracking-client';

interface ExperimentsState {
  experiments: Experiment[];
  loading: boolean;
  error: string | null;
  selectedId: string | null;
  runs: Run[];
  runsLoading: boolean;
  runsError: string | null;
  filter: string;
  loadExperiments(): Promise<void>;
  select(id: string): Promise<void>;
  setFilter(filter: string): void;
  loadRuns(): Promise<void>;
}

export const useExperiments = create<ExperimentsState>((set, get) => ({
  experiments: [],
  loading: false,
  error: null,
  selectedId: null,
  runs: [],
  runsLoading: false,
  runsError: null,
  filter: '',
  async loadExperiments() {
    set({ loading: true, error: null });
    try {
      const experiments = await trackingClient.searchExperiments();
      set({ experiments, loading: false });
      const first = experiments[0];
      if (get().selectedId === null && first) await get().select(first.experiment_id);
    } catch (error) {
      set({ loading: false, error: (error as Error).message });
    }
  },
  async select(id) {
    set({ selectedId: id });
    await get().loadRuns();
  },
  setFilter(filter) {
    set({ filter });
  },
  async loadRuns() {
    const id = get().selectedId;
    if (id === null) return;
    set({ runsLoading: true, runsError: null });
    try {
      set({ runs: await trackingClient.searchRuns(id, get().filter), runsLoading: false });
    } catch (error) {
      set({ runsLoading: false, runsError: (error as Error).message });
    }
  },
}));
