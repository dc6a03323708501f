/**
 * The quality metrics monitoring stores per window (`monitoring_metrics.column` of kind `quality`,
 * method `realised`, and of kind `estimated_quality`, method `cbpe`) and a quality test reports,
 * with how to read each: the page labels them from here, and an alert rule on "quality below X"
 * needs to know which way is worse. Per-class metrics are `precision:CLASS`, `recall:CLASS`,
 * `f1:CLASS`. Pure TypeScript: no Node, no DOM.
 */
export interface QualityMetricInfo {
  label: string;
  /** true: a drop is a degradation (accuracy); false: a rise is (log loss, RMSE, label delay). */
  higherIsBetter: boolean;
  task: 'classification' | 'regression' | 'any';
  /** Estimated by CBPE before labels come (kind estimated_quality) as well as realised. */
  estimated: boolean;
}

export const QUALITY_METRICS = {
  accuracy: { label: 'Accuracy', higherIsBetter: true, task: 'classification', estimated: true },
  f1_macro: { label: 'Macro F1', higherIsBetter: true, task: 'classification', estimated: true },
  roc_auc: { label: 'ROC AUC', higherIsBetter: true, task: 'classification', estimated: false },
  log_loss: { label: 'Log loss', higherIsBetter: false, task: 'classification', estimated: false },
  calibration_error: { label: 'Calibration error', higherIsBetter: false, task: 'classification', estimated: false },
  rmse: { label: 'RMSE', higherIsBetter: false, task: 'regression', estimated: false },
  mae: { label: 'MAE', higherIsBetter: false, task: 'regression', estimated: false },
  r2: { label: 'R²', higherIsBetter: true, task: 'regression', estimated: false },
  label_coverage: { label: 'Label coverage', higherIsBetter: true, task: 'any', estimated: false },
  label_delay_p50_ms: { label: 'Label delay (median)', higherIsBetter: false, task: 'any', estimated: false },
  label_delay_p90_ms: { label: 'Label delay (p90)', higherIsBetter: false, task: 'any', estimated: false },
} as const satisfies Record<string, QualityMetricInfo>;

export type QualityMetricName = keyof typeof QUALITY_METRICS;

const PER_CLASS = /^(precision|recall|f1):(.+)$/;

/** How to read any stored quality metric name, per-class ones included; null for a name not listed. */
export function qualityMetricInfo(name: string): (QualityMetricInfo & { className?: string }) | null {
  if (Object.hasOwn(QUALITY_METRICS, name)) return QUALITY_METRICS[name as QualityMetricName];
  const perClass = PER_CLASS.exec(name);
  if (!perClass) return null;
  const kind = perClass[1] === 'f1' ? 'F1' : `${perClass[1]![0]!.toUpperCase()}${perClass[1]!.slice(1)}`;
  return { label: `${kind} (${perClass[2]!})`, higherIsBetter: true, task: 'classification', estimated: true, className: perClass[2]! };
}
