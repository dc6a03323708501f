import { z } from 'zod';
import {
  ArtifactEntrySchema,
  ArtifactPreviewSchema,
  ExperimentSummarySchema,
  MetricSeriesSchema,
  RunDetailSchema,
  RunRowSchema,
  ViewTypeSchema,
  X_AXES,
} from './entities.js';
import { DatasetSummarySchema, DatasetVersionSchema } from '../datasets.js';
import { LineageGraphSchema, ReproducibilityCheckSchema, ReproductionResultSchema, RunForwardSchema, RunLineageSchema } from '../lineage.js';
import { TRAINING_BACKENDS, TrainingJobSchema, TrainingRequestSchema } from './training.js';
import { modelOperations } from './models.js';
import { predictionOperations } from './predictions.js';
import { evaluationOperations } from '../evaluation.js';
import { monitoringSettingsOperations } from './monitoring-settings.js';
import { qualityTestOperations } from './quality-tests.js';
import { alertOperations } from './alerts.js';
import { jobOperations } from './jobs.js';
import { monitoringOperations } from './monitoring.js';
import { bundleViewOperations } from './bundle-view.js';
import { handoffOperations } from './handoff.js';
import { keyOperations } from './keys.js';
import { reviewOperations } from './reviews.js';
import { bundleOperations } from './bundles.js';
import { pipelineOperations } from './pipelines.js';
import { sweepOperations } from './sweeps.js';

const experimentId = z.string().regex(/^\d+$/, 'must be an experiment id (digits)');
const runId = z.string().min(1, 'is required');

/**
 * Bounds of the table and chart operations, each refused with a 400 naming it. They keep one request
 * within SQLite's limits (32,766 bound values, 64 joined tables) and one answer within a few tens of
 * MB; the renderer splits bigger asks (series-loader.ts).
 */
export const APP_LIMITS = {
  /** Experiments one runs.page / runs.columns call may span. */
  experimentIds: 1000,
  /** Param, metric and tag columns, each, of one runs.page call. */
  columnsPerKind: 2000,
  /** Sort keys of one runs.page call (each joins a table). */
  sortKeys: 10,
  /** runIds × keys × maxPoints of one metrics.series call. */
  seriesPoints: 1_000_000,
} as const;

const experimentIds = z.array(experimentId).max(APP_LIMITS.experimentIds, `may name at most ${APP_LIMITS.experimentIds} experiments`);
const columnKeys = (kind: string) => z.array(z.string()).max(APP_LIMITS.columnsPerKind, `may list at most ${APP_LIMITS.columnsPerKind} ${kind} columns`);

export const SortSchema = z.object({
  /** `attributes.start_time`, `metrics.loss`, `params.lr`, `tags.team`, ... (the search grammar's names). */
  column: z.string().min(1),
  ascending: z.boolean(),
});

/**
 * The one typed map of app operations. Main-side handlers are registered from it, and the renderer's
 * client is derived from it; the same handlers answer over Electron IPC and over HTTP.
 */
/** An experiment's keys as runs.columns lists them. */
const ExperimentKeysSchema = z.object({
  params: z.array(z.string()),
  metrics: z.array(z.string()),
  tags: z.array(z.string()),
  /** Keys whose values differ between runs: the table's default columns come from these. */
  varying: z.object({ params: z.array(z.string()), metrics: z.array(z.string()) }),
  /** Some run of these experiments has a registered model version. */
  hasModels: z.boolean(),
});

