import type { OperationOutput } from '../../../../shared/app-api/operations';

export type { MonitoringHeatmap, MonitoringLineage, MonitoringLineageNode, MonitoringOverview } from '../../../../shared/app-api/monitoring';
export type MonitoringCellResult = OperationOutput<'monitoring.cell'>;

/** How the page names the prediction's column (`__prediction__` in the store). */
export const columnLabel = (column: string) => (column === '__prediction__' ? 'prediction' : column);

export const percent = (value: number) => `${(value * 100).toFixed(value > 0 && value < 0.1 ? 1 : 0)}%`;

// One formatter for every tick and label: building one per call cost a second per page with 1,000 windows.
const WINDOW_TIME = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

export function windowTime(ms: number): string {
  return WINDOW_TIME.format(ms);
}
