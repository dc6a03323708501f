/**
 * Reproduction of a training run from its recorded lineage: the same template, target, task,
 * hyperparameters, seed, dataset version and backend, trained again into a new run of the same
 * experiment, then every final metric compared. A run that cannot be reproduced faithfully here
 * (no lineage, changed or missing data, another backend or TF.js version) is refused before any
 * run is created; differences that do not change the arithmetic only warn.
 */
import {
  REPRODUCED_TAG,
  REPRODUCTION_ARTIFACT,
  ReproductionResultSchema,
  type ReproducibilityCheck,
  type ReproductionNote,
  type ReproductionPlan,
  type ReproductionResult,
  type RunLineage,
} from '../../../shared/lineage.js';
import { EVALUATION_METRIC_KEYS } from '../../../shared/evaluation.js';
import { LIMITS } from '../../../shared/tracking-limits.js';
import { DatasetStore } from '../data/dataset-store.js';
import { resolveDataDir } from '../data-dir.js';
import { invalidParameter, MLDeskError } from '../errors.js';
import { collectCodeLineage } from '../lineage/code-lineage.js';
import { codeNotes, compareMetrics, environmentNotes } from '../lineage/compare.js';
import { collectHostEnvironment } from '../lineage/environment.js';
import { readLineage } from '../lineage/lineage-store.js';
import { TrackingStore } from '../store/tracking-store.js';
import { parseBackendName, type BackendName } from './backend.js';
import { MODEL_TEMPLATES, resolveHyperparameters, type Hyperparameters, type ModelTemplate } from './hyperparams.js';
import type { WorkerMessage } from './messages.js';
import { writeRunArtifact } from './run-records.js';
import { latestMetrics, probeBackend, startTraining } from './training-run.js';

const EVALUATION_KEYS = new Set<string>(EVALUATION_METRIC_KEYS);

export interface CheckOptions {
  /** The project whose git state is compared with the original's (and recorded for the reproduction). Default: the working directory. */
  projectDir?: string;
  /** The compiled worker entry (tests run it from source). */
  workerPath?: string;
}

export interface ReproduceOptions extends CheckOptions {
  store?: TrackingStore;
  dataDir?: string;
  runId: string;
  /** Relative tolerance per metric; 0 (the default) demands the very same numbers. */
  tolerance?: number;
  onMessage?: (message: WorkerMessage) => void;
  /** Called once the reproduction run exists, before it trains. */
  onStarted?: (run: { runId: string; experimentId: string }) => void;
  /** Aborting cancels the reproduction's training (its run ends KILLED). */
  signal?: AbortSignal;
}

/** Thrown by reproduceRun when checkReproducible finds problems; no run was created. */
export class ReproductionRefusedError extends MLDeskError {
  constructor(
    readonly runId: string,
    readonly check: ReproducibilityCheck,
  ) {
    super('INVALID_STATE', `Run ${runId} cannot be reproduced here: ${check.problems.map((p) => p.message).join(' ')}`);
    this.name = 'ReproductionRefusedError';
  }
}

const problem = (code: string, message: string): ReproductionNote => ({ code, message });
const KEEP_ID_COLUMNS_PARAM = 'keep_id_columns';

/** The recorded settings as training options; problems for anything this MLDesk cannot train. */
function planOf(lineage: RunLineage, experimentId: string, problems: ReproductionNote[]): ReproductionPlan | null {
  const { config, data, environment } = lineage;
  let complete = true;
  if (!(MODEL_TEMPLATES as readonly string[]).includes(config.template)) {
    problems.push(problem('unsupported_template', `The original used the model template '${config.template}', which this MLDesk does not have (it has ${MODEL_TEMPLATES.join(', ')}).`));
    complete = false;
  }
  try {
    resolveHyperparameters(config.hyperparameters as Partial<Hyperparameters>, config.hyperparameters.seed);
  } catch (error) {
    problems.push(problem('invalid_config', `The recorded hyperparameters cannot be used: ${(error as Error).message}`));
    complete = false;
  }
  try {
    parseBackendName(environment.backend);
  } catch {
    problems.push(problem('backend_unavailable', `The original trained on the backend '${environment.backend}', which this MLDesk does not know.`));
    complete = false;
  }
  if (data.kind !== 'dataset' || data.ref === null || data.sha256 === null) {
    problems.push(problem('data_not_stored', `The original trained on the in-memory table '${data.name}', whose rows MLDesk did not store; only runs trained on a dataset version (mldesk train --data or --dataset) can be reproduced.`));
    complete = false;
  }
  if (!complete) return null;
  return {
    originalRunId: lineage.runId,
    experimentId,
    template: config.template,
    target: config.target,
    task: config.task,
    hyperparameters: config.hyperparameters,
    // The backend actually used, not the request: 'auto' could pick another one here.
    backend: environment.backend,
    dataset: { ref: data.ref!, sha256: data.sha256!, rows: data.rows },
  };
}

