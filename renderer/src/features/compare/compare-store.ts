import { create } from 'zustand';
import { createChartOptionsStore } from '../../components/charts/chart-options';

/** UI state of the compare view; the runs themselves are server data loaded by useCompareRuns. */
interface CompareUiState {
  /** Metric keys charted; null until the user picks (then every key is shown). */
  chartKeys: string[] | null;
  onlyDifferences: boolean;
  /** Parallel-coordinates axes as dimension ids (`param:lr`, `metric:loss`); null = a default pick. */
  axes: string[] | null;
  scatterX: string | null;
  scatterY: string | null;
  /** The run under the pointer anywhere in the view, highlighted everywhere. */
  highlighted: string | null;
  set(patch: Partial<Omit<CompareUiState, 'set'>>): void;
}

export const useCompareUi = create<CompareUiState>((set) => ({
  chartKeys: null,
  onlyDifferences: false,
  axes: null,
  scatterX: null,
  scatterY: null,
  highlighted: null,
  set: (patch) => set(patch),
}));

export const useCompareChartOptions = createChartOptionsStore('mldesk.compare.charts');
