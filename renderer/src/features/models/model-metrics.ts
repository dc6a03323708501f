import type { ModelVersionInfo } from '../../../../shared/app-api/models';

/** The metrics people look at first, in that order; others follow alphabetically. */
const PRIORITY = ['val_accuracy', 'val_f1', 'val_auc', 'val_loss', 'val_r2', 'val_rmse', 'val_mae', 'accuracy', 'f1', 'auc', 'loss', 'r2', 'rmse', 'mae'];

/** Every metric any version's run logged, most telling first. */
export function metricKeys(versions: ModelVersionInfo[]): string[] {
  const keys = new Set<string>();
  for (const v of versions) for (const key of Object.keys(v.metrics)) keys.add(key);
  const rank = (key: string) => {
    const i = PRIORITY.indexOf(key);
    return i === -1 ? PRIORITY.length : i;
  };
  return [...keys].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Lower is better for losses and errors: the chart and table say which way is good. */
export function lowerIsBetter(key: string): boolean {
  return /(loss|rmse|mae|mse|error)$/i.test(key);
}

export interface ChartRow {
  label: string;
  version: string;
  value: number | null;
  champion: boolean;
}

/** The newest `max` versions, oldest first, so the chart reads left to right as the model evolved. */
export function chartRows(versions: ModelVersionInfo[], key: string, champion: string | null, max = 40): ChartRow[] {
  return versions
    .slice(0, max)
    .map((v) => ({ label: `v${v.version}`, version: v.version, value: v.metrics[key] ?? null, champion: v.version === champion }))
    .reverse();
}
