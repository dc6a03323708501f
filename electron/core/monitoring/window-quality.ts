/**
 * Quality of one window of predictions against ground truth, and its estimate before labels come
 * (issue 13). CONTRACT STUB written by the lead: the quality helper replaces the body (and may add
 * exports); the signature below is what the window engine calls.
 */
import type { MonitoringMetricRow } from '../../../shared/monitoring.js';
import type { PredictionOutput } from '../../../shared/app-api/predictions.js';

export interface WindowPrediction {
  output: PredictionOutput;
  /** Ground truth when it came back, else null. */
  actual: string | number | null;
  /** When the prediction was made, and when its label arrived (ms since the epoch). */
  time: number;
  labelTime: number | null;
}

/** Realised quality on labelled rows, label coverage and delay, and CBPE estimates for classifiers. */
export function windowQuality(rows: readonly WindowPrediction[]): MonitoringMetricRow[] {
  throw new Error(`windowQuality(${rows.length} rows): not implemented yet (quality branch)`);
}