/** The stored bytes must still be the ones the original read. */
async function dataProblems(store: TrackingStore, ref: string, expected: string): Promise<ReproductionNote[]> {
  const datasets = new DatasetStore(store.db, store.dataDir);
  let version;
  try {
    version = datasets.getVersion(ref);
  } catch (error) {
    return [problem('dataset_missing', `The dataset version ${ref} the original trained on is missing from this data directory (expected sha256 ${expected}): ${(error as Error).message}`)];
  }
  if (version.sha256 !== expected) {
    return [problem('dataset_changed', `The dataset version ${ref} no longer holds the data the original trained on: expected sha256 ${expected}, the version now records ${version.sha256}.`)];
  }
  const check = await datasets.verify(version);
  if (check.ok) return [];
  const actual = check.actualSha256 ?? `nothing (${check.problem ?? 'the blob is missing'})`;
  return [problem('dataset_changed', `The stored bytes of dataset ${ref} no longer match the hash recorded for the original: expected sha256 ${expected}, actual ${actual} (${check.path}).`)];
}

/**
 * Whether a run can be reproduced here, and what would be trained. Problems block (reproduceRun
 * refuses); warnings are differences worth knowing that do not change the computation. Loads the
 * recorded backend in a child process to learn whether it exists here and its TF.js version.
 * Throws only when the run does not exist.
 */
export async function checkReproducible(store: TrackingStore, runId: string, options: CheckOptions = {}): Promise<ReproducibilityCheck> {
  const row = store.runs.row(runId);
  const lineage = await readLineage(store, runId);
  if (!lineage) {
    const why = `Run ${runId} has no MLDesk lineage: it was not trained by MLDesk (for example logged through the MLflow API), or it failed before its lineage was recorded, so there is nothing to reproduce it from.`;
    return { ok: false, problems: [problem('no_lineage', why)], warnings: [], plan: null };
  }
  const problems: ReproductionNote[] = [];
  const warnings: ReproductionNote[] = [];
  if (row.status === 'RUNNING' || row.status === 'SCHEDULED') problems.push(problem('run_active', `Run ${runId} is still ${row.status}; reproduce it once it has ended.`));
  else if (row.status !== 'FINISHED') warnings.push(problem('original_status', `The original ended ${row.status}: its metrics are the ones logged before it stopped, so a full reproduction is unlikely to match them.`));
  const experiment = store.experiments.get(String(row.experiment_id));
  if (experiment.lifecycle_stage !== 'active') problems.push(problem('experiment_deleted', `The experiment '${experiment.name}' of run ${runId} is deleted; restore it to add the reproduction to it.`));

  const plan = planOf(lineage, experiment.experiment_id, problems);
  // Runs trained before integer id columns were left out of the features used them: such runs
  // have no keep_id_columns param, and their reproduction must keep the columns as they did.
  if (plan && !plan.hyperparameters.keepIdColumns && !store.runs.get(runId).data.params.some((p) => p.key === KEEP_ID_COLUMNS_PARAM)) {
    plan.hyperparameters = { ...plan.hyperparameters, keepIdColumns: true };
    warnings.push(
      problem(
        'id_columns_kept',
        'The original was trained before MLDesk left integer id columns out of the features, so the reproduction keeps them as the original did (keep_id_columns=true).',
      ),
    );
  }
  let backend: BackendName | undefined;
  try {
    backend = parseBackendName(lineage.environment.backend);
  } catch {
    // Already a problem from planOf.
  }
  const [data, host, probe, code] = await Promise.all([
    plan ? dataProblems(store, plan.dataset.ref, plan.dataset.sha256) : Promise.resolve([]),
    collectHostEnvironment(),
    backend ? probeBackend(backend, { workerPath: options.workerPath }) : Promise.resolve(undefined),
    collectCodeLineage(options.projectDir ?? process.cwd()),
  ]);
  problems.push(...data);
  if (probe) {
    const env = environmentNotes(lineage.environment, host, probe);
    problems.push(...env.problems);
    warnings.push(...env.warnings);
  }
  warnings.push(...codeNotes(lineage.code, code));
  return { ok: problems.length === 0, problems, warnings, plan };
}

