/**
 * What the pipeline's train step runs: the policy's project folder, entry point and parameters.
 * The built-in MLP (resources/projects/mlp) takes the champion run's recorded target, task,
 * backend, hyperparameters and seed as its values, so a retrain repeats how the champion was
 * trained, on the new data; the policy's parameters override them. A user's own project keeps its
 * MLproject defaults under the policy's parameters. Either way the training data goes into the
 * parameter the policy names (`dataParameter`), filled by the train step.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CtPolicy, EntryPoint, ProjectParameter } from '../../../../shared/automation.js';
import { invalidParameter, MLDeskError } from '../../errors.js';
import { readLineage } from '../../lineage/lineage-store.js';
import type { TrackingStore } from '../../store/tracking-store.js';
import { BACKEND_NAMES } from '../../training/backend.js';
import { hyperparameterParams, resolveHyperparameters, type Hyperparameters } from '../../training/hyperparams.js';
import { loadProject, resolveEntryPoint } from '../projects/mlproject.js';

/** Projects shipped with MLDesk, named in a policy by their folder name under resources/projects. */
export const BUILT_IN_PROJECTS = ['mlp'] as const;

export type ParameterSource = 'policy' | 'champion' | 'pipeline';

export interface ChallengerPlan {
  /** The project folder, absolute. */
  dir: string;
  /** The built-in project's name, or null for a user's own folder. */
  builtIn: string | null;
  entry: string;
  entryPoint: EntryPoint;
  /** Values given to the project (its MLproject defaults fill the rest), the data parameter not yet among them. */
  parameters: Record<string, string>;
  /** Where each given value came from, for the step's log. */
  sources: Record<string, ParameterSource>;
  /** The data parameter's declared type; undefined when the entry point is a script taking any `--key value`. */
  dataType: ProjectParameter['type'] | undefined;
}

/** resources/projects of this MLDesk: the packaged app's resources, else found upward from this file (source tree or dist/). */
export function builtInProjectsRoot(): string | null {
  const packaged = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  if (packaged && existsSync(join(packaged, 'projects'))) return join(packaged, 'projects');
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'resources', 'projects');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** The folder `policy.project` names: a built-in project by name, or an absolute path that must be a folder. */
export function policyProjectDir(project: string): { dir: string; builtIn: string | null } {
  if ((BUILT_IN_PROJECTS as readonly string[]).includes(project)) {
    const root = builtInProjectsRoot();
    const dir = root === null ? null : join(root, project);
    if (dir === null || !existsSync(join(dir, 'MLproject'))) throw new MLDeskError('INVALID_STATE', `policy.project: the built-in project '${project}' is missing from this MLDesk's resources.`);
    return { dir, builtIn: project };
  }
  if (!isAbsolute(project)) {
    throw invalidParameter(`policy.project: '${project}' is neither a built-in project (${BUILT_IN_PROJECTS.join(', ')}) nor an absolute path to a project folder.`);
  }
  const dir = normalize(project);
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw invalidParameter(`policy.project: there is no project folder at ${dir}.`);
  return { dir, builtIn: null };
}

/** The champion's recorded training settings as the MLP project's parameters; empty when it has no MLDesk lineage. */
async function championValues(store: TrackingStore, runId: string): Promise<Record<string, string>> {
  const lineage = await readLineage(store, runId);
  if (!lineage) return {};
  const { config } = lineage;
  const recorded = config.hyperparameters as Partial<Hyperparameters>;
  const values = Object.fromEntries(hyperparameterParams(resolveHyperparameters(recorded, config.hyperparameters.seed)).map((p) => [p.key, p.value]));
  values.target = config.target;
  // Undeclared in the MLproject: passed through to `mldesk train` as --task / --backend.
  if (config.task) values.task = config.task;
  if ((BACKEND_NAMES as readonly string[]).includes(config.backend)) values.backend = config.backend;
  return values;
}

export async function planChallenger(store: TrackingStore, policy: CtPolicy, championRunId: string): Promise<ChallengerPlan> {
  const { dir, builtIn } = policyProjectDir(policy.project);
  const loaded = loadProject(dir);
  let entryPoint: EntryPoint;
  try {
    entryPoint = resolveEntryPoint(loaded, policy.entry);
  } catch (error) {
    throw invalidParameter(`policy.entry: ${(error as Error).message}`);
  }
  const declared = loaded.project.entry_points[policy.entry] !== undefined;
  const dataSpec = entryPoint.parameters[policy.dataParameter];
  if (declared && !dataSpec) {
    const names = Object.keys(entryPoint.parameters);
    throw invalidParameter(
      `policy.dataParameter: entry point '${policy.entry}' of ${dir} declares no parameter '${policy.dataParameter}' to take the training data (declared: ${names.length ? names.join(', ') : 'none'}).`,
    );
  }
  const fromChampion = builtIn === 'mlp' ? await championValues(store, championRunId) : {};
  const parameters: Record<string, string> = { ...fromChampion, ...policy.parameters };
  const sources: Record<string, ParameterSource> = {};
  for (const key of Object.keys(fromChampion)) sources[key] = 'champion';
  for (const key of Object.keys(policy.parameters)) sources[key] = 'policy';
  const missing = Object.entries(entryPoint.parameters)
    .filter(([name, spec]) => name !== policy.dataParameter && spec.default === undefined && parameters[name] === undefined)
    .map(([name]) => name);
  if (missing.length > 0) {
    const why = builtIn === 'mlp' ? "the champion's run has no MLDesk lineage to take it from" : 'the MLproject gives it no default';
    throw invalidParameter(`policy.parameters.${missing[0]}: entry point '${policy.entry}' needs a value and ${why}; set it in the policy's parameters${missing.length > 1 ? ` (also missing: ${missing.slice(1).join(', ')})` : ''}.`);
  }
  return { dir, builtIn, entry: policy.entry, entryPoint, parameters, sources, dataType: dataSpec?.type };
}
