import { create } from 'zustand';
import type { XAxis } from '../../../../shared/app-api/entities';

/**
 * The x under the pointer in any chart, so every chart on the page draws its crosshair at the same
 * step or time (W&B's synced cursor). Only the chart under the pointer shows the tooltip.
 */
interface HoverSyncState {
  x: number | null;
  xAxis: XAxis | null;
  source: string | null;
  set(x: number | null, xAxis: XAxis | null, source: string | null): void;
}

export const useHoverSync = create<HoverSyncState>((set) => ({
  x: null,
  xAxis: null,
  source: null,
  set: (x, xAxis, source) => set({ x, xAxis, source }),
}));