async function recordVerdict(store: TrackingStore, result: ReproductionResult): Promise<void> {
  try {
    // The file first: the tag's run.changed event tells the UI to read it.
    await writeRunArtifact(store, result.runId, REPRODUCTION_ARTIFACT, `${JSON.stringify(result, null, 2)}\n`);
    store.setTag(result.runId, { key: REPRODUCED_TAG, value: String(result.reproduced) });
    store.events.emit('run.changed', { runId: result.originalRunId, experimentId: result.experimentId });
  } catch {
    // The verdict is also the caller's result; a run deleted meanwhile must not turn it into an error.
  }
}

/**
 * Reproduces a run into a new run of the same experiment and compares every final (non-system)
 * metric. Throws ReproductionRefusedError, before creating anything, when checkReproducible
 * finds problems; otherwise resolves with the verdict, also when the training fails.
 */
export async function reproduceRun(options: ReproduceOptions): Promise<ReproductionResult> {
  const tolerance = options.tolerance ?? 0;
  if (!Number.isFinite(tolerance) || tolerance < 0) throw invalidParameter(`Invalid tolerance ${tolerance}: expected a relative tolerance of 0 or more.`);
  const ownStore = options.store === undefined;
  const store = options.store ?? TrackingStore.open(resolveDataDir(options.dataDir));
  try {
    const check = await checkReproducible(store, options.runId, options);
    if (!check.ok || !check.plan) throw new ReproductionRefusedError(options.runId, check);
    const plan = check.plan;
    const original = store.runs.row(options.runId);
    const handle = startTraining({
      store,
      experimentId: plan.experimentId,
      data: { kind: 'dataset', ref: plan.dataset.ref },
      target: plan.target,
      task: plan.task ?? undefined,
      template: plan.template as ModelTemplate,
      hyperparameters: resolveHyperparameters(plan.hyperparameters as Partial<Hyperparameters>, plan.hyperparameters.seed),
      backend: plan.backend as BackendName,
      runName: `${original.name}-reproduction`.slice(0, LIMITS.maxRunNameLength),
      source: 'mldesk reproduce',
      reproductionOf: options.runId,
      projectDir: options.projectDir,
      workerPath: options.workerPath,
      onMessage: options.onMessage,
    });
    options.onStarted?.({ runId: handle.runId, experimentId: handle.experimentId });
    const onAbort = () => void handle.cancel(String(options.signal?.reason ?? 'cancelled'));
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const outcome = await handle.done;
    options.signal?.removeEventListener('abort', onAbort);
    // Both sides read the same way (latest logged values) so like is compared with like.
    const originalMetrics = latestMetrics(store, options.runId);
    // A run trained before MLDesk wrote evaluations lacks their summaries: not a difference to report.
    const reproduced = Object.fromEntries(Object.entries(latestMetrics(store, handle.runId)).filter(([key]) => key in originalMetrics || !EVALUATION_KEYS.has(key)));
    const comparisons = compareMetrics(originalMetrics, reproduced, tolerance);
    const result = ReproductionResultSchema.parse({
      runId: handle.runId,
      originalRunId: options.runId,
      experimentId: handle.experimentId,
      reproduced: outcome.status === 'FINISHED' && comparisons.length > 0 && comparisons.every((c) => c.equal),
      status: outcome.status,
      tolerance,
      warnings: check.warnings,
      comparisons,
      ...(outcome.error ? { error: outcome.error } : {}),
    });
    await recordVerdict(store, result);
    return result;
  } finally {
    if (ownStore) store.close();
  }
}
