/**
 * Which columns the runs table shows for an experiment the user has not picked any for: the same
 * choice in the renderer (from runs.columns) and on the server (runs.page with `pickColumns`, which
 * answers the first page of a newly opened experiment in one request instead of two).
 */

export interface ColumnChoice {
  metrics: string[];
  params: string[];
  tags: string[];
}

/** An experiment's keys as runs.columns lists them: all of them, and which hold different values in different runs. */
export interface ExperimentKeys extends ColumnChoice {
  varying?: { params: string[]; metrics: string[] };
  hasModels?: boolean;
}

const isSystem = (key: string) => key.startsWith('system/') || key.startsWith('sys/');
/** `val_loss`, `validation/accuracy`, `eval_f1`: what a model is judged on, so these lead. */
const isValidation = (key: string) => /^(val|valid|validation|eval|test)[_/.-]/i.test(key) || /[_/.-](val|valid|validation)[_/.-]/i.test(key);

/** Validation metrics first, then the others, system metrics (`system/cpu`) last: they rarely answer "which run is best". */
export function byUsefulness(keys: string[]): string[] {
  const rank = (key: string) => (isSystem(key) ? 2 : isValidation(key) ? 0 : 1);
  return keys.map((key, index) => ({ key, index })).sort((a, b) => rank(a.key) - rank(b.key) || a.index - b.index).map(({ key }) => key);
}

export const DEFAULT_METRIC_COLUMNS = 4;
export const DEFAULT_PARAM_COLUMNS = 3;

/**
 * With no stored choice: the metrics and params whose values differ between the experiment's runs
 * (a column equal on every run tells nothing apart), validation metrics first. An experiment whose
 * runs agree on everything (one run, say) shows its first keys, validation metrics still first.
 */
export function defaultColumns(available: ExperimentKeys): ColumnChoice {
  const varying = available.varying;
  const metrics = varying && varying.metrics.length > 0 ? varying.metrics : available.metrics;
  const params = varying && varying.params.length > 0 ? varying.params : available.params;
  return { metrics: byUsefulness(metrics).slice(0, DEFAULT_METRIC_COLUMNS), params: params.slice(0, DEFAULT_PARAM_COLUMNS), tags: [] };
}