export const operations = {
  /** Who the server takes the caller to be (recorded on reviews and alias moves), and how. */
  'session.get': {
    input: z.object({}),
    output: z.object({ identity: z.string(), via: z.enum(['bearer', 'session', 'os-user']) }),
  },
  'experiments.list': {
    input: z.object({ search: z.string().optional(), viewType: ViewTypeSchema.optional() }),
    output: z.object({ experiments: z.array(ExperimentSummarySchema) }),
  },
  'experiments.create': {
    input: z.object({ name: z.string().trim().min(1, 'cannot be empty').max(500, 'is longer than 500 characters') }),
    output: z.object({ experimentId: z.string() }),
  },
  'experiments.rename': {
    input: z.object({ experimentId, name: z.string().trim().min(1, 'cannot be empty').max(500, 'is longer than 500 characters') }),
    output: z.object({}),
  },
  'experiments.delete': { input: z.object({ experimentId }), output: z.object({}) },
  'runs.columns': { input: z.object({ experimentIds }), output: ExperimentKeysSchema },
  'runs.page': {
    input: z.object({
      experimentIds: experimentIds.min(1, 'needs at least one experiment'),
      filter: z.string().optional(),
      sort: z.array(SortSchema).max(APP_LIMITS.sortKeys, `may hold at most ${APP_LIMITS.sortKeys} sort keys`).optional(),
      offset: z.number().int().min(0),
      limit: z.number().int().min(1).max(5000),
      columns: z.object({ params: columnKeys('param'), metrics: columnKeys('metric'), tags: columnKeys('tag') }),
      includeDeleted: z.boolean().optional(),
      /**
       * The user has picked no columns for this experiment: the server picks the default ones from its
       * keys instead of `columns` (shared/run-columns.ts) and answers them with the keys, so a newly
       * opened experiment's first page takes one request rather than runs.columns and then runs.page.
       */
      pickColumns: z.boolean().optional(),
    }),
    output: z.object({
      total: z.number(),
      rows: z.array(RunRowSchema),
      /** With `pickColumns`: the columns the rows carry, and the experiment's keys as runs.columns lists them. */
      picked: z.object({ columns: z.object({ params: z.array(z.string()), metrics: z.array(z.string()), tags: z.array(z.string()) }), keys: ExperimentKeysSchema }).optional(),
    }),
  },
  'runs.get': { input: z.object({ runId }), output: z.object({ run: RunDetailSchema }) },
  'runs.setDescription': { input: z.object({ runId, description: z.string().max(5000, 'is longer than 5000 characters') }), output: z.object({}) },
  'metrics.series': {
    input: z
      .object({
        runIds: z.array(runId).min(1).max(100),
        keys: z.array(z.string().min(1)).min(1).max(100),
        xAxis: z.enum(X_AXES),
        /** Chart width in points: the server never returns more points than this per series. */
        maxPoints: z.number().int().min(2).max(20_000),
      })
      .refine((input) => input.runIds.length * input.keys.length * input.maxPoints <= APP_LIMITS.seriesPoints, {
        message: `runIds × keys × maxPoints may be at most ${APP_LIMITS.seriesPoints.toLocaleString('en-US')} points per call: ask for fewer runs or keys at a time`,
      }),
    output: z.object({ series: z.array(MetricSeriesSchema) }),
  },
  'artifacts.list': {
    input: z.object({ runId, path: z.string().optional() }),
    output: z.object({ files: z.array(ArtifactEntrySchema) }),
  },
  'artifacts.preview': { input: z.object({ runId, path: z.string().min(1) }), output: ArtifactPreviewSchema },
  'datasets.list': { input: z.object({}), output: z.object({ datasets: z.array(DatasetSummarySchema) }) },
  'datasets.get': {
    /** `name` or `name@version`; the latest version when none is given. */
    input: z.object({ ref: z.string().min(1, 'is required') }),
    output: z.object({ name: z.string(), versions: z.array(DatasetVersionSchema), selected: DatasetVersionSchema }),
  },
  'datasets.samples': {
    input: z.object({}),
    output: z.object({ samples: z.array(z.object({ name: z.string(), file: z.string(), description: z.string(), imported: z.boolean() })) }),
  },
  'datasets.importSample': { input: z.object({ name: z.string().min(1) }), output: z.object({ version: DatasetVersionSchema, created: z.boolean() }) },
  'datasets.upload': {
    input: z.object({
      name: z.string().min(1, 'is required').max(128),
      fileName: z.string().min(1, 'is required'),
      /** The file's text (CSV or JSON lines); at most 64 MB. */
      content: z.string().min(1, 'is empty').max(64 * 1024 * 1024, 'is larger than 64 MB'),
    }),
    output: z.object({ version: DatasetVersionSchema, created: z.boolean() }),
  },
  'training.start': { input: TrainingRequestSchema, output: z.object({ runId: z.string(), experimentId: z.string() }) },
  'training.cancel': { input: z.object({ runId }), output: z.object({}) },
  'training.jobs': { input: z.object({}), output: z.object({ jobs: z.array(TrainingJobSchema) }) },
  /** Which TensorFlow.js backends this machine has installed, and why the others cannot be picked. */
  'training.backends': {
    input: z.object({}),
    output: z.object({ backends: z.array(z.object({ name: z.enum(TRAINING_BACKENDS), available: z.boolean(), reason: z.string().nullable() })) }),
  },
  'runs.lineage': {
    input: z.object({ runId }),
    /** lineage is null for runs MLDesk did not train (logged from MLflow clients). */
    output: z.object({ lineage: RunLineageSchema.nullable(), graph: LineageGraphSchema, reproduction: ReproductionResultSchema.nullable(), forward: RunForwardSchema }),
  },
  'runs.reproduceCheck': { input: z.object({ runId }), output: ReproducibilityCheckSchema },
  'runs.reproduce': {
    input: z.object({ runId, tolerance: z.number().min(0, 'must be 0 or more').max(1, 'is a relative tolerance: at most 1').optional() }),
    /** Answers once the reproduction's run exists; it trains as a job (training.progress events). */
    output: z.object({ runId: z.string(), experimentId: z.string() }),
  },
  ...modelOperations,
  ...predictionOperations,
  ...evaluationOperations,
  ...monitoringSettingsOperations,
  ...qualityTestOperations,
  ...alertOperations,
  ...monitoringOperations,
  ...bundleViewOperations,
  ...handoffOperations,
  ...keyOperations,
  ...reviewOperations,
  ...bundleOperations,
  ...jobOperations,
  ...pipelineOperations,
  ...sweepOperations,
} as const;

export type OperationName = keyof typeof operations;
export type OperationInput<K extends OperationName> = z.input<(typeof operations)[K]['input']>;
/** An operation's input after parsing (defaults applied): what main-side handlers receive. */
export type OperationParsedInput<K extends OperationName> = z.output<(typeof operations)[K]['input']>;
export type OperationOutput<K extends OperationName> = z.infer<(typeof operations)[K]['output']>;
export const OPERATION_NAMES = Object.keys(operations) as OperationName[];

/** Every answer crossing a transport. */
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

/** The client shape both transports implement: one named async function per operation. */
export type AppApi = { [K in OperationName]: (input: OperationInput<K>) => Promise<OperationOutput<K>> };
