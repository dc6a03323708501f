import type { LatestMetric, RunDetail, XAxis } from '../../../../shared/app-api/entities';

/** The run page's metrics: values for keys logged once, one chart per key or `x`/`val_x` pair. */
export interface MetricPanel {
  /** The training key first, its validation twin second. */
  keys: string[];
  title: string;
}

const VALIDATION_PREFIX = 'val_';

export function metricPanels(keys: string[], singlePoint: ReadonlySet<string>): { values: string[]; charts: MetricPanel[] } {
  const values = keys.filter((key) => singlePoint.has(key)).sort((a, b) => a.localeCompare(b));
  const charted = new Set(keys.filter((key) => !singlePoint.has(key)));
  const charts: MetricPanel[] = [];
  for (const key of [...charted].sort((a, b) => a.localeCompare(b))) {
    if (key.startsWith(VALIDATION_PREFIX) && charted.has(key.slice(VALIDATION_PREFIX.length))) continue;
    const twin = `${VALIDATION_PREFIX}${key}`;
    charts.push(charted.has(twin) ? { keys: [key, twin], title: `${key} · ${twin}` } : { keys: [key], title: key });
  }
  return { values, charts };
}

/** Logged by training after early stopping restored the best epoch's weights. */
export const RESTORED_EPOCH = 'restored_epoch';

/**
 * Where the epoch curves end on each x-axis. After early stopping, training logs the restored
 * model's figures one step past the last epoch (as MLflow's Keras autolog does), so the run's
 * latest metrics describe the saved model; drawn, that point would be a jump at the curve's end.
 */
export function curveEnd(run: Pick<RunDetail, 'latestMetrics' | 'startTime'>): { end: Partial<Record<XAxis, number>>; restored: LatestMetric } | null {
  const restored = run.latestMetrics.find((m) => m.key === RESTORED_EPOCH);
  if (!restored) return null;
  const end: Partial<Record<XAxis, number>> = { step: restored.step, wall: restored.timestamp };
  if (run.startTime !== null) end.relative = (restored.timestamp - run.startTime) / 1000;
  return { end, restored };
}
