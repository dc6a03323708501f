/**
 * Drift statistics (issue 13). CONTRACT STUB written by the lead: the drift-statistics helper
 * replaces the bodies (and may add exports); the signatures below are what other modules call.
 */
import type { ColumnDrift, DatasetDrift, DriftMethod, ReferenceColumn } from '../../../shared/monitoring.js';

/** A cell as monitoring sees it: numbers for numeric features, strings/booleans for categories; null is missing. */
export type MonitoredValue = number | string | boolean | null;

export interface ColumnDriftOptions {
  /** Overrides the default method for this column (Evidently's defaults otherwise). */
  method?: DriftMethod;
  threshold?: number;
  /** Below this many non-null current values: no verdict. */
  minRows?: number;
}

/** Summarises one reference column once, keeping what every drift test needs. */
export function profileColumn(name: string, values: readonly MonitoredValue[]): ReferenceColumn {
  throw new Error(`profileColumn(${name}, ${values.length} values): not implemented yet (drift-statistics branch)`);
}

/** Compares current values of a column with its reference profile. */
export function columnDrift(reference: ReferenceColumn, current: readonly MonitoredValue[], options: ColumnDriftOptions = {}): ColumnDrift {
  throw new Error(`columnDrift(${reference.name}, ${current.length} values, ${JSON.stringify(options)}): not implemented yet (drift-statistics branch)`);
}

/** Dataset drift from the columns' verdicts: drifted when at least `share` of the columns with a verdict drift. */
export function datasetDrift(columns: readonly ColumnDrift[], share = 0.5): DatasetDrift {
  throw new Error(`datasetDrift(${columns.length} columns, ${share}): not implemented yet (drift-statistics branch)`);
}
