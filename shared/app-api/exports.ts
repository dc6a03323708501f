import { z } from 'zod';
import { operations } from './operations.js';
import { PredictionQuerySchema } from './predictions.js';

/**
 * CSV downloads of what a table shows. They are plain GET links (`app-files/exports/<kind>.csv?q=`
 * with the query as JSON), so the browser streams them to disk with the session cookie or the
 * desktop window's secret, and no answer is ever held whole in memory on either side. The query
 * rides in the URL, which Node limits to about 16 KB of request line and headers (a 431 past that):
 * hundreds of picked columns, not thousands.
 */

/** The runs table as shown: its experiments, filter, sort and the columns picked (no window). */
export const RunsExportSchema = operations['runs.page'].input.omit({ offset: true, limit: true, pickColumns: true });
export type RunsExport = z.infer<typeof RunsExportSchema>;

/** The compare table: one column per run, in this order. */
export const CompareExportSchema = z.object({
  runIds: z.array(z.string().min(1)).min(1, 'needs at least one run').max(100, 'may name at most 100 runs'),
});
export type CompareExport = z.infer<typeof CompareExportSchema>;

/** The prediction log with its filters, every page of it. */
export const PredictionsExportSchema = PredictionQuerySchema.omit({ limit: true, pageToken: true });
export type PredictionsExport = z.infer<typeof PredictionsExportSchema>;

export interface ExportQueries {
  runs: RunsExport;
  compare: CompareExport;
  predictions: PredictionsExport;
}

export const EXPORT_SCHEMAS = { runs: RunsExportSchema, compare: CompareExportSchema, predictions: PredictionsExportSchema } as const;

