import { z } from 'zod';

/**
 * Versioned datasets as every side sees them (core services, API, renderer, CLI --json output).
 * Pure zod schemas and helpers: no Node, no DOM.
 */

export const DATASET_FORMATS = ['csv', 'jsonl'] as const;
export const DatasetFormatSchema = z.enum(DATASET_FORMATS);
export type DatasetFormat = z.infer<typeof DatasetFormatSchema>;

/** numeric = any finite number (float); integer = whole numbers only; the rest are strings. */
export const COLUMN_TYPES = ['numeric', 'integer', 'boolean', 'categorical', 'text'] as const;
export const ColumnTypeSchema = z.enum(COLUMN_TYPES);
export type ColumnType = z.infer<typeof ColumnTypeSchema>;

export const ColumnSchemaSchema = z.object({
  name: z.string(),
  type: ColumnTypeSchema,
  /** Cells that were empty, a null token (NA, N/A, null, None, NaN) or JSON null / a missing key. */
  nullCount: z.number().int().nonnegative(),
  /** The whole domain of a categorical column, sorted; what validation calls "seen categories". */
  categories: z.array(z.string()).optional(),
});
export type ColumnSchema = z.infer<typeof ColumnSchemaSchema>;

export const QUANTILE_KEYS = ['p01', 'p05', 'p25', 'p50', 'p75', 'p95', 'p99'] as const;
export type QuantileKey = (typeof QUANTILE_KEYS)[number];
export const QUANTILE_PROBABILITIES: Record<QuantileKey, number> = {
  p01: 0.01, p05: 0.05, p25: 0.25, p50: 0.5, p75: 0.75, p95: 0.95, p99: 0.99,
};

export const HistogramSchema = z.object({
  /** bins + 1 ascending edges; bin i holds edges[i] <= v < edges[i+1], the last bin includes its upper edge. */
  edges: z.array(z.number()),
  counts: z.array(z.number().int().nonnegative()),
});
export type Histogram = z.infer<typeof HistogramSchema>;

const statsBase = {
  name: z.string(),
  /** Non-null cells. */
  count: z.number().int().nonnegative(),
};

/**
 * Fewer filled rows than this and distinct integers are as likely a real feature (ages of 12
 * people) as an id: training leaves an integer column out as an id only from this many on.
 */
export const ID_COLUMN_MIN_ROWS = 20;

export const NumericStatsSchema = z.object({
  ...statsBase,
  kind: z.literal('numeric'),
  /**
   * Integer columns: whether every filled value differs from the others (a row or customer id
   * when there are ID_COLUMN_MIN_ROWS or more). Absent for numeric columns and older profiles.
   */
  allDistinct: z.boolean().optional(),
  min: z.number(),
  max: z.number(),
  mean: z.number(),
  /** Sample standard deviation (n - 1), 0 for a single value: pandas' describe() convention. */
  std: z.number(),
  /** Linear interpolation between order statistics (R type 7, numpy's default). */
  quantiles: z.object({
    p01: z.number(), p05: z.number(), p25: z.number(), p50: z.number(), p75: z.number(), p95: z.number(), p99: z.number(),
  }),
  histogram: HistogramSchema,
});

export const CategoryCountSchema = z.object({ value: z.string(), count: z.number().int().nonnegative() });

export const CategoryStatsSchema = z.object({
  ...statsBase,
  kind: z.literal('categories'),
  distinct: z.number().int().nonnegative(),
  /** The most frequent values (at most 50), by count then value. */
  top: z.array(CategoryCountSchema),
  /** Cells holding any value not in `top`. */
  otherCount: z.number().int().nonnegative(),
});

export const TextStatsSchema = z.object({
  ...statsBase,
  kind: z.literal('text'),
  distinct: z.number().int().nonnegative(),
  /** False when the column had more distinct values than the profiler counts exactly; distinct is then a lower bound. */
  distinctExact: z.boolean(),
  /** Lengths in UTF-16 code units; null when every cell is null. */
  minLength: z.number().int().nullable(),
  maxLength: z.number().int().nullable(),
});

export const ColumnStatsSchema = z.discriminatedUnion('kind', [NumericStatsSchema, CategoryStatsSchema, TextStatsSchema]);
export type ColumnStats = z.infer<typeof ColumnStatsSchema>;
export type NumericStats = z.infer<typeof NumericStatsSchema>;
export type CategoryStats = z.infer<typeof CategoryStatsSchema>;
export type TextStats = z.infer<typeof TextStatsSchema>;

