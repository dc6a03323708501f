/**
 * Everything before a project job is queued, on the machine that has the lineage store: the
 * project and its parameters are checked (a bad one is refused here, naming it, before any run or
 * job exists), then the experiment (if new) and the run are created so the run exists while the
 * job waits. `mldesk run`, sweeps and continuous training all start projects through this.
 */
import { userInfo } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { JobSpec, ProjectSource } from '../../../../shared/automation.js';
import { MLDeskError } from '../../errors.js';
import type { TrackingStore } from '../../store/tracking-store.js';
import { loadProject, resolveEntryPoint } from './mlproject.js';
import { DatasetStore } from '../../data/dataset-store.js';
import { fillCommand, type FilledParameter } from './parameters.js';
import { DATASET_REF, PROJECT_TAG } from './project-lineage.js';
import type { TrackingClient } from './tracking-client.js';

export interface PrepareProjectRunInput {
  /** The project folder. */
  path: string;
  entry?: string;
  /** -P values as given; relative `path` values resolve against `cwd`. */
  parameters?: Record<string, string>;
  /** Experiment name (created when missing); default "Default", as MLflow. */
  experiment?: string;
  /** Or an experiment id that must exist. */
  experimentId?: string;
  runName?: string;
  /** Tags set on the run at creation (a sweep's parent run, a pipeline's step). */
  tags?: { key: string; value: string }[];
  env?: Record<string, string>;
  cwd?: string;
  /** Run from a snapshot instead of the folder (filled in after the run exists; see snapshotProject). */
  source?: ProjectSource;
}

export interface PreparedProjectRun {
  spec: Extract<JobSpec, { type: 'project' }>;
  runId: string;
  experimentId: string;
  /** The filled command, for showing before it runs. */
  command: string;
}

export const experimentIdFor = (store: TrackingStore, name: string): string => store.experiments.idForName(name);

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

interface CheckedProject {
  dir: string;
  entryPoint: string;
  parameters: Record<string, string>;
  command: string;
  tags: { key: string; value: string }[];
  datasetRefs: FilledParameter[];
}

/** The validation half: loads the project, types every parameter; throws INVALID_PARAMETER_VALUE naming what is wrong. */
export function checkProjectRun(input: PrepareProjectRunInput): CheckedProject {
  const cwd = input.cwd ?? process.cwd();
  const loaded = loadProject(resolve(cwd, input.path));
  const entryPoint = input.entry ?? 'main';
  const entry = resolveEntryPoint(loaded, entryPoint);
  const given = input.parameters ?? {};
  const filled = fillCommand(entry, given, { baseDir: loaded.dir, givenBaseDir: cwd });
  // A path the caller gave relative to where they stand is stored absolute: the job runs elsewhere.
  const parameters: Record<string, string> = { ...given };
  for (const p of filled.parameters) if (p.type === 'path' && p.source === 'given' && !isAbsolute(given[p.name]!)) parameters[p.name] = p.value;
  const tags = [
    { key: 'mlflow.source.type', value: 'PROJECT' },
    { key: 'mlflow.source.name', value: loaded.dir },
    { key: 'mlflow.project.entryPoint', value: entryPoint },
    { key: 'mlflow.user', value: currentUser() },
    ...(input.tags ?? []),
  ];
  return { dir: loaded.dir, entryPoint, parameters, command: filled.command, tags, datasetRefs: filled.parameters.filter((p) => p.value.startsWith(DATASET_REF)) };
}

/**
 * `dataset:NAME[@VERSION]` parameters name a stored dataset version: refused here when there is
 * none, and recorded by content hash (a bare name is pinned to the version it meant now).
 */
function datasetTags(store: TrackingStore, refs: FilledParameter[]): { key: string; value: string }[] {
  if (refs.length === 0) return [];
  const datasets = new DatasetStore(store.db, store.dataDir);
  return refs.flatMap((p) => {
    let version;
    try {
      version = datasets.getVersion(p.value.slice(DATASET_REF.length));
    } catch (error) {
      throw new MLDeskError('INVALID_PARAMETER_VALUE', `Parameter '${p.name}': ${(error as Error).message}`);
    }
    return [
      { key: `${PROJECT_TAG}dataset.${p.name}`, value: version.sha256 },
      { key: `${PROJECT_TAG}dataset_version.${p.name}`, value: version.ref },
    ];
  });
}

function specOf(input: PrepareProjectRunInput, checked: CheckedProject, experimentId: string, runId: string): Extract<JobSpec, { type: 'project' }> {
  return {
    type: 'project',
    project: input.source ?? { kind: 'path', path: checked.dir },
    entryPoint: checked.entryPoint,
    parameters: checked.parameters,
    experimentId,
    runId,
    env: input.env ?? {},
  };
}

/** Checks the project and parameters, then creates the run in the local store. */
export function prepareProjectRun(store: TrackingStore, input: PrepareProjectRunInput): PreparedProjectRun {
  const checked = checkProjectRun(input);
  const experimentId = input.experimentId ?? experimentIdFor(store, input.experiment ?? 'Default');
  const tags = [...checked.tags, ...datasetTags(store, checked.datasetRefs)];
  const runId = store.createRun({ experimentId, runName: input.runName, userId: currentUser(), tags }).info.run_id;
  return { spec: specOf(input, checked, experimentId, runId), runId, experimentId, command: checked.command };
}

/** The same against a remote tracking server (REST only). */
export async function prepareProjectRunRemote(client: TrackingClient, input: PrepareProjectRunInput): Promise<PreparedProjectRun> {
  const checked = checkProjectRun(input);
  const experimentId = input.experimentId ?? (await client.experimentId(input.experiment ?? 'Default'));
  const runId = (await client.createRun(experimentId, checked.tags, input.runName)).info.run_id;
  return { spec: specOf(input, checked, experimentId, runId), runId, experimentId, command: checked.command };
}
