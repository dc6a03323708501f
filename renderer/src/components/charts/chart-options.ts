import { create } from 'zustand';
import type { XAxis } from '../../../../shared/app-api/entities';
import { X_AXES } from '../../../../shared/app-api/entities';

/** How a page's charts are drawn; remembered per page kind (run page, compare) across reloads. */
export interface ChartOptions {
  xAxis: XAxis;
  smoothing: number;
  logScale: boolean;
}

export interface ChartOptionsState extends ChartOptions {
  set(patch: Partial<ChartOptions>): void;
}

const DEFAULTS: ChartOptions = { xAxis: 'step', smoothing: 0, logScale: false };

function load(storageKey: string): ChartOptions {
  try {
    const stored = JSON.parse(localStorage.getItem(storageKey) ?? '{}') as Partial<ChartOptions>;
    return {
      xAxis: X_AXES.includes(stored.xAxis as XAxis) ? (stored.xAxis as XAxis) : DEFAULTS.xAxis,
      smoothing: typeof stored.smoothing === 'number' && stored.smoothing >= 0 && stored.smoothing < 1 ? stored.smoothing : DEFAULTS.smoothing,
      logScale: stored.logScale === true,
    };
  } catch {
    return DEFAULTS;
  }
}

export function createChartOptionsStore(storageKey: string) {
  return create<ChartOptionsState>((set, get) => ({
    ...load(storageKey),
    set(patch) {
      set(patch);
      const { xAxis, smoothing, logScale } = get();
      localStorage.setItem(storageKey, JSON.stringify({ xAxis, smoothing, logScale }));
    },
  }));
}