export const DatasetVersionSchema = z.object({
  name: z.string(),
  version: z.number().int().positive(),
  /** `name@version`, the form the CLI and lineage records use. */
  ref: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  format: DatasetFormatSchema,
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  /** One entry per column, in file order. */
  schema: z.array(ColumnSchemaSchema),
  /** One entry per column, in the same order as schema. */
  stats: z.array(ColumnStatsSchema),
  originalFileName: z.string(),
  createdTime: z.number(),
});
export type DatasetVersion = z.infer<typeof DatasetVersionSchema>;

export const DatasetSummarySchema = z.object({
  name: z.string(),
  createdTime: z.number(),
  versionCount: z.number().int().nonnegative(),
  latestVersion: z.number().int().positive(),
  latestSha256: z.string(),
  latestRows: z.number().int().nonnegative(),
  latestColumns: z.number().int().nonnegative(),
  latestBytes: z.number().int().nonnegative(),
  updatedTime: z.number(),
});
export type DatasetSummary = z.infer<typeof DatasetSummarySchema>;

export const PROBLEM_KINDS = ['missing_column', 'extra_column', 'wrong_type', 'out_of_range', 'unseen_category', 'null_rate'] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];

export const ValidationProblemSchema = z.object({
  column: z.string(),
  kind: z.enum(PROBLEM_KINDS),
  message: z.string(),
  /** Rows affected (wrong_type, out_of_range, unseen_category). */
  count: z.number().int().nonnegative().optional(),
  /** First few affected data rows, 1-based, header excluded. */
  rows: z.array(z.number().int().positive()).optional(),
  /** First few offending values (out_of_range, unseen_category, wrong_type). */
  values: z.array(z.string()).optional(),
  /** null_rate: the file's rate, the reference's rate, and the limit the file's rate exceeded. */
  rate: z.number().optional(),
  referenceRate: z.number().optional(),
  limit: z.number().optional(),
});
export type ValidationProblem = z.infer<typeof ValidationProblemSchema>;

export const ValidationReportSchema = z.object({
  file: z.string(),
  against: z.string(),
  format: DatasetFormatSchema,
  rows: z.number().int().nonnegative(),
  passed: z.boolean(),
  /** Columns of the reference that were checked (present in the file). */
  checkedColumns: z.array(z.string()),
  problems: z.array(ValidationProblemSchema),
});
export type ValidationReport = z.infer<typeof ValidationReportSchema>;

/** Dataset names: a letter or digit, then letters, digits, '.', '_' or '-'; '@' is kept for NAME@VERSION. */
export const DATASET_NAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N}._-]{0,127}$/u;

export const DatasetNameSchema = z
  .string()
  .regex(DATASET_NAME_PATTERN, 'must start with a letter or digit and hold only letters, digits, ".", "_" or "-" (at most 128 characters)');

export interface DatasetRef {
  name: string;
  /** Undefined means the latest version. */
  version?: number;
}

/** Parses `NAME`, `NAME@VERSION` or `NAME@latest`; returns an error message instead of throwing. */
export function parseDatasetRef(text: string): DatasetRef | { error: string } {
  const at = text.lastIndexOf('@');
  const name = at === -1 ? text : text.slice(0, at);
  const versionText = at === -1 ? undefined : text.slice(at + 1);
  if (!DATASET_NAME_PATTERN.test(name)) {
    return { error: `'${text}' is not a dataset reference: expected NAME or NAME@VERSION, where NAME starts with a letter or digit and holds only letters, digits, '.', '_' or '-'.` };
  }
  if (versionText === undefined || versionText === 'latest') return { name };
  if (!/^[1-9]\d{0,8}$/.test(versionText)) {
    return { error: `'${text}' is not a dataset reference: the version after '@' must be a whole number from 1 (or 'latest').` };
  }
  return { name, version: Number(versionText) };
}

export function datasetRefText(name: string, version: number): string {
  return `${name}@${version}`;
}

/**
 * `Churn Data (2024)` → `Churn-Data-2024`: a file's base name (without its extension) made into a
 * valid dataset name; `dataset` when nothing usable is left.
 */
export function datasetNameFromStem(stem: string): string {
  const cleaned = stem
    .replace(/[^\p{L}\p{N}._-]+/gu, '-')
    .replace(/^[^\p{L}\p{N}]+/u, '')
    .replace(/-+$/, '')
    .slice(0, 128);
  return cleaned === '' ? 'dataset' : cleaned;
}

/** `Churn Data (2024).csv` → `Churn-Data-2024` for a browser file name (no Node path helpers). */
export function datasetNameFromFile(fileName: string): string {
  return datasetNameFromStem(fileName.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, ''));
}
