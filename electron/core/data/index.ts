/**
 * The data module's public API (training, the API handlers and the CLI import from here).
 * The types every side shares (DatasetVersion, ColumnSchema, ColumnStats, ValidationReport) live
 * in shared/datasets.ts.
 */
export type { BlobCheck } from './blob-store.js';
export type { RawCell, TypedCell } from './cell-values.js';
export { CATEGORICAL_MAX_DISTINCT, CATEGORICAL_MAX_RATIO, DISTINCT_TRACK_LIMIT, TOP_CATEGORIES } from './column-profiler.js';
export { DatasetStore, nameFromFile, type DatasetDetail, type ImportOptions, type ImportResult } from './dataset-store.js';
export { HISTOGRAM_BINS } from './numeric-stats.js';
export { irisCsv, sampleDatasetFiles, SYNTHETIC_SAMPLES } from './sample-datasets.js';
export { generateTabular, targetColumn, toCsv, type SyntheticTask, type TabularData, type TabularOptions } from './synthetic.js';
export { DatasetFileError, detectFormat } from './table-reader.js';
export type { TypedTable } from './typed-rows.js';
export { MAX_EXAMPLES, NULL_RATE_FACTOR, NULL_RATE_MARGIN } from './validate-file.js';
